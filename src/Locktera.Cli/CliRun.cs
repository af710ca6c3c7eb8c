using System.Text.Json;
using System.Text.Json.Nodes;
using Spectre.Console.Rendering;

namespace Locktera.Cli;

/// <summary>One command being run: its parsed command line, its consoles, its client (made when first asked for), and how it prints.</summary>
public sealed class CliRun(CliHost host, ParseResult parsed, bool json) : IDisposable
{
    private static readonly JsonSerializerOptions Indented = new(LockteraJson.Options) { WriteIndented = true };

    private LockteraClient? _client;

    public CliHost Host => host;

    public ParseResult Parsed => parsed;

    /// <summary>Whether <c>--json</c> was given: results as JSON on stdout, no tables, no progress.</summary>
    public bool Json => json;

    public IAnsiConsole Out => host.Output;

    public LockteraClient Client => _client ??= host.Client(host.Credentials());

    /// <summary>Progress bars only for a person at a terminal: not for <c>--json</c>, a pipe, a file or a dumb terminal.</summary>
    public bool ShowsProgress => !Json && host.Error.Profile.Capabilities is { Interactive: true, Ansi: true };

    public T Get<T>(Option<T> option) => parsed.GetValue(option)!;

    public T Get<T>(Argument<T> argument) => parsed.GetValue(argument)!;

    /// <summary>Prints <paramref name="value"/> as JSON with <c>--json</c>, else as <paramref name="human"/> renders it.</summary>
    public void Result<T>(T value, Func<T, IRenderable> human)
    {
        if (Json)
        {
            WriteJson(JsonSerializer.SerializeToNode(value, Indented));
        }
        else
        {
            Out.Write(human(value));
        }
    }

    public void WriteJson(JsonNode? node, bool indented = true) =>
        Out.Profile.Out.Writer.WriteLine(node?.ToJsonString(indented ? Indented : LockteraJson.Options) ?? "null");

    /// <summary>A line for the person at the terminal (on stderr, so that it never mixes with a result): none with <c>--json</c>.</summary>
    public void Note(string text)
    {
        if (!Json)
        {
            host.Error.Write(new Text(text + "\n", new Style(Color.Grey)));
        }
    }

    /// <summary>Runs a transfer with a progress bar of its bytes, rate and time left when <see cref="ShowsProgress"/>.</summary>
    public async Task<T> TransferAsync<T>(string description, Func<IProgress<TransferProgress>?, Task<T>> transfer)
    {
        if (!ShowsProgress)
        {
            return await transfer(null);
        }
        return await host.Error.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new DownloadedColumn(), new TransferSpeedColumn(), new RemainingTimeColumn())
            .StartAsync(async context =>
            {
                var task = context.AddTask(Markup.Escape(description), maxValue: 1);
                var result = await transfer(new TaskProgress(task));
                task.Value = task.MaxValue;
                task.StopTask();
                return result;
            });
    }

    /// <summary>Runs a wait of unknown length (a listing of many pages) under a spinner when <see cref="ShowsProgress"/>.</summary>
    public async Task<T> WaitAsync<T>(string description, Func<Task<T>> wait) =>
        ShowsProgress ? await host.Error.Status().StartAsync(Markup.Escape(description), _ => wait()) : await wait();

    /// <summary>Prints what went wrong on stderr: the API's message, fields and trace id (as JSON with <c>--json</c>).</summary>
    public void Fail(Exception e, bool interrupted)
    {
        var api = e as LockteraException;
        var message = interrupted && e is OperationCanceledException
            ? "Interrupted; run the same command again to resume."
            : api?.ApiMessage ?? e.Message;
        if (Json)
        {
            var error = new JsonObject { ["message"] = message };
            if (api is not null)
            {
                error["status"] = api.Status;
                error["code"] = api.Code;
                error["fields"] = JsonSerializer.SerializeToNode(api.Fields);
                error["trace_id"] = api.TraceId;
            }
            host.Error.Profile.Out.Writer.WriteLine(new JsonObject { ["error"] = error }.ToJsonString(LockteraJson.Options));
            return;
        }
        host.Error.Write(new Text($"error: {message}\n", new Style(Color.Red)));
        if (api is null)
        {
            return;
        }
        foreach (var (field, problem) in api.Fields)
        {
            host.Error.Write(new Text($"  {field}: {problem}\n"));
        }
        host.Error.Write(new Text($"  HTTP {api.Status}, code {api.Code}{(api.TraceId is null ? "" : $", trace id {api.TraceId}")}\n", new Style(Color.Grey)));
    }

    public void Dispose() => _client?.Dispose();

    /// <summary>A transfer's progress on a Spectre task; reports come from several threads, possibly out of order.</summary>
    private sealed class TaskProgress(ProgressTask task) : IProgress<TransferProgress>
    {
        private readonly Lock _lock = new();

        public void Report(TransferProgress value)
        {
            lock (_lock)
            {
                task.MaxValue = Math.Max(1, value.TotalBytes);
                task.Value = Math.Max(task.Value, value.Bytes);
            }
        }
    }
}
