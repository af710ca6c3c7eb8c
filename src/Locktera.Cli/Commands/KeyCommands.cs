namespace Locktera.Cli.Commands;

/// <summary>API keys: <c>keys ls|create|revoke</c>, of the CLI's organization or, with <c>--org</c>, one it manages.</summary>
internal static class KeyCommands
{
    public static Command Create(CliApp app)
    {
        var org = new Option<Guid?>("--org") { Description = "The organization whose keys these are (default: the CLI's own)", Recursive = true };
        var command = new Command("keys", "List, create and revoke API keys") { org, List(app, org), New(app, org), Revoke(app, org) };
        return command;
    }

    private static Command List(CliApp app, Option<Guid?> org)
    {
        var command = new Command("ls", "List the keys (never their secrets)");
        app.Handle(command, async (cli, ct) =>
        {
            var keys = await cli.Client.ApiKeys.ListAsync(cli.Parsed.GetValue(org), ct).ToListAsync(ct);
            cli.Result(keys, list =>
            {
                var table = Render.Table("Key id", "Name", "Permissions", "Created", "Last used");
                foreach (var k in list)
                {
                    table.Row(k.KeyId.ToString(), k.Name, string.Join(", ", k.Permissions), Render.Time(k.CreatedAt), Render.Time(k.LastUsedAt));
                }
                return table;
            });
        });
        return command;
    }

    private static Command New(CliApp app, Option<Guid?> org)
    {
        var name = new Option<string>("--name") { Description = "What the key is for", Required = true };
        var permissions = new Option<string[]>("--permission") { Description = "read, write or admin (repeat for several)", Required = true };
        permissions.AcceptOnlyFromAmong("read", "write", "admin");
        var command = new Command("create", "Create a key; its secret is printed this once") { name, permissions };
        app.Handle(command, async (cli, ct) =>
        {
            var key = await cli.Client.ApiKeys.CreateAsync(new NewApiKey(cli.Get(name), cli.Get(permissions)), cli.Parsed.GetValue(org), ct);
            cli.Note("The secret is shown this once: keep it now.");
            cli.Result(key, k => Render.Details(("Key id", k.KeyId.ToString()), ("Name", k.Name), ("Permissions", string.Join(", ", k.Permissions)), ("Secret", k.Secret)));
        });
        return command;
    }

    private static Command Revoke(CliApp app, Option<Guid?> org)
    {
        var id = new Argument<Guid>("key-id") { Description = "The key's id" };
        var command = new Command("revoke", "Revoke a key: it stops working at once") { id };
        app.Handle(command, async (cli, ct) =>
        {
            await cli.Client.ApiKeys.RevokeAsync(cli.Get(id), cli.Parsed.GetValue(org), ct);
            cli.Result(new { KeyId = cli.Get(id), Revoked = true }, r => new Text($"Revoked {r.KeyId}\n"));
        });
        return command;
    }
}
