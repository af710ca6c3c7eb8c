// The namespaces most files of this project use.
global using Locktera.Core;
global using Locktera.Core.Errors;
global using Locktera.Functions.Pipeline;
