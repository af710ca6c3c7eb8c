global using System.CommandLine;
global using Locktera.Client;
global using Spectre.Console;
