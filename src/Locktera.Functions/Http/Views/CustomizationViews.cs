using System.Text.Json.Serialization;
using Locktera.Core.Customization;

namespace Locktera.Functions.Http;

/// <summary>The branding fields.</summary>
public class BrandingView(Branding branding)
{
    public string? Theme { get; } = branding.Theme;
    public string? LogoUrl { get; } = branding.LogoUrl;
    public string? BrandingColor { get; } = branding.BrandingColor;
    public string? DisplayName { get; } = branding.DisplayName;
    public string? SupportEmail { get; } = branding.SupportEmail;
    public string? FooterText { get; } = branding.FooterText;
}

/// <summary>upstream's fields with the values the node shows, plus where each inherited one comes from and what the node itself set.</summary>
public sealed class CustomizationsView(EffectiveBranding branding) : BrandingView(branding.Shown)
{
    [JsonPropertyOrder(-1)] public Guid OrgId { get; } = branding.OrgId;
    [JsonPropertyOrder(1)] public IReadOnlyDictionary<string, Guid> InheritedFrom { get; } = branding.InheritedFrom;
    [JsonPropertyOrder(1)] public BrandingView Own { get; } = new(branding.Own);
}
