// The namespaces most files of this project use.
global using Microsoft.Extensions.Options;
global using Locktera.Core;
global using Locktera.Core.Content;
