namespace Locktera.Cli;

/// <summary>The exit codes scripts can rely on (README, "Command line").</summary>
public static class ExitCodes
{
    public const int Ok = 0;

    /// <summary>Something the other codes do not name (a local file that cannot be written, a bug).</summary>
    public const int Failed = 1;

    /// <summary>The command line is wrong, or no credentials are set up.</summary>
    public const int Usage = 2;

    /// <summary>The API answered 404.</summary>
    public const int NotFound = 3;

    /// <summary>The API refused: 400, 401, 403, 409, 412 and the other 4xx.</summary>
    public const int Refused = 4;

    /// <summary>The API could not be reached, failed (5xx), or stayed throttled (429) after the client's retries.</summary>
    public const int Unavailable = 5;

    /// <summary>Interrupted (Ctrl+C), as shells report a SIGINT; running the same encode or decode again resumes it.</summary>
    public const int Interrupted = 130;

    public static int Of(Exception exception, CancellationToken interrupted) => exception switch
    {
        LockteraException { Status: 404 } => NotFound,
        LockteraException { Status: 429 or >= 500 } => Unavailable,
        LockteraException => Refused,
        UsageException or LockteraConfigurationException or FileNotFoundException or DirectoryNotFoundException => Usage,
        OperationCanceledException when interrupted.IsCancellationRequested => Interrupted,
        // A request that timed out, or a connection that failed or dropped.
        HttpRequestException or OperationCanceledException or TimeoutException or IOException { InnerException: System.Net.Sockets.SocketException } => Unavailable,
        _ => Failed,
    };
}

/// <summary>A command line the parser accepts but the command cannot act on (a prompt needed without a terminal).</summary>
public sealed class UsageException(string message) : Exception(message);
