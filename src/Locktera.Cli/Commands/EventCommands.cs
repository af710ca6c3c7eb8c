namespace Locktera.Cli.Commands;

/// <summary>A container's event log: <c>events</c>, and with <c>--follow</c> the events as they happen.</summary>
internal static class EventCommands
{
    public static Command Create(CliApp app)
    {
        var id = ContainerCommands.Id();
        var action = new Option<string>("--action") { Description = "Only events of this action, e.g. container.decode" };
        var follow = new Option<bool>("--follow", "-f") { Description = "Keep printing new events as they happen, until Ctrl+C" };
        var interval = new Option<double>("--interval") { Description = "Seconds between two looks for new events with --follow", DefaultValueFactory = _ => 5 };
        var command = new Command("events", "A container's events, oldest first") { id, action, follow, interval };
        app.Handle(command, async (cli, ct) =>
        {
            var container = cli.Get(id);
            var events = await NewestFirstAsync(cli, container, new EventFilter(cli.Parsed.GetValue(action)), ct);
            if (!cli.Parsed.GetValue(follow))
            {
                events.Reverse();
                cli.Result(events, list => new Rows(list.Select(Line)));
                return;
            }
            // JSON lines when following: each event is one line a script can read as it comes.
            var seen = new HashSet<Guid>();
            DateTimeOffset? since = null;
            var pause = TimeSpan.FromSeconds(Math.Max(0.1, cli.Parsed.GetValue(interval)));
            try
            {
                while (true)
                {
                    events.Reverse();
                    foreach (var e in events.Where(e => seen.Add(e.Id)))
                    {
                        Print(cli, e);
                        since = e.CreatedDate;
                    }
                    await Task.Delay(pause, ct);
                    // From the newest seen on (inclusive: events of the same instant), the ones already printed skipped.
                    events = await NewestFirstAsync(cli, container, new EventFilter(cli.Parsed.GetValue(action), Start: since), ct);
                }
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                // Ctrl+C is how a follow ends.
            }
        });
        return command;
    }

    private static async Task<List<ContainerEvent>> NewestFirstAsync(CliRun cli, Guid container, EventFilter filter, CancellationToken ct) =>
        await cli.Client.Events.ListForContainerAsync(container, filter, ct).ToListAsync(ct);

    private static void Print(CliRun cli, ContainerEvent e)
    {
        if (cli.Json)
        {
            cli.WriteJson(System.Text.Json.JsonSerializer.SerializeToNode(e, LockteraJson.Options), indented: false);
        }
        else
        {
            cli.Out.Write(Line(e));
        }
    }

    private static Text Line(ContainerEvent e) =>
        new($"{Render.Time(e.CreatedDate)}  {e.Action,-24} {e.User}{(e.CreatorIp is null ? "" : $" from {e.CreatorIp}")}{(e.Detail.Count == 0 ? "" : "  " + string.Join(", ", e.Detail.Select(d => $"{d.Key}={d.Value}")))}\n");
}
