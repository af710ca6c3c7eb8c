using Locktera.Cli;

// Results on stdout, progress, prompts and errors on stderr: `locktera ls --json | jq` shows a
// progress-free stream, and each console detects on its own whether it is a terminal.
var output = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Out) });
var error = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
return await new CliApp(new CliHost(output, error, Environment.GetEnvironmentVariable)).RunAsync(args);
