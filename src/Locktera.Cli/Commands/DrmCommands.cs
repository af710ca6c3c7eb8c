using System.Text.Json;
using System.Text.Json.Nodes;

namespace Locktera.Cli.Commands;

/// <summary>A container's DRM rules (docs/drm.md): <c>drm get|set|evaluate</c>.</summary>
internal static class DrmCommands
{
    public const string RulesHelp = "The rules as a JSON object, @file to read them from a file, or - for stdin; e.g. '{\"opens\": 3}'";

    public static Command Create(CliApp app) => new("drm", "Read, change and try out a container's DRM rules") { Get(app), Set(app), Evaluate(app) };

    private static Command Get(CliApp app)
    {
        var id = ContainerCommands.Id();
        var command = new Command("get", "The container's rules and their version (its ETag, for `drm set --if-match`)") { id };
        app.Handle(command, async (cli, ct) => Show(cli, await cli.Client.Drm.GetAsync(cli.Get(id), ct)));
        return command;
    }

    private static Command Set(CliApp app)
    {
        var id = ContainerCommands.Id();
        var rules = new Argument<string>("rules") { Description = RulesHelp };
        var replace = new Option<bool>("--replace") { Description = "Replace every rule (one left out is cleared) instead of merging these into them (null clears one)" };
        var ifMatch = new Option<string>("--if-match") { Description = "Change them only if they are still this version (the ETag `drm get` shows); else exit 4" };
        var command = new Command("set", "Change a dynamic container's rules") { id, rules, replace, ifMatch };
        app.Handle(command, async (cli, ct) =>
        {
            var given = await ReadRulesAsync(cli.Get(rules), ct);
            var version = cli.Parsed.GetValue(ifMatch);
            var changed = cli.Parsed.GetValue(replace)
                ? await cli.Client.Drm.ReplaceAsync(cli.Get(id), given, version, ct)
                : await cli.Client.Drm.ChangeAsync(cli.Get(id), given, version, ct);
            Show(cli, changed);
        });
        return command;
    }

    private static Command Evaluate(CliApp app)
    {
        var id = ContainerCommands.Id();
        var viewer = new Option<string>("--viewer") { Description = "The viewer's email" };
        var ip = new Option<string>("--ip") { Description = "The viewer's address" };
        var country = new Option<string>("--country") { Description = "The viewer's country (ISO 3166-1 alpha-2; default: where --ip is)" };
        var time = new Option<DateTimeOffset?>("--time") { Description = "When (ISO 8601; default: now)" };
        var command = new Command("evaluate", "What the rules would decide for a viewer, address, country and time (changes nothing)") { id, viewer, ip, country, time };
        app.Handle(command, async (cli, ct) =>
        {
            var whatIf = new JsonObject();
            Put(whatIf, "viewer", cli.Parsed.GetValue(viewer));
            Put(whatIf, "ip", cli.Parsed.GetValue(ip));
            Put(whatIf, "time", cli.Parsed.GetValue(time)?.ToString("O"));
            if (cli.Parsed.GetValue(country) is { } code)
            {
                whatIf["geo"] = new JsonObject { ["country"] = code };
            }
            var verdict = await cli.Client.Drm.EvaluateAsync(cli.Get(id), whatIf, ct);
            cli.Result(verdict, v =>
            {
                var table = Render.Table("Rule", "Passed", "Why").Title(v.Allowed ? "Allowed" : $"Denied by {v.Denial?.Rule}");
                foreach (var check in v.Trace)
                {
                    table.Row(check.Rule, check.Passed switch { true => "yes", false => "no", null => "-" }, check.Reason);
                }
                return table;
            });
        });
        return command;
    }

    /// <summary>The rules with their version as <c>etag</c> (the header's name, for <c>--if-match</c>).</summary>
    private static void Show(CliRun cli, DrmRulesView view) => cli.Result(new { view.Id, view.OrgId, view.Dynamic, view.Rules, Etag = view.ETag }, v => new Rows(
        Render.Details(("Container", v.Id.ToString()), ("Dynamic", v.Dynamic ? "yes" : "no (its rules cannot change)"), ("Version", v.Etag)),
        new Text(v.Rules.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n")));

    /// <summary>The rules given inline, in a file (<c>@path</c>) or on stdin (<c>-</c>); anything but a JSON object is a usage error.</summary>
    public static async Task<JsonObject> ReadRulesAsync(string given, CancellationToken ct)
    {
        var text = given switch
        {
            "-" => await Console.In.ReadToEndAsync(ct),
            ['@', .. var path] => await File.ReadAllTextAsync(path, ct),
            _ => given,
        };
        try
        {
            return JsonNode.Parse(text) as JsonObject ?? throw new UsageException("The rules must be a JSON object.");
        }
        catch (JsonException e)
        {
            throw new UsageException($"The rules are not JSON: {e.Message}");
        }
    }

    private static void Put(JsonObject target, string name, string? value)
    {
        if (value is not null)
        {
            target[name] = value;
        }
    }
}
