namespace Locktera.Cli.Commands;

/// <summary>Sharing a container with a viewer: <c>share</c>.</summary>
internal static class ShareCommands
{
    public static Command Create(CliApp app)
    {
        var id = ContainerCommands.Id();
        var email = new Argument<string>("email") { Description = "The viewer's email" };
        var lifetime = new Option<int?>("--minutes") { Description = "How long the token lasts (default 60, at most 10080: 7 days)" };
        var command = new Command("share", "Issue a viewer token: what the viewer's app uses to open this one container, as the DRM rules allow") { id, email, lifetime };
        app.Handle(command, async (cli, ct) =>
        {
            var minutes = cli.Parsed.GetValue(lifetime);
            var token = await cli.Client.Viewers.IssueTokenAsync(cli.Get(id), cli.Get(email), minutes is { } m ? TimeSpan.FromMinutes(m) : null, ct);
            cli.Result(token, t => Render.Details(("Viewer", cli.Get(email)), ("Token", t.Token), ("Expires", Render.Time(t.ExpiresAt))));
        });
        return command;
    }
}
