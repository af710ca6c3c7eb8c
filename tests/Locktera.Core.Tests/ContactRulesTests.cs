namespace Locktera.Core.Tests;

public class ContactRulesTests
{
    [Theory]
    [InlineData("ann@example.com", "ann@example.com")]
    [InlineData("  Ann.Lee+x@Example.co.uk ", "Ann.Lee+x@Example.co.uk")]
    public void Valid_emails_are_trimmed(string input, string expected)
    {
        Assert.Equal(expected, ContactRules.NormalizeEmail(input, out var error));
        Assert.Null(error);
    }

    [Theory]
    [InlineData("ann")]
    [InlineData("@example.com")]
    [InlineData("ann@")]
    [InlineData("ann@@example.com")]
    [InlineData("ann@localhost")]
    [InlineData("Ann <ann@example.com>")]
    public void Invalid_emails_give_a_reason(string input)
    {
        Assert.Null(ContactRules.NormalizeEmail(input, out var error));
        Assert.NotNull(error);
    }

    [Theory]
    [InlineData("+1 (555) 123-4567", "+15551234567")]
    [InlineData("030 1234.567", "0301234567")]
    public void Phones_are_normalized(string input, string expected)
    {
        Assert.Equal(expected, ContactRules.NormalizePhone(input, out var error));
        Assert.Null(error);
    }

    [Theory]
    [InlineData("12345")]
    [InlineData("1234567890123456")]
    [InlineData("555-CALL-NOW")]
    [InlineData("12+3456789")]
    public void Invalid_phones_give_a_reason(string input)
    {
        Assert.Null(ContactRules.NormalizePhone(input, out var error));
        Assert.NotNull(error);
    }
}
