namespace Locktera.Cli.Commands;

/// <summary>The organization's containers: <c>ls</c>, <c>block</c>, <c>unblock</c>.</summary>
internal static class ContainerCommands
{
    public static Command List(CliApp app)
    {
        var status = new Option<string>("--status") { Description = "Only containers in this status" };
        status.AcceptOnlyFromAmong("ACTIVE", "BLOCKED", "EXPIRED");
        var tag = new Option<string>("--tag") { Description = "Only containers with this tag" };
        var name = new Option<string>("--name") { Description = "Only containers whose name contains this" };
        var command = new Command("ls", "List the organization's containers, newest first") { status, tag, name };
        app.Handle(command, async (cli, ct) =>
        {
            var filter = new ContainerFilter(cli.Parsed.GetValue(status), cli.Parsed.GetValue(tag), cli.Parsed.GetValue(name));
            var containers = await cli.WaitAsync("Listing containers", async () => await cli.Client.Containers.ListAsync(filter, ct).ToListAsync(ct));
            cli.Result(containers, list =>
            {
                var table = Render.Table("Id", "Name", "Size", "Status", "Created", "Tags");
                foreach (var c in list)
                {
                    table.Row(c.Id.ToString(), c.Name, Render.Bytes(c.Size), c.Status, Render.Time(c.CreatedAt), string.Join(", ", c.Tags));
                }
                return table;
            });
        });
        return command;
    }

    public static Command Block(CliApp app) => Blocking(app, "block", "Block every decode of a container until it is unblocked", (client, id, ct) => client.Containers.BlockAsync(id, ct));

    public static Command Unblock(CliApp app) => Blocking(app, "unblock", "Let a blocked container be decoded again", (client, id, ct) => client.Containers.UnblockAsync(id, ct));

    /// <summary>The container's id, the argument of every command about one container.</summary>
    public static Argument<Guid> Id() => new("id") { Description = "The container's id" };

    public static Grid Describe(Container c) => Render.Details(
        ("Id", c.Id.ToString()), ("Name", c.Name), ("Size", Render.Bytes(c.Size)), ("Status", c.Status), ("Created", Render.Time(c.CreatedAt)), ("Tags", string.Join(", ", c.Tags)));

    /// <summary>A command that changes a container's status, then shows the container as it now is.</summary>
    private static Command Blocking(CliApp app, string name, string description, Func<LockteraClient, Guid, CancellationToken, Task> change)
    {
        var id = Id();
        var command = new Command(name, description) { id };
        app.Handle(command, async (cli, ct) =>
        {
            await change(cli.Client, cli.Get(id), ct);
            cli.Result(await cli.Client.Containers.GetAsync(cli.Get(id), ct), Describe);
        });
        return command;
    }
}
