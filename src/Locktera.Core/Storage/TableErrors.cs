using Azure;

namespace Locktera.Core.Storage;

public static class TableErrors
{
    public static bool IsNotFound(this RequestFailedException e) => e.Status == 404;

    /// <summary>An insert that met an existing row (409) or an update that lost an ETag race (412).</summary>
    public static bool IsConflict(this RequestFailedException e) => e.Status is 409 or 412;
}
