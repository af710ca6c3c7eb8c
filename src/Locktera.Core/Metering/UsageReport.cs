using Locktera.Core.Keys;
using Locktera.Core.Orgs;
using Locktera.Core.Validation;

namespace Locktera.Core.Metering;

/// <summary>
/// Which months a consumption report covers, as "yyyy-MM" names: one <see cref="Month"/>, a series
/// from <see cref="From"/> to <see cref="To"/>, or (none of them) the current month; summed over the
/// node alone or, with <see cref="IncludeChildren"/>, its whole subtree.
/// </summary>
public sealed record UsageQuery(string? Month, string? From, string? To, bool IncludeChildren)
{
    /// <summary>A series is answered as a list of months, a single month as itself.</summary>
    public bool IsSeries => From is not null || To is not null;
}

/// <summary>A node's dashboard figures: this month's usage and what the node holds now.</summary>
public sealed record OrgStats(MonthlyUsage Usage, long Children, int ApiKeys);

/// <summary>
/// What a node used, read from the monthly figures of <see cref="UsageRollup"/>, with the current
/// month's storage taken live from <see cref="UsageMeter"/> (it changes exactly on encode and delete).
/// </summary>
public sealed class UsageReport(UsageRollup rollup, UsageMeter meter, OrgService orgs, OrgStore orgStore, ApiKeyService keys, TimeProvider time)
{
    public const int MaxSeriesMonths = 36;
    private const string MonthProblem = "must be a month as yyyy-MM, from 2000-01 to the current month";

    /// <summary>Each month <paramref name="query"/> names, in order, summed over the node (and its subtree when asked).</summary>
    public async Task<IReadOnlyList<MonthlyUsage>> ConsumptionAsync(Org org, UsageQuery query, CancellationToken cancellationToken)
    {
        var (from, to) = Months(query);
        return await SumAsync(org, from, to, query.IncludeChildren, cancellationToken);
    }

    public async Task<OrgStats> StatsAsync(Org org, CancellationToken cancellationToken)
    {
        var current = CurrentMonth();
        var usage = (await SumAsync(org, current, current, subtree: false, cancellationToken))[0];
        var children = await orgStore.ChildIdsAsync(org.Id, null, cancellationToken).CountAsync(cancellationToken);
        var apiKeys = await keys.ListActiveAsync(org, cancellationToken);
        return new OrgStats(usage, children, apiKeys.Count);
    }

    /// <summary>The first and last month of the query, every problem with it reported at once.</summary>
    private (DateTime From, DateTime To) Months(UsageQuery query)
    {
        var errors = new FieldErrors();
        var current = CurrentMonth();
        var month = Parse(query.Month, "month", current, errors);
        var from = Parse(query.From, "from", current, errors);
        var to = Parse(query.To, "to", current, errors);
        if ((from is null) != (to is null))
        {
            errors.Add(from is null ? "from" : "to", "from and to go together");
        }
        else if (from is not null && month is not null)
        {
            errors.Add("month", "give month, or from and to, not both");
        }
        else if (from is { } f && to is { } t && (f > t || f.AddMonths(MaxSeriesMonths) <= t))
        {
            errors.Add("to", $"must be on or after from, at most {MaxSeriesMonths} months later");
        }
        errors.ThrowIfAny();
        return (from ?? month ?? current, to ?? month ?? current);
    }

    /// <summary>A month name from 2000 up to the current month; null (and an error) for anything else.</summary>
    private static DateTime? Parse(string? name, string field, DateTime current, FieldErrors errors)
    {
        if (name is null)
        {
            return null;
        }
        if (!DateTime.TryParseExact(name, "yyyy-MM", CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var month)
            || month.Year < 2000 || month > current)
        {
            errors.Add(field, MonthProblem);
            return null;
        }
        return DateTime.SpecifyKind(month, DateTimeKind.Utc);
    }

    /// <summary>Each month from <paramref name="from"/> to <paramref name="to"/>, summed over the node (and its subtree); the current month's storage is live.</summary>
    private async Task<IReadOnlyList<MonthlyUsage>> SumAsync(Org org, DateTime from, DateTime to, bool subtree, CancellationToken cancellationToken)
    {
        var nodes = subtree ? await orgs.SubtreeAsync(org, cancellationToken) : [org];
        var current = UsageRollup.MonthName(CurrentMonth());
        var months = new List<MonthlyUsage>();
        for (var m = from; m <= to; m = m.AddMonths(1))
        {
            months.Add(MonthlyUsage.Empty(org.Id, UsageRollup.MonthName(m)));
        }
        foreach (var node in nodes)
        {
            var rolled = (await rollup.MonthsAsync(node.Id, months[0].Month, months[^1].Month, cancellationToken)).ToDictionary(u => u.Month);
            var live = months[^1].Month == current ? await meter.StorageAsync(node.Id, cancellationToken) : null;
            for (var i = 0; i < months.Count; i++)
            {
                var figures = rolled.GetValueOrDefault(months[i].Month) ?? MonthlyUsage.Empty(node.Id, months[i].Month);
                if (live is not null && months[i].Month == current)
                {
                    figures = figures with { StorageBytes = live.Bytes, Containers = live.Containers };
                }
                months[i] = months[i].Plus(figures with { OrgId = org.Id });
            }
        }
        return months;
    }

    private DateTime CurrentMonth() => Periods.MonthStart(time.GetUtcNow());
}
