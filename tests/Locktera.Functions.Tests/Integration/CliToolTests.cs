using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace Locktera.Functions.Tests.Integration;

/// <summary>
/// The tool as a user gets it: packed from this repository, installed into a tool path from that
/// package alone, run as a process against the DevHost. The slow part is the processes (`dotnet
/// pack` reuses the test build, so it only packs; a few seconds each, well under a minute together).
/// </summary>
[Trait("Speed", "slow")]
public class CliToolTests(ApiFixture fixture) : IClassFixture<ApiFixture>, IDisposable
{
#if DEBUG
    private const string Configuration = "Debug";
#else
    private const string Configuration = "Release";
#endif

    private readonly string _directory = Directory.CreateTempSubdirectory("locktera-tool-").FullName;

    public void Dispose()
    {
        Directory.Delete(_directory, recursive: true);
        GC.SuppressFinalize(this);
    }

    [Fact]
    public async Task The_packed_tool_installs_from_its_package_shows_help_and_round_trips_a_file()
    {
        var packages = Path.Combine(_directory, "nupkg");
        var pack = await RunAsync("dotnet", ["pack", Path.Combine(HealthTests.RepositoryRoot(), "src", "Locktera.Cli"), "--no-build", "-c", Configuration, "-o", packages]);
        Assert.True(pack.Code == 0, pack.Error + pack.Output);
        Assert.Single(Directory.GetFiles(packages, "locktera.*.nupkg"));

        // Only the package just made: no other source, and a package cache of its own (none stale, the user's untouched).
        var config = Path.Combine(_directory, "nuget.config");
        await File.WriteAllTextAsync(config, $"""<configuration><packageSources><clear /><add key="local" value="{packages}" /></packageSources></configuration>""");
        var tools = Path.Combine(_directory, "tools");
        var install = await RunAsync("dotnet", ["tool", "install", "--tool-path", tools, "--configfile", config, "locktera"]);
        Assert.True(install.Code == 0, install.Error + install.Output);
        var locktera = Path.Combine(tools, OperatingSystem.IsWindows() ? "locktera.exe" : "locktera");

        var help = await RunAsync(locktera, ["--help"]);
        Assert.Equal(0, help.Code);
        Assert.Contains("encode", help.Output, StringComparison.Ordinal);
        Assert.Contains("decode", help.Output, StringComparison.Ordinal);

        var org = await fixture.CreateRootOrgAsync();
        var content = RandomNumberGenerator.GetBytes(200_000);
        var file = Path.Combine(_directory, "scan.png");
        await File.WriteAllBytesAsync(file, content);
        var encode = await RunAsync(locktera, ["encode", file, "--name", "Scan", "--json"], org);
        Assert.True(encode.Code == 0, encode.Error);
        Assert.Empty(encode.Error);
        var id = JsonNode.Parse(encode.Output)!["container"]!["id"]!.GetValue<string>();
        var back = Path.Combine(_directory, "back.png");
        var decode = await RunAsync(locktera, ["decode", id, "scan.png", "-o", back], org);
        Assert.True(decode.Code == 0, decode.Error);
        // Not a terminal: no progress and no colour.
        Assert.Empty(decode.Error);
        Assert.DoesNotContain('\u001b', decode.Output);
        Assert.Equal(content, await File.ReadAllBytesAsync(back));

        Assert.Equal(3, (await RunAsync(locktera, ["decode", Guid.NewGuid().ToString()], org)).Code);
    }

    /// <summary>Runs a process with the org's credentials (if any) in its environment, and no configuration of the user's.</summary>
    private async Task<(int Code, string Output, string Error)> RunAsync(string program, string[] arguments, TestOrg? org = null)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        start.Environment["NUGET_PACKAGES"] = Path.Combine(_directory, "packages");
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        // The installed tool's launcher finds the runtime this test runs on.
        start.Environment["DOTNET_ROOT"] = Path.GetFullPath(Path.Combine(RuntimeEnvironment.GetRuntimeDirectory(), "..", "..", ".."));
        start.Environment["LOCKTERA_CONFIG_DIR"] = Path.Combine(_directory, "config");
        start.Environment.Remove("LOCKTERA_ENV_FILE");
        start.Environment["API_URL"] = org is null ? null : fixture.Api.Http.BaseAddress!.ToString();
        start.Environment["ORG_ID"] = org?.Id;
        start.Environment["API_KEY"] = org?.Key;
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await output, await error);
    }
}
