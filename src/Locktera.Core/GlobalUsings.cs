// The namespaces most files of this project use.
global using System.Globalization;
global using System.Security.Cryptography;
global using Azure.Data.Tables;
global using Locktera.Core.Errors;
global using Locktera.Core.Storage;
