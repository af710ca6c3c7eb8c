using System.Text.Json.Serialization;
using Locktera.Core.Customization;

namespace Locktera.Functions.Http;

/// <summary>Branding fields; one without a value is left out (upstream documents each as a string).</summary>
public class BrandingView(Branding branding)
{
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? Theme { get; } = branding.Theme;
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? LogoUrl { get; } = branding.LogoUrl;
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? BrandingColor { get; } = branding.BrandingColor;
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? DisplayName { get; } = branding.DisplayName;
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? SupportEmail { get; } = branding.SupportEmail;
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? FooterText { get; } = branding.FooterText;
}

/// <summary>upstream's fields with the values the node shows, plus where each inherited one comes from and what the node itself set.</summary>
public sealed class CustomizationsView(EffectiveBranding branding) : BrandingView(branding.Shown)
{
    [JsonPropertyOrder(-1)] public Guid OrgId { get; } = branding.OrgId;
    [JsonPropertyOrder(1)] public IReadOnlyDictionary<string, Guid> InheritedFrom { get; } = branding.InheritedFrom;
    [JsonPropertyOrder(1)] public BrandingView Own { get; } = new(branding.Own);
}
