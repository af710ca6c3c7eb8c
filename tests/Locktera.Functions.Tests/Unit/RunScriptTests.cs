using System.Diagnostics;

namespace Locktera.Functions.Tests.Unit;

/// <summary>What <c>scripts/run</c> prints (its banner, from scripts/lib.sh) lands in terminals and captured logs: it names where the keys are and shows none.</summary>
public sealed class RunScriptTests : IDisposable
{
    private readonly string _envFile = Path.Combine(Path.GetTempPath(), $"locktera-demo-{Guid.NewGuid():N}.env");

    public void Dispose() => File.Delete(_envFile);

    [Fact]
    public async Task The_banner_names_the_demo_env_file_and_prints_no_key()
    {
        const string key = "lt_AZdemoSecretKeyThatMustNotBePrinted0123456789";
        await File.WriteAllTextAsync(_envFile, $"API_URL=http://127.0.0.1:7071/api/v1\nORG_ID=0190f0a2-7b1c-7d3e-8f40-123456789abc\nAPI_KEY={key}\n");
        var start = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[] { "-c", "source \"$0\" && run_banner \"$1\" \"$2\"", Path.Combine(AppContext.BaseDirectory, "scripts", "lib.sh"), "http://127.0.0.1:7071/api/v1", _envFile })
        {
            start.ArgumentList.Add(argument);
        }
        using var bash = Process.Start(start)!;
        var output = await bash.StandardOutput.ReadToEndAsync() + await bash.StandardError.ReadToEndAsync();
        await bash.WaitForExitAsync();

        Assert.Equal(0, bash.ExitCode);
        Assert.DoesNotContain(key, output, StringComparison.Ordinal);
        Assert.Contains(_envFile, output, StringComparison.Ordinal);
        Assert.Contains("0190f0a2-7b1c-7d3e-8f40-123456789abc", output, StringComparison.Ordinal);
        Assert.Contains(".locktera/operator.key", output, StringComparison.Ordinal);
    }
}
