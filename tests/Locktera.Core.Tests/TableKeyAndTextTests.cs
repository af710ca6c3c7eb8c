using Locktera.Core.Containers;
using Locktera.Core.Storage;

namespace Locktera.Core.Tests;

/// <summary>User-given text as table keys (one encoding, always valid, never ambiguous) and as names (nothing hidden).</summary>
public class TableKeyAndTextTests
{
    /// <summary>What Azure Table storage refuses in a key, and the separator of key segments.</summary>
    private static readonly char[] NotInASegment = ['/', '\\', '#', '?', ':'];

    private static readonly string[] AwkwardValues =
    [
        "ann@example.com",
        "a/b@example.com",
        "a#b@example.com",
        "a?b@example.com",
        "a:b",
        "a%3Ab",
        "back\\slash",
        "tab\there",
        "line\r\nbreak",
        "del\u007Fc1\u0085",
        "bidi\u202Eoverride",
        "x\uD800y",
        "x\uFFFDy",
        "\U0001F600 emoji",
        "ünïcödé@exämple.com",
        "",
        new string('é', 300),
        new string('x', RowKeys.MaxSegmentLength),
        new string('x', RowKeys.MaxSegmentLength + 1),
    ];

    [Fact]
    public void A_segment_is_a_valid_key_part_of_bounded_length()
    {
        // One test over all values: xUnit would take the unpaired surrogate and U+FFFD for one case.
        foreach (var segment in AwkwardValues.Select(RowKeys.Segment))
        {
            Assert.True(segment.IndexOfAny(NotInASegment) < 0, segment);
            Assert.DoesNotContain(segment, c => char.IsControl(c) || c > '~');
            Assert.InRange(segment.Length, 0, RowKeys.MaxSegmentLength);
        }
    }

    [Fact]
    public void Distinct_strings_never_share_a_segment()
    {
        Assert.Equal(AwkwardValues.Length, AwkwardValues.Select(RowKeys.Segment).Distinct(StringComparer.Ordinal).Count());
    }

    [Theory]
    [InlineData("ann@example.com")]
    [InlineData("o'brien+tag@example.co.uk")]
    [InlineData("ünïcödé@exämple.com")]
    [InlineData("203.0.113.9")]
    [InlineData("2001:db8::1")]
    public void Keys_written_before_keep_their_encoding(string value) =>
        // Rows of address books, email claims, consents, viewer counters and the access log were keyed so.
        Assert.Equal(Uri.EscapeDataString(value), RowKeys.Segment(value));

    [Theory]
    [InlineData("invoice\u202Efdp.exe")]
    [InlineData("zero\u200Bwidth")]
    [InlineData("soft\u00ADhyphen")]
    [InlineData("isolate\u2066x\u2069")]
    [InlineData("bom\uFEFF")]
    [InlineData("line\u2028separator")]
    [InlineData("bell\u0007")]
    [InlineData("c1\u0085")]
    [InlineData("tag\U000E0041")]
    public void Hidden_characters_are_found_and_escaped(string text)
    {
        Assert.True(VisibleText.HasHidden(text));
        var escaped = VisibleText.Escape(text);
        Assert.False(VisibleText.HasHidden(escaped));
        Assert.Contains("\\u", escaped, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(escaped, VisibleText.Escape(escaped));
        Assert.NotNull(FileNames.Problem(text));
    }

    [Fact]
    public void Unpaired_surrogates_are_hidden_characters()
    {
        // Built at run time: an attribute's string cannot hold an unpaired surrogate.
        foreach (var text in new[] { "lone" + '\uD800' + "high", "lone" + '\uDC00' + "low", "at the end" + '\uD83D' })
        {
            Assert.True(VisibleText.HasHidden(text));
            Assert.False(VisibleText.HasHidden(VisibleText.Escape(text)));
        }
    }

    [Theory]
    [InlineData("Quarterly report.pdf")]
    [InlineData("رسید.pdf")]
    [InlineData("می\u200Cخواهم")]
    [InlineData("family \U0001F468\u200D\U0001F469\u200D\U0001F467")]
    [InlineData("日本語のファイル.txt")]
    public void Visible_text_passes_unchanged(string text)
    {
        Assert.False(VisibleText.HasHidden(text));
        Assert.Same(text, VisibleText.Escape(text));
        Assert.Null(FileNames.Problem(text));
    }

    [Fact]
    public void An_email_with_hidden_characters_is_refused()
    {
        Assert.Null(ContactRules.NormalizeEmail("ann\u202E@example.com", out var error));
        Assert.Contains("formatting", error, StringComparison.Ordinal);
    }
}
