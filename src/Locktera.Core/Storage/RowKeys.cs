using System.Globalization;

namespace Locktera.Core.Storage;

public static class RowKeys
{
    /// <summary>
    /// A time as a fixed-width row-key part that sorts newest first (table storage lists rows in
    /// ascending key order, and the logs and audits are read newest first).
    /// </summary>
    public static string NewestFirst(DateTimeOffset at) =>
        (DateTimeOffset.MaxValue.UtcTicks - Math.Clamp(at.UtcTicks, DateTimeOffset.MinValue.UtcTicks, DateTimeOffset.MaxValue.UtcTicks)).ToString("D19", CultureInfo.InvariantCulture);
}
