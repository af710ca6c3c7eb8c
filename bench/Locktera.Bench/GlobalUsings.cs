// The namespaces most files of this project use.
global using Locktera.Core.Content;
global using Locktera.Core.Tera;
