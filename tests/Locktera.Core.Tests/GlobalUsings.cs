// The namespaces most files of this project use.
global using Microsoft.Extensions.Options;
global using Locktera.Core.Access;
global using Locktera.Core.Content;
global using Locktera.Core.Errors;
global using Locktera.Core.Validation;
