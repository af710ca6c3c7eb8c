using System.Globalization;
using Locktera.Core.Keys;
using Locktera.Core.Metering;
using Locktera.Core.Operations;
using Locktera.Core.Orgs;
using Microsoft.Extensions.Logging;

namespace Locktera.Functions.Api;

/// <summary>What an org uses: monthly consumption (upstream's shape and more), dashboard stats, and the roll-up timer behind them.</summary>
public sealed partial class Consumption(UsageRollup rollup, UsageMeter meter, OrgService orgs, OrgStore orgStore, ApiKeyService keys, TimerRuns runs, TimeProvider time, ILogger<Consumption> logger)
{
    private const int MaxSeriesMonths = 36;
    private const double BytesPerGb = 1_000_000_000;
    private static readonly TimeSpan RollUpPeriod = TimeSpan.FromMinutes(5);
    private static readonly TimeSpan StorageCheckPeriod = TimeSpan.FromDays(1);

    [Function("GetConsumption")]
    [RequirePermission(Permission.Read, AllowOperator = true)]
    public async Task<IResult> Get([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = Routes.Node + "/consumption")] HttpRequest req, CancellationToken cancellationToken)
    {
        var errors = new FieldErrors();
        var current = CurrentMonth();
        var month = Month(req, "month", current, errors);
        var from = Month(req, "from", current, errors);
        var to = Month(req, "to", current, errors);
        var subtree = QueryValues.Text(req, "include_children") switch
        {
            null or "false" => false,
            "true" => true,
            _ => Invalid(errors, "include_children", "must be true or false"),
        };
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
        errors.ThrowIfAny(ErrorCode.ValidationFailed, LockteraException.InvalidFieldsMessage);

        var series = await UsageAsync(req.TargetOrg(), from ?? month ?? current, to ?? month ?? current, subtree, cancellationToken);
        return from is null ? ApiResults.Ok(View(series[0], subtree)) : ApiResults.Ok(series.Select(u => View(u, subtree)).ToList());
    }

    [Function("GetStats")]
    [RequirePermission(Permission.Read, AllowOperator = true)]
    public async Task<IResult> Stats([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = Routes.Node + "/stats")] HttpRequest req, CancellationToken cancellationToken)
    {
        var org = req.TargetOrg();
        var current = CurrentMonth();
        var usage = (await UsageAsync(org, current, current, false, cancellationToken))[0];
        return ApiResults.Ok(new
        {
            org_id = org.Id,
            month = usage.Month,
            usage = View(usage, false),
            events_count = usage.Events,
            containers = usage.Containers,
            children = await orgStore.ChildIdsAsync(org.Id, null, cancellationToken).CountAsync(cancellationToken),
            api_keys = (await keys.ListActiveAsync(org, cancellationToken)).Count,
        });
    }

    /// <summary>Every five minutes: monthly figures from the raw counters; once a day, storage figures checked against the containers.</summary>
    [Function("RollUpUsage")]
    public async Task RollUp([TimerTrigger("0 */5 * * * *")] TimerInfo timer, CancellationToken cancellationToken)
    {
        if (await runs.ClaimAsync("usage-rollup", RollUpPeriod, cancellationToken))
        {
            var months = await rollup.RollUpAsync(cancellationToken);
            LogRolledUp(logger, months);
            await runs.CompleteAsync("usage-rollup", $"{months} org-months rolled up", cancellationToken);
        }
        if (await runs.ClaimAsync("storage-check", StorageCheckPeriod, cancellationToken))
        {
            var corrected = await rollup.VerifyStorageAsync(cancellationToken);
            LogStorageChecked(logger, corrected);
            await runs.CompleteAsync("storage-check", $"{corrected} orgs' storage figures corrected", cancellationToken);
        }
    }

    /// <summary>Each month from <paramref name="from"/> to <paramref name="to"/>, summed over the node (and its subtree); the current month's storage is live.</summary>
    private async Task<IReadOnlyList<MonthlyUsage>> UsageAsync(Org org, DateTime from, DateTime to, bool subtree, CancellationToken cancellationToken)
    {
        var nodes = subtree ? await orgs.SubtreeAsync(org, cancellationToken) : [org];
        var current = CurrentMonth();
        var months = new List<MonthlyUsage>();
        for (var m = from; m <= to; m = m.AddMonths(1))
        {
            months.Add(MonthlyUsage.Empty(org.Id, UsageRollup.MonthName(m)));
        }
        foreach (var node in nodes)
        {
            var rolled = (await rollup.MonthsAsync(node.Id, UsageRollup.MonthName(from), UsageRollup.MonthName(to), cancellationToken)).ToDictionary(u => u.Month);
            var live = to == current ? await meter.StorageAsync(node.Id, cancellationToken) : null;
            for (var i = 0; i < months.Count; i++)
            {
                var figures = rolled.GetValueOrDefault(months[i].Month) ?? MonthlyUsage.Empty(node.Id, months[i].Month);
                if (live is not null && months[i].Month == UsageRollup.MonthName(current))
                {
                    figures = figures with { StorageBytes = live.Bytes, Containers = live.Containers };
                }
                months[i] = months[i].Plus(figures with { OrgId = org.Id });
            }
        }
        return months;
    }

    private DateTime CurrentMonth() => Periods.MonthStart(time.GetUtcNow());

    /// <summary>A "yyyy-MM" query value: a month from 2000 up to the current one.</summary>
    private static DateTime? Month(HttpRequest req, string name, DateTime current, FieldErrors errors)
    {
        if (QueryValues.Text(req, name) is not { } text)
        {
            return null;
        }
        if (!DateTime.TryParseExact(text, "yyyy-MM", CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var month)
            || month.Year < 2000 || month > current)
        {
            errors.Add(name, "must be a month as yyyy-MM, from 2000-01 to the current month");
            return null;
        }
        return DateTime.SpecifyKind(month, DateTimeKind.Utc);
    }

    private static bool Invalid(FieldErrors errors, string name, string message)
    {
        errors.Add(name, message);
        return false;
    }

    /// <summary>Upstream's Consumption (<c>org_id</c>, <c>month</c>, <c>api_calls</c>, <c>storage_used</c> in GB) and the rest of what is metered.</summary>
    private static object View(MonthlyUsage u, bool subtree) => new
    {
        org_id = u.OrgId,
        month = u.Month,
        api_calls = u.ApiCalls,
        storage_used = Math.Round(u.StorageBytes / BytesPerGb, 6),
        storage_bytes = u.StorageBytes,
        containers = u.Containers,
        encodes = u.Encodes,
        decodes = u.Decodes,
        bytes_in = u.BytesIn,
        bytes_out = u.BytesOut,
        events = u.Events,
        include_children = subtree,
        as_of = u.AsOf,
    };

    [LoggerMessage(Level = LogLevel.Information, Message = "Usage roll-up: {Months} org-months recomputed")]
    private static partial void LogRolledUp(ILogger logger, int months);

    [LoggerMessage(Level = LogLevel.Information, Message = "Storage check: {Corrected} orgs' figures corrected")]
    private static partial void LogStorageChecked(ILogger logger, int corrected);
}
