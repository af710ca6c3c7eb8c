using System.Text.RegularExpressions;

namespace Locktera.Functions.Tests.Unit;

/// <summary>
/// No test sleeps for time to pass: it moves a clock on instead (<c>ApiFixture.Clock</c>, a
/// <c>FakeTimeProvider</c>), so the suite never waits for the clock. A wait for something outside the
/// process, such as a server of its own starting, says so on its line with a "real time:" comment.
/// </summary>
public sealed partial class VirtualTimeTests
{
    private static readonly string Sources = Path.Combine(AppContext.BaseDirectory, "tests");

    [Fact]
    public void No_test_sleeps_on_the_real_clock()
    {
        var files = Directory.GetFiles(Sources, "*.cs", SearchOption.AllDirectories);
        Assert.Contains(files, f => f.EndsWith(nameof(VirtualTimeTests) + ".cs", StringComparison.Ordinal));
        var sleeps = files.SelectMany(file => File.ReadLines(file)
                .Select((text, i) => (Text: text, At: $"{Path.GetRelativePath(Sources, file)}:{i + 1}")))
            .Where(line => Sleep().IsMatch(line.Text) && !line.Text.Contains("// real time:", StringComparison.Ordinal))
            .Select(line => line.At);
        Assert.Empty(sleeps);
    }

    [GeneratedRegex(@"\b(Task\.Delay|Thread\.Sleep)\(")]
    private static partial Regex Sleep();
}
