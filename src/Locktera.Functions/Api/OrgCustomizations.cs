using System.Globalization;
using Locktera.Core.Customization;

namespace Locktera.Functions.Api;

/// <summary>Branding of an org node; children show their nearest ancestor's values where they set none.</summary>
public sealed class OrgCustomizations(Customizations customizations)
{
    private const string Route = Routes.Node + "/customizations";
    private static readonly string[] Themes = ["light", "dark"];

    [Function("GetCustomizations")]
    [RequirePermission(Permission.Read)]
    public async Task<IResult> Get([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = Route)] HttpRequest req, CancellationToken cancellationToken) =>
        View(req, await customizations.GetAsync(req.TargetOrg(), cancellationToken));

    [Function("SetCustomizations")]
    [RequirePermission(Permission.Admin, ManagesTarget = true)]
    public async Task<IResult> Set([HttpTrigger(AuthorizationLevel.Anonymous, "put", Route = Route)] HttpRequest req, CancellationToken cancellationToken)
    {
        var org = req.TargetOrg();
        var body = await JsonBody.ReadAsync(req);
        var branding = new Branding(
            body.Checked("theme", 10, t => Themes.Contains(t) ? null : "must be light or dark"),
            body.Checked("logo_url", 2000, u => Uri.TryCreate(u, UriKind.Absolute, out var uri) && uri.Scheme == Uri.UriSchemeHttps ? null : "must be an https URL"),
            body.Checked("branding_color", 7, c => c.Length == 7 && c[0] == '#' && c[1..].All(char.IsAsciiHexDigit) ? null : "must be a color as #RRGGBB"),
            body.Text("display_name", ContactRules.MaxNameLength),
            body.Email("support_email"),
            body.Text("footer_text", 500));
        body.EnsureValid();
        await customizations.SetAsync(org.Id, branding with { BrandingColor = branding.BrandingColor?.ToUpperInvariant() }, cancellationToken);
        return View(req, await customizations.GetAsync(org, cancellationToken));
    }

    /// <summary>Upstream's fields with their effective values, plus where each came from and what the node itself set.</summary>
    private static IResult View(HttpRequest req, EffectiveBranding branding)
    {
        var body = new Dictionary<string, object?> { ["org_id"] = req.TargetOrg().Id };
        foreach (var (field, (value, _)) in branding.Fields)
        {
            body[field] = value;
        }
        body["inherited_from"] = branding.Fields.Where(f => f.Value.From is { } from && from != req.TargetOrg().Id)
            .ToDictionary(f => f.Key, f => f.Value.From!.Value.ToString("D", CultureInfo.InvariantCulture));
        body["own"] = Branding.FieldNames.ToDictionary(f => f, f => branding.Own[f]);
        return ApiResults.Ok(body);
    }
}
