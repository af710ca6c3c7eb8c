using Locktera.Core.Orgs;

namespace Locktera.Core.Customization;

/// <summary>What a branded viewer shows for an org node; null fields are inherited.</summary>
public sealed record Branding(string? Theme, string? LogoUrl, string? BrandingColor, string? DisplayName, string? SupportEmail, string? FooterText)
{
    public static readonly string[] FieldNames = ["theme", "logo_url", "branding_color", "display_name", "support_email", "footer_text"];

    public string? this[string field] => field switch
    {
        "theme" => Theme,
        "logo_url" => LogoUrl,
        "branding_color" => BrandingColor,
        "display_name" => DisplayName,
        "support_email" => SupportEmail,
        "footer_text" => FooterText,
        _ => throw new ArgumentOutOfRangeException(nameof(field)),
    };
}

/// <summary>
/// A node's branding: what it set itself, what it shows (its own value of each field, or else its nearest
/// ancestor's), and for each field shown from an ancestor, which one.
/// </summary>
public sealed record EffectiveBranding(Guid OrgId, Branding Own, Branding Shown, IReadOnlyDictionary<string, Guid> InheritedFrom);

/// <summary>
/// Branding per org node, in the node's own partition of the orgs table (RK "customizations").
/// A node without a value for a field takes its nearest ancestor's.
/// </summary>
public sealed class Customizations(StorageAccount storage)
{
    private const string Row = "customizations";

    /// <summary>Replaces the node's own branding (colors are stored upper-case); returns what the node now shows.</summary>
    public async Task<EffectiveBranding> SetAsync(Org org, Branding branding, CancellationToken cancellationToken)
    {
        var table = await Table(cancellationToken);
        await table.UpsertEntityAsync(new TableEntity(org.Id.ToString(), Row)
        {
            ["Theme"] = branding.Theme,
            ["LogoUrl"] = branding.LogoUrl,
            ["BrandingColor"] = branding.BrandingColor?.ToUpperInvariant(),
            ["DisplayName"] = branding.DisplayName,
            ["SupportEmail"] = branding.SupportEmail,
            ["FooterText"] = branding.FooterText,
        }, TableUpdateMode.Replace, cancellationToken);
        return await GetAsync(org, cancellationToken);
    }

    /// <summary>The node's own branding and, field by field, what it shows after inheritance.</summary>
    public async Task<EffectiveBranding> GetAsync(Org org, CancellationToken cancellationToken)
    {
        var table = await Table(cancellationToken);
        // Self first, then the ancestors from the nearest up to the root: the first value found wins.
        var chain = new[] { org.Id }.Concat(org.Ancestors.Reverse()).ToList();
        var rows = await Task.WhenAll(chain.Select(async id =>
            (Id: id, Row: await table.GetEntityIfExistsAsync<TableEntity>(id.ToString(), Row, cancellationToken: cancellationToken))));
        var brandings = rows.Select(r => (r.Id, Branding: r.Row.HasValue ? ToBranding(r.Row.Value!) : null)).ToList();
        var setBy = Branding.FieldNames
            .Select(field => (Field: field, By: brandings.FirstOrDefault(b => b.Branding?[field] is not null)))
            .Where(f => f.By.Branding is not null)
            .ToDictionary(f => f.Field, f => f.By);
        string? Shown(string field) => setBy.TryGetValue(field, out var by) ? by.Branding![field] : null;
        return new EffectiveBranding(
            org.Id,
            brandings[0].Branding ?? new Branding(null, null, null, null, null, null),
            new Branding(Shown("theme"), Shown("logo_url"), Shown("branding_color"), Shown("display_name"), Shown("support_email"), Shown("footer_text")),
            setBy.Where(f => f.Value.Id != org.Id).ToDictionary(f => f.Key, f => f.Value.Id));
    }

    private static Branding ToBranding(TableEntity e) => new(
        e.GetString("Theme"), e.GetString("LogoUrl"), e.GetString("BrandingColor"), e.GetString("DisplayName"), e.GetString("SupportEmail"), e.GetString("FooterText"));

    private Task<TableClient> Table(CancellationToken cancellationToken) => storage.TableAsync(storage.Names.Orgs, cancellationToken);
}
