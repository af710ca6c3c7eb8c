using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Azure.Storage.Queues;
using Locktera.Core.Storage;

namespace Locktera.Storage.Tests;

/// <summary>The local stand-ins scripts/test starts: Azurite, and s3rver with one bucket.</summary>
internal static class TestServices
{
    public static string AzuriteConnection => Require("LOCKTERA_TEST_STORAGE");

    public static string S3Endpoint => Require("LOCKTERA_TEST_S3");

    public static string S3Bucket => Require("LOCKTERA_TEST_S3_BUCKET");

    /// <summary>The platform storage on Azurite, with tables of its own (a fresh prefix), every table request passing through <paramref name="tablePolicy"/>.</summary>
    public static StorageAccount Azurite(HttpPipelinePolicy tablePolicy)
    {
        var options = new TableClientOptions();
        options.AddPolicy(tablePolicy, HttpPipelinePosition.PerCall);
        return new StorageAccount(
            new TableServiceClient(AzuriteConnection, options),
            new BlobServiceClient(AzuriteConnection),
            new QueueServiceClient(AzuriteConnection),
            new TableNames("t" + Guid.NewGuid().ToString("N")[..12]));
    }

    private static string Require(string name) =>
        Environment.GetEnvironmentVariable(name)
        ?? throw new InvalidOperationException($"These tests need {name}: run them through scripts/test, which starts the services and sets it.");
}
