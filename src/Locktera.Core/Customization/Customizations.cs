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

/// <summary>The value each field takes for a node, and which node (itself or its nearest ancestor) set it.</summary>
public sealed record EffectiveBranding(Branding Own, IReadOnlyDictionary<string, (string? Value, Guid? From)> Fields);

/// <summary>
/// Branding per org node, in the node's own partition of the orgs table (RK "customizations").
/// A node without a value for a field takes its nearest ancestor's.
/// </summary>
public sealed class Customizations(StorageAccount storage)
{
    private const string Row = "customizations";

    public async Task SetAsync(Guid orgId, Branding branding, CancellationToken cancellationToken)
    {
        var table = await Table(cancellationToken);
        await table.UpsertEntityAsync(new TableEntity(orgId.ToString(), Row)
        {
            ["Theme"] = branding.Theme,
            ["LogoUrl"] = branding.LogoUrl,
            ["BrandingColor"] = branding.BrandingColor,
            ["DisplayName"] = branding.DisplayName,
            ["SupportEmail"] = branding.SupportEmail,
            ["FooterText"] = branding.FooterText,
        }, TableUpdateMode.Replace, cancellationToken);
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
        var fields = Branding.FieldNames.ToDictionary(
            field => field,
            field => brandings.Where(b => b.Branding?[field] is not null).Select(b => ((string?)b.Branding![field], (Guid?)b.Id)).FirstOrDefault());
        return new EffectiveBranding(brandings[0].Branding ?? new Branding(null, null, null, null, null, null), fields);
    }

    private static Branding ToBranding(TableEntity e) => new(
        e.GetString("Theme"), e.GetString("LogoUrl"), e.GetString("BrandingColor"), e.GetString("DisplayName"), e.GetString("SupportEmail"), e.GetString("FooterText"));

    private Task<TableClient> Table(CancellationToken cancellationToken) => storage.TableAsync(storage.Names.Orgs, cancellationToken);
}
