using System.Reflection;
using System.Text.RegularExpressions;

namespace Locktera.Functions.Tests.Unit;

/// <summary>
/// Every setting the app reads reaches it in each place it runs: set by the Bicep's app settings in
/// Azure (or optional, with its default in code, as the README's configuration table says), and
/// listed in local.settings.sample.json for <c>func start</c>. An option added without that wiring
/// fails here rather than at a deployment.
/// </summary>
public class SettingsContractTests
{
    private const string WorkerRuntime = "FUNCTIONS_WORKER_RUNTIME";

    /// <summary>The "Locktera" section's settings, one per option property, in environment form.</summary>
    private static readonly string[] OptionSettings = typeof(LockteraOptions)
        .GetProperties(BindingFlags.Public | BindingFlags.Instance)
        .Where(p => p.CanWrite)
        .Select(p => $"{LockteraOptions.Section}__{p.Name}")
        .ToArray();

    /// <summary>What the app needs: its options, the storage connection, and the worker runtime the host starts.</summary>
    private static readonly string[] AppSettings = [.. OptionSettings, LockteraServices.StorageConnection, WorkerRuntime];

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
        Assert.All(OptionSettings.Append(LockteraServices.StorageConnection), s => Assert.True(documented.ContainsKey(s), $"README's configuration table lacks {s}"));
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
    /// The keys of the modules' app settings objects: environment-style names (with "__") and
    /// upper-case ones such as APPLICATIONINSIGHTS_CONNECTION_STRING; Bicep's own property names are
    /// lower camel case and never match.
    /// </summary>
    private static HashSet<string> BicepAppSettings() =>
        BicepModules()
            .SelectMany(f => Regex.Matches(Read(f), @"^\s*(?<key>[A-Za-z][A-Za-z0-9]*(__[A-Za-z0-9]+)+|[A-Z][A-Z0-9_]+)\s*:", RegexOptions.Multiline))
            .Select(m => m.Groups["key"].Value)
            .ToHashSet(StringComparer.Ordinal);

    /// <summary>README's configuration table: setting → its default column.</summary>
    private static Dictionary<string, string> ReadmeDefaults() =>
        Regex.Matches(Read("README.md"), @"^\|\s*`(?<setting>[A-Za-z_]+)`\s*\|(?<default>[^|]*)\|", RegexOptions.Multiline)
            .ToDictionary(m => m.Groups["setting"].Value, m => m.Groups["default"].Value.Trim(), StringComparer.Ordinal);

    private static string Read(string path) => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, path));
}
