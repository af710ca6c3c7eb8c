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
        ApiResults.Ok(new CustomizationsView(await customizations.GetAsync(req.TargetOrg(), cancellationToken)));

    [Function("SetCustomizations")]
    [RequirePermission(Permission.Admin, ManagesTarget = true)]
    public async Task<IResult> Set([HttpTrigger(AuthorizationLevel.Anonymous, "put", Route = Route)] HttpRequest req, CancellationToken cancellationToken)
    {
        var branding = await ReadBrandingAsync(req);
        return ApiResults.Ok(new CustomizationsView(await customizations.SetAsync(req.TargetOrg(), branding, cancellationToken)));
    }

    private static async Task<Branding> ReadBrandingAsync(HttpRequest req)
    {
        var body = await JsonBody.ReadAsync(req);
        var branding = new Branding(
            body.Checked("theme", 10, t => Themes.Contains(t) ? null : "must be light or dark"),
            body.Checked("logo_url", 2000, u => Uri.TryCreate(u, UriKind.Absolute, out var uri) && uri.Scheme == Uri.UriSchemeHttps ? null : "must be an https URL"),
            body.Checked("branding_color", 7, c => c.Length == 7 && c[0] == '#' && c[1..].All(char.IsAsciiHexDigit) ? null : "must be a color as #RRGGBB"),
            body.Text("display_name", ContactRules.MaxNameLength),
            body.Email("support_email"),
            body.Text("footer_text", 500));
        body.EnsureValid();
        return branding;
    }
}
