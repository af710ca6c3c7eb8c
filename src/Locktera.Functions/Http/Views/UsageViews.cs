using Locktera.Core.Metering;
using Locktera.Core.Orgs;

namespace Locktera.Functions.Http;

/// <summary>upstream's Consumption (<c>org_id</c>, <c>month</c>, <c>api_calls</c>, <c>storage_used</c> in GB) and the rest of what is metered.</summary>
public sealed class ConsumptionView(MonthlyUsage usage, bool includeChildren)
{
    public Guid OrgId { get; } = usage.OrgId;
    public string Month { get; } = usage.Month;
    public long ApiCalls { get; } = usage.ApiCalls;
    public double StorageUsed { get; } = usage.StorageUsedGb;
    public long StorageBytes { get; } = usage.StorageBytes;
    public long Containers { get; } = usage.Containers;
    public long Encodes { get; } = usage.Encodes;
    public long Decodes { get; } = usage.Decodes;
    public long BytesIn { get; } = usage.BytesIn;
    public long BytesOut { get; } = usage.BytesOut;
    public long Events { get; } = usage.Events;
    public bool IncludeChildren { get; } = includeChildren;

    /// <summary>The roll-up the counts come from; null when nothing was counted.</summary>
    public DateTimeOffset? AsOf { get; } = usage.AsOf;
}

/// <summary>
/// GET /orgs/{id}/stats: upstream's <c>usage</c> (a number: this month's storage in GB) and
/// <c>events_count</c>, the month's whole consumption, and what the node holds.
/// </summary>
public sealed class StatsView(Org org, OrgStats stats)
{
    public Guid OrgId { get; } = org.Id;
    public string Month { get; } = stats.Usage.Month;
    public double Usage { get; } = stats.Usage.StorageUsedGb;
    public ConsumptionView Consumption { get; } = new(stats.Usage, includeChildren: false);
    public long EventsCount { get; } = stats.Usage.Events;
    public long Containers { get; } = stats.Usage.Containers;
    public long Children { get; } = stats.Children;
    public int ApiKeys { get; } = stats.ApiKeys;
}
