namespace Locktera.Cli;

/// <summary>
/// What a run of the CLI talks to: the console for results (stdout), the one for progress, prompts
/// and errors (stderr), the environment it reads its settings from, and how it makes a client.
/// Tests pass test consoles, a made-up environment and a client of the DevHost.
/// </summary>
public sealed class CliHost(IAnsiConsole output, IAnsiConsole error, Func<string, string?> environment, Func<LockteraCredentials, LockteraClient>? clientFactory = null)
{
    /// <summary>Moves the configuration directory (the login file, the state of unfinished uploads) away from the user's.</summary>
    public const string ConfigDirectoryVariable = "LOCKTERA_CONFIG_DIR";

    public IAnsiConsole Output => output;

    public IAnsiConsole Error => error;

    public Func<string, string?> Environment => environment;

    /// <summary><c>LOCKTERA_CONFIG_DIR</c>, else the directory of <see cref="LockteraCredentials.LoginFile"/>.</summary>
    public string ConfigDirectory => environment(ConfigDirectoryVariable) is { Length: > 0 } directory
        ? Path.GetFullPath(directory)
        : Path.GetDirectoryName(LockteraCredentials.LoginFile)!;

    /// <summary>The env file <c>locktera login</c> writes.</summary>
    public string LoginFile => Path.Combine(ConfigDirectory, "env");

    /// <summary>The credentials in the client library's order: the environment, <c>LOCKTERA_ENV_FILE</c>, the login file.</summary>
    public LockteraCredentials Credentials() => LockteraCredentials.Resolve(environment, LoginFile);

    public LockteraClient Client(LockteraCredentials credentials) => clientFactory is null ? new LockteraClient(credentials) : clientFactory(credentials);
}
