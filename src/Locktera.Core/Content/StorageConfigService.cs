using System.Net.Sockets;
using System.Text.RegularExpressions;
using Amazon.Runtime;
using Amazon.S3;
using Azure;

namespace Locktera.Core.Content;

/// <summary>
/// Changes an organization's storage. A configuration is saved only after the service has written,
/// read back and deleted a probe object with it, so an org can never switch to storage that does
/// not work; each change is a new version and the previous ones stay readable.
/// </summary>
public sealed partial class StorageConfigService(StorageConfigStore configs, StorageEndpointPolicy endpoints, ContentStores stores, TimeProvider time)
{
    private static readonly byte[] ProbeContent = "Locktera checks that it can write, read and delete here."u8.ToArray();

    public Task<StorageConfig?> CurrentAsync(Guid orgId, CancellationToken cancellationToken) => configs.CurrentAsync(orgId, cancellationToken);

    /// <summary>
    /// Validates and saves <paramref name="settings"/> as the org's current storage.
    /// <paramref name="endpointField"/> names the request field that carried the endpoint, for the error.
    /// </summary>
    public async Task<StorageConfig> SetAsync(Guid orgId, StorageSettings settings, string endpointField, CancellationToken cancellationToken)
    {
        if (settings.Endpoint is { } endpoint && await endpoints.ProblemAsync(endpoint, cancellationToken) is { } problem)
        {
            throw new LockteraException(ErrorCode.StorageEndpointNotAllowed, $"The storage endpoint is not allowed: it {problem}.",
                new Dictionary<string, string> { [endpointField] = problem });
        }
        if (settings.Type != StorageType.Default && await ProblemAsync(stores.Connect(settings), cancellationToken) is { } failure)
        {
            throw new LockteraException(ErrorCode.StorageConfigRejected, $"The storage configuration does not work: {failure}.");
        }
        var config = new StorageConfig(OrderedGuid.Next(), orgId, settings, time.GetUtcNow());
        await configs.AddCurrentAsync(config, cancellationToken);
        return config;
    }

    /// <summary>
    /// Writes, reads back and deletes a small probe object: null when all of it worked, otherwise what
    /// went wrong in words safe to show (<see cref="Reason"/>). Used before saving a configuration and
    /// by the health checks of saved ones.
    /// </summary>
    internal static async Task<string?> ProblemAsync(IContentStore store, CancellationToken cancellationToken)
    {
        var key = $"locktera-probe/{Guid.NewGuid():N}";
        try
        {
            await using (var upload = await store.StartUploadAsync(key, cancellationToken))
            {
                await upload.WriteAsync(ProbeContent, cancellationToken);
                await upload.CommitAsync(cancellationToken);
            }
            var readBack = new byte[ProbeContent.Length];
            await using (var read = await store.OpenReadAsync(key, 0, ProbeContent.Length, cancellationToken))
            {
                await read.ReadExactlyAsync(readBack, cancellationToken);
            }
            await store.DeleteAsync(key, cancellationToken);
            return readBack.AsSpan().SequenceEqual(ProbeContent) ? null : "it returned other content than was written";
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            return Reason(e);
        }
    }

    /// <summary>
    /// What went wrong, in words safe to return: a status and the provider's error code at most,
    /// never a provider message, which may quote request details, account names or keys.
    /// </summary>
    internal static string Reason(Exception e) => e switch
    {
        AggregateException { InnerExceptions.Count: > 0 } a => Reason(a.InnerExceptions[0]),
        _ when Refused(e) => $"the endpoint is not allowed: it {StorageEndpointPolicy.NotAllowed}",
        RequestFailedException { Status: 0 } or HttpRequestException or SocketException => "the endpoint could not be reached",
        RequestFailedException r => $"Azure Storage answered {r.Status}{Code(r.ErrorCode)}",
        AmazonS3Exception s when s.StatusCode != 0 => $"the S3 service answered {(int)s.StatusCode}{Code(s.ErrorCode)}",
        TaskCanceledException or TimeoutException => "the endpoint did not answer in time",
        ContentNotFoundException => "the probe object written could not be read back",
        EndOfStreamException => "the probe object read back was incomplete",
        { InnerException: { } inner } => Reason(inner),
        AmazonClientException => "the S3 client could not complete the request",
        _ => $"the storage could not be used ({e.GetType().Name})",
    };

    /// <summary>Whether a connection was refused by the endpoint policy, however the client wrapped the refusal.</summary>
    private static bool Refused(Exception e) => e is EndpointRefusedException || (e.InnerException is { } inner && Refused(inner));

    private static string Code(string? code) => code is not null && SafeCode().IsMatch(code) ? $" ({code})" : "";

    [GeneratedRegex("^[A-Za-z0-9.]{1,64}$")]
    private static partial Regex SafeCode();
}
