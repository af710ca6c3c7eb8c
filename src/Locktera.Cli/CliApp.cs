using System.CommandLine.Invocation;
using Locktera.Cli.Commands;

namespace Locktera.Cli;

/// <summary>
/// The <c>locktera</c> command line: builds the command tree (one class per group under Commands/),
/// runs a command line and turns what went wrong into an exit code (<see cref="ExitCodes"/>) and a
/// message that names the API's error and trace id, never a key.
/// </summary>
public sealed class CliApp
{
    private readonly CliHost _host;

    /// <summary>On every command: results as JSON on stdout, no tables, no progress.</summary>
    private readonly Option<bool> _json = new("--json") { Description = "Print the result as JSON (for scripts); no progress", Recursive = true };

    private readonly RootCommand _root;

    public CliApp(CliHost host)
    {
        _host = host;
        _root = new RootCommand("Locktera: encrypted containers with DRM rules, from the command line.") { _json };
        foreach (var command in new[]
        {
            AccountCommands.Login(this), AccountCommands.WhoAmI(this), AccountCommands.Status(this),
            TransferCommands.Encode(this), TransferCommands.Decode(this),
            ContainerCommands.List(this), ContainerCommands.Block(this), ContainerCommands.Unblock(this),
            DrmCommands.Create(this), ShareCommands.Create(this), EventCommands.Create(this),
            KeyCommands.Create(this), OrgCommands.Create(this),
        })
        {
            _root.Add(command);
        }
    }

    public async Task<int> RunAsync(IReadOnlyList<string> args, CancellationToken cancellationToken = default)
    {
        // No response files: `@rules.json` is a file's JSON as curl's `-d @file` is, not more arguments.
        var parsed = _root.Parse(args, new ParserConfiguration { ResponseFileTokenReplacer = null });
        var configuration = new InvocationConfiguration
        {
            Output = _host.Output.Profile.Out.Writer,
            Error = _host.Error.Profile.Out.Writer,
            EnableDefaultExceptionHandler = false,
        };
        var code = await parsed.InvokeAsync(configuration, cancellationToken);
        // The parser answers 1 for a command line it cannot parse; scripts tell usage apart by 2.
        return parsed.Errors.Count > 0 && parsed.Action is ParseErrorAction ? ExitCodes.Usage : code;
    }

    /// <summary>Makes <paramref name="run"/> the action of <paramref name="command"/>, with the client and the exit code of what it throws.</summary>
    public void Handle(Command command, Func<CliRun, CancellationToken, Task> run) =>
        command.SetAction(async (parsed, cancellationToken) =>
        {
            var cli = new CliRun(_host, parsed, parsed.GetValue(_json));
            try
            {
                await run(cli, cancellationToken);
                return ExitCodes.Ok;
            }
            catch (Exception e)
            {
                cli.Fail(e, cancellationToken.IsCancellationRequested);
                return ExitCodes.Of(e, cancellationToken);
            }
            finally
            {
                cli.Dispose();
            }
        });
}
