using System.Net;
using System.Net.Sockets;
using MaxMind.Db;
using Microsoft.Extensions.Options;

namespace Locktera.Core.Drm;

/// <summary>
/// Places an address with GeoLite2-City databases in MaxMind DB format, as packaged by
/// ip-location-db (records: country_code, state1, city, timezone; the continent follows from the
/// time zone). No database, or an address it does not know, gives no location.
/// </summary>
public sealed class GeoLocator : IDisposable
{
    private readonly Reader[] _readers;

    public GeoLocator(IOptions<LockteraOptions> options) =>
        _readers = [.. options.Value.GeoIpDatabases.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(p => new Reader(p))];

    public bool IsConfigured => _readers.Length > 0;

    public GeoFacts? Locate(IPAddress address)
    {
        address = IpPattern.Normalize(address);
        foreach (var reader in _readers)
        {
            // An IPv4-only database cannot be asked about IPv6 addresses.
            if (address.AddressFamily == AddressFamily.InterNetworkV6 && reader.Metadata.IPVersion == 4)
            {
                continue;
            }
            if (reader.Find<Dictionary<string, object>>(address) is { } record)
            {
                var country = Text(record, "country_code")?.ToUpperInvariant();
                return new GeoFacts(Places.ContinentOf(Text(record, "timezone"), country), country, Text(record, "state1"), Text(record, "city"));
            }
        }
        return null;
    }

    public void Dispose()
    {
        foreach (var reader in _readers)
        {
            reader.Dispose();
        }
    }

    private static string? Text(Dictionary<string, object> record, string field) =>
        record.TryGetValue(field, out var value) && value is string text && text.Length > 0 ? text : null;
}
