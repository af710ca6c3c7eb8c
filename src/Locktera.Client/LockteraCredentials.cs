namespace Locktera.Client;

/// <summary>
/// Where the API is and who calls it: the names of the env file <c>scripts/run</c> writes and the
/// upstream examples read (<c>API_URL</c>, <c>ORG_ID</c>, <c>API_KEY</c>).
/// </summary>
public sealed record LockteraCredentials(Uri ApiUrl, string OrgId, string ApiKey)
{
    public const string EnvFileVariable = "LOCKTERA_ENV_FILE";

    /// <summary>The env file <c>locktera login</c> writes: in the user's configuration directory, readable by the user alone.</summary>
    public static string LoginFile => Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.ApplicationData, Environment.SpecialFolderOption.DoNotVerify), "locktera", "env");

    /// <summary>
    /// The credentials, in this order: the environment variables <c>API_URL</c>, <c>ORG_ID</c>,
    /// <c>API_KEY</c>; else the env file <c>LOCKTERA_ENV_FILE</c> names; else the one <c>locktera login</c> wrote.
    /// </summary>
    public static LockteraCredentials Resolve() => Resolve(Environment.GetEnvironmentVariable);

    /// <summary><see cref="Resolve()"/> with another environment (tests, and the CLI's own).</summary>
    public static LockteraCredentials Resolve(Func<string, string?> environment) => Resolve(environment, LoginFile);

    /// <summary><see cref="Resolve()"/> with another environment and login file (the CLI's configuration directory can be moved, and tests never read the user's).</summary>
    public static LockteraCredentials Resolve(Func<string, string?> environment, string loginFile)
    {
        if (From(environment) is { } fromEnvironment)
        {
            return fromEnvironment;
        }
        if (environment(EnvFileVariable) is { Length: > 0 } named)
        {
            return Read(named) ?? throw new LockteraConfigurationException($"{EnvFileVariable} names {named}, which does not set API_URL, ORG_ID and API_KEY.");
        }
        return Read(loginFile)
            ?? throw new LockteraConfigurationException($"No credentials: set API_URL, ORG_ID and API_KEY, or {EnvFileVariable}, or run `locktera login`.");
    }

    /// <summary>The credentials an env file (<c>NAME=value</c> lines) sets; null when the file is missing or incomplete.</summary>
    public static LockteraCredentials? Read(string path)
    {
        if (!File.Exists(path))
        {
            return null;
        }
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in File.ReadLines(path))
        {
            var trimmed = line.Trim();
            var equals = trimmed.IndexOf('=', StringComparison.Ordinal);
            if (equals > 0 && !trimmed.StartsWith('#'))
            {
                values[trimmed[..equals].Trim()] = trimmed[(equals + 1)..].Trim().Trim('"', '\'');
            }
        }
        return From(name => values.GetValueOrDefault(name));
    }

    /// <summary>Writes these credentials as an env file that only the user can read (its directory too, when new).</summary>
    public void Save(string path)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
        if (!Directory.Exists(directory))
        {
            Directory.CreateDirectory(directory);
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }
        }
        var text = $"API_URL={ApiUrl.ToString().TrimEnd('/')}\nORG_ID={OrgId}\nAPI_KEY={ApiKey}\n";
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }
        using (var file = new FileStream(path, options))
        using (var writer = new StreamWriter(file))
        {
            writer.Write(text);
        }
        if (!OperatingSystem.IsWindows())
        {
            // An existing file keeps its mode on create: make it the user's alone again.
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
    }

    /// <summary>Never the key: credentials end up in logs and exception messages.</summary>
    public override string ToString() => $"{ApiUrl} (org {OrgId})";

    private static LockteraCredentials? From(Func<string, string?> values) =>
        values("API_URL") is { Length: > 0 } url && values("ORG_ID") is { Length: > 0 } org && values("API_KEY") is { Length: > 0 } key
            ? new LockteraCredentials(Uri.TryCreate(url, UriKind.Absolute, out var uri) ? uri : throw new LockteraConfigurationException($"API_URL is not an absolute URL: {url}"), org, key)
            : null;
}

/// <summary>The client cannot be set up: credentials missing or malformed.</summary>
public sealed class LockteraConfigurationException(string message) : Exception(message);
