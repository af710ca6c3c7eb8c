namespace Locktera.Cli.Commands;

/// <summary>Who the CLI is: <c>login</c>, <c>whoami</c>, and the service's <c>status</c>.</summary>
internal static class AccountCommands
{
    public static Command Login(CliApp app)
    {
        var url = new Option<Uri>("--url")
        {
            Description = "The API's base URL, e.g. https://api.example.com/api/v1",
            CustomParser = result => AbsoluteUrl(result.Tokens[0].Value) ?? Invalid(result, $"--url is not an absolute http(s) URL: {result.Tokens[0].Value}"),
        };
        var org = new Option<string>("--org") { Description = "Your organization's id" };
        var key = new Option<string>("--key") { Description = "An API key of that organization (asked without echo when not given)" };
        var command = new Command("login", "Check credentials against the API and save them for later commands (a file only you can read)") { url, org, key };
        app.Handle(command, async (cli, ct) =>
        {
            var credentials = new LockteraCredentials(
                cli.Parsed.GetValue(url) ?? AbsoluteUrl(Ask(cli, "API URL:", secret: false)) ?? throw new UsageException("The API URL must be an absolute http(s) URL."),
                cli.Parsed.GetValue(org) ?? Ask(cli, "Organization id:", secret: false),
                cli.Parsed.GetValue(key) ?? Ask(cli, "API key:", secret: true));
            using var client = cli.Host.Client(credentials);
            var me = await client.Orgs.GetMeAsync(ct);
            credentials.Save(cli.Host.LoginFile);
            cli.Note($"Saved to {cli.Host.LoginFile}");
            cli.Result(me, m => Render.Details(("API", credentials.ApiUrl.ToString()), ("Org", $"{m.Id} ({Render.Name(m)}, {m.Role})"), ("Key", m.KeyId.ToString())));
        });
        return command;
    }

    public static Command WhoAmI(CliApp app)
    {
        var command = new Command("whoami", "The organization and key the CLI acts as");
        app.Handle(command, async (cli, ct) =>
        {
            var me = await cli.Client.Orgs.GetMeAsync(ct);
            cli.Result(me, m => Render.Details(
                ("API", cli.Client.Credentials.ApiUrl.ToString()), ("Org", m.Id.ToString()), ("Name", Render.Name(m)), ("Role", m.Role),
                ("Root org", m.RootOrgId.ToString()), ("Key", m.KeyId.ToString()), ("Permissions", string.Join(", ", m.Permissions))));
        });
        return command;
    }

    public static Command Status(CliApp app)
    {
        var command = new Command("status", "The health of the service and the storage behind it");
        app.Handle(command, async (cli, ct) =>
        {
            var status = await cli.Client.GetServiceStatusAsync(ct);
            cli.Result(status, s => Render.Details([("Status", s.Status), .. s.Services.Select(p => (p.Key, (string?)p.Value)), ("At", Render.Time(s.Timestamp))]));
        });
        return command;
    }

    private static Uri? AbsoluteUrl(string text) =>
        Uri.TryCreate(text.Trim(), UriKind.Absolute, out var url) && url.Scheme is "http" or "https" ? url : null;

    private static Uri? Invalid(System.CommandLine.Parsing.ArgumentResult result, string error)
    {
        result.AddError(error);
        return null;
    }

    private static string Ask(CliRun cli, string prompt, bool secret)
    {
        var console = cli.Host.Error;
        if (!console.Profile.Capabilities.Interactive)
        {
            throw new UsageException($"{prompt.TrimEnd(':')} not given, and there is no terminal to ask at: pass --url, --org and --key.");
        }
        var question = new TextPrompt<string>(prompt);
        return console.Prompt(secret ? question.Secret() : question);
    }
}
