using System.Net;

namespace Locktera.Core.Drm;

/// <summary>Gathers the facts a DRM decision uses: the time, the client's address and where the geolocation database places it, the viewer.</summary>
public sealed class ViewerFactsSource(GeoLocator geo, TimeProvider time)
{
    /// <summary>The facts for <paramref name="address"/> and <paramref name="viewer"/>: at <paramref name="at"/> (by default now), in <paramref name="place"/> (by default where the address is).</summary>
    public ViewerFacts For(IPAddress? address, string? viewer, GeoFacts? place = null, DateTimeOffset? at = null) =>
        new(at ?? time.GetUtcNow(), address, place ?? (address is null ? null : geo.Locate(address)), viewer);
}
