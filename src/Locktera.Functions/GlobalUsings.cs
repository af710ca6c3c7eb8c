// The namespaces most files of this project use.
global using Microsoft.AspNetCore.Http;
global using Microsoft.Azure.Functions.Worker;
global using Locktera.Core;
global using Locktera.Core.Access;
global using Locktera.Core.Errors;
global using Locktera.Core.Validation;
global using Locktera.Functions.Http;
global using Locktera.Functions.Pipeline;
