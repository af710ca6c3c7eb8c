using System.Reflection;
using System.Text.RegularExpressions;
using Locktera.Functions.Pipeline;

namespace Locktera.Functions.Tests.Unit;

/// <summary>
/// Every setting the app reads reaches it in each place it runs: set by the Bicep's app settings in
/// Azure (or optional, with its default in code, as the README's configuration table says), and
/// listed in local.settings.sample.json for <c>func start</c>. An option added without that wiring
/// fails here rather than at a deployment. So does a setting a trigger names or the DevHost
/// defaults, which has no default anywhere else.
/// </summary>
public partial class SettingsContractTests
{
    private const string WorkerRuntime = "FUNCTIONS_WORKER_RUNTIME";

    /// <summary>The DevHost's appsettings.json, as the build copies it beside the tests.</summary>
    private const string DevHostSettings = "devhost/appsettings.json";

    /// <summary>The "Locktera" section's settings, one per option property, in environment form.</summary>
    private static readonly string[] OptionSettings = typeof(LockteraOptions)
        .GetProperties(BindingFlags.Public | BindingFlags.Instance)
        .Where(p => p.CanWrite)
        .Select(p => $"{LockteraOptions.Section}__{p.Name}")
        .ToArray();

    /// <summary>
    /// Settings the functions' triggers name ("%Name%" in a schedule or a queue), which the Functions host
    /// resolves when it starts; and those the DevHost gives a value in its appsettings.json (besides
    /// logging), which the other hosts never read.
    /// </summary>
    private static readonly string[] HostSettings = [.. FunctionCatalog.Locktera.Entries
        .SelectMany(e => new[] { e.Timer?.Schedule, e.Queue?.QueueName }).OfType<string>()
        .SelectMany(text => SettingReference().Matches(text).Select(m => m.Groups["setting"].Value))
        .Union(JsonNode.Parse(Read(DevHostSettings))!.AsObject().Select(p => p.Key).Where(key => key != "Logging"), StringComparer.Ordinal)];

    /// <summary>What the app needs: its options, the storage connection, the host's settings, and the worker runtime the host starts.</summary>
    private static readonly string[] AppSettings = [.. OptionSettings, LockteraServices.StorageConnection, .. HostSettings, WorkerRuntime];

    [Fact]
    public void The_sample_local_settings_list_exactly_the_settings_the_app_reads()
    {
        var values = JsonNode.Parse(Read("local.settings.sample.json"))!["Values"]!.AsObject();
        Assert.Equal(AppSettings.Order(StringComparer.Ordinal), values.Select(v => v.Key).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void The_readme_documents_every_option_and_the_storage_connection()
    {
        var documented = ReadmeDefaults();
        Assert.All(OptionSettings.Append(LockteraServices.StorageConnection).Concat(HostSettings), s => Assert.True(documented.ContainsKey(s), $"README's configuration table lacks {s}"));
    }

    /// <summary>A setting without a default in code has a value wherever the app runs: the Bicep, the sample local settings, the DevHost's appsettings.json.</summary>
    [Fact]
    public void Every_setting_a_trigger_names_or_the_DevHost_defaults_has_a_value_under_every_host()
    {
        Assert.Contains("LockteraWebhookQueue", HostSettings);
        var sample = JsonNode.Parse(Read("local.settings.sample.json"))!["Values"]!.AsObject();
        var devHost = JsonNode.Parse(Read(DevHostSettings))!.AsObject();
        var bicep = BicepAppSettings();
        Assert.All(HostSettings, s =>
        {
            Assert.False(string.IsNullOrEmpty(sample[s]?.GetValue<string>()), $"local.settings.sample.json gives {s} no value");
            Assert.False(string.IsNullOrEmpty(devHost[s]?.GetValue<string>()), $"the DevHost's appsettings.json gives {s} no value");
            Assert.True(bicep.Contains(s), $"infra/app/*.bicep does not set {s}");
        });
    }

    [Fact]
    public void The_bicep_sets_every_required_option_and_sets_no_unknown_one()
    {
        var set = BicepAppSettings();
        var documented = ReadmeDefaults();
        var required = OptionSettings.Where(s => documented.TryGetValue(s, out var d) && d.Contains("required", StringComparison.Ordinal)).ToList();
        Assert.Contains("Locktera__OperatorKey", required);
        Assert.All(required, s => Assert.True(set.Contains(s), $"infra/app/*.bicep does not set the required {s}"));
        Assert.All(set.Where(s => s.StartsWith(LockteraOptions.Section + "__", StringComparison.Ordinal)), s => Assert.Contains(s, OptionSettings));
    }

    [Fact]
    public void The_bicep_connects_storage_by_identity_and_runs_the_isolated_worker()
    {
        var set = BicepAppSettings();
        Assert.DoesNotContain(LockteraServices.StorageConnection, set);
        Assert.All(["tableServiceUri", "blobServiceUri", "credential", "clientId"], part => Assert.Contains($"{LockteraServices.StorageConnection}__{part}", set));
        // Flex Consumption refuses FUNCTIONS_WORKER_RUNTIME as an app setting; the runtime is declared instead.
        Assert.DoesNotContain(WorkerRuntime, set);
        Assert.Matches(@"runtime:\s*\{\s*name:\s*'dotnet-isolated'", string.Concat(BicepModules().Select(Read)));
    }

    private static IEnumerable<string> BicepModules() =>
        Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "infra", "app"), "*.bicep")
            .Select(f => Path.GetRelativePath(AppContext.BaseDirectory, f));

    /// <summary>
    /// The keys of the modules' app settings objects: environment-style names (with "__") and ones
    /// that start upper-case, such as APPLICATIONINSIGHTS_CONNECTION_STRING or LockteraWebhookQueue.
    /// Bicep's own property names are lower camel case and never match; the few upper-case properties
    /// of resources (Application Insights' WorkspaceResourceId) do, and no check expects them absent.
    /// </summary>
    private static HashSet<string> BicepAppSettings() =>
        BicepModules()
            .SelectMany(f => Regex.Matches(Read(f), @"^\s*(?<key>[A-Za-z][A-Za-z0-9]*(__[A-Za-z0-9]+)+|[A-Z][A-Za-z0-9_]+)\s*:", RegexOptions.Multiline))
            .Select(m => m.Groups["key"].Value)
            .ToHashSet(StringComparer.Ordinal);

    [GeneratedRegex("%(?<setting>[^%]+)%")]
    private static partial Regex SettingReference();

    /// <summary>README's configuration table: setting → its default column.</summary>
    private static Dictionary<string, string> ReadmeDefaults() =>
        Regex.Matches(Read("README.md"), @"^\|\s*`(?<setting>[A-Za-z_]+)`\s*\|(?<default>[^|]*)\|", RegexOptions.Multiline)
            .ToDictionary(m => m.Groups["setting"].Value, m => m.Groups["default"].Value.Trim(), StringComparer.Ordinal);

    private static string Read(string path) => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, path));
}
