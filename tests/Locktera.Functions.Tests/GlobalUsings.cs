// The namespaces most files of this project use.
global using System.Text;
global using System.Text.Json.Nodes;
global using Locktera.Core;
global using Locktera.Core.Containers;
global using Locktera.Core.Storage;
