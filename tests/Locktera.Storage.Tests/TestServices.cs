namespace Locktera.Storage.Tests;

/// <summary>The local stand-ins scripts/test starts: Azurite, and s3rver with one bucket.</summary>
internal static class TestServices
{
    public static string AzuriteConnection => Require("LOCKTERA_TEST_STORAGE");

    public static string S3Endpoint => Require("LOCKTERA_TEST_S3");

    public static string S3Bucket => Require("LOCKTERA_TEST_S3_BUCKET");

    private static string Require(string name) =>
        Environment.GetEnvironmentVariable(name)
        ?? throw new InvalidOperationException($"These tests need {name}: run them through scripts/test, which starts the services and sets it.");
}
