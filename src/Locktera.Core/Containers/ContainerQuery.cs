namespace Locktera.Core.Containers;

/// <summary>
/// Which of an org's containers a listing shows; every filter is optional: a <see cref="Status"/>,
/// a <see cref="Tag"/> they carry, a <see cref="NamePrefix"/> (case-insensitive) and a window of
/// creation times (<see cref="Start"/>, <see cref="End"/>, both inclusive). A container still being
/// encoded is never listed, whatever the query says.
/// </summary>
public sealed record ContainerQuery(ContainerStatus? Status, string? Tag, string? NamePrefix, DateTimeOffset? Start, DateTimeOffset? End)
{
    internal bool Matches(ContainerRecord record) =>
        record.Status != ContainerStatus.Pending
        && (Status is null || record.Status == Status)
        && (Tag is null || record.Tags.Contains(Tag, StringComparer.Ordinal))
        && (NamePrefix is null || record.Name.StartsWith(NamePrefix, StringComparison.OrdinalIgnoreCase))
        && (Start is null || record.CreatedAt >= Start)
        && (End is null || record.CreatedAt <= End);
}
