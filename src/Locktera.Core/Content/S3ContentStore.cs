using System.Net;
using Amazon;
using Amazon.Runtime;
using Amazon.Runtime.Internal;
using Amazon.S3;
using Amazon.S3.Internal;
using Amazon.S3.Model;

namespace Locktera.Core.Content;

/// <summary>
/// Content in one bucket of Amazon S3 or any S3-compatible service. Uploads stream as a multipart
/// upload (parts of <see cref="PartSize"/>, the last one smaller); an object smaller than one part
/// is written with a single PutObject at commit. Nothing is visible before the upload completes.
/// </summary>
public sealed class S3ContentStore(IAmazonS3 client, string bucket) : IContentStore
{
    /// <summary>The part size of <see cref="StartUploadAsync"/>: S3's smallest (except for the last part).</summary>
    public const int PartSize = IContentStore.MinPartBytes;

    /// <summary>
    /// A client for <paramref name="host"/> (any S3-compatible service URL, path-style) or, without
    /// one, for AWS in <paramref name="region"/>, that sends its requests through <paramref name="handler"/>
    /// (<see cref="StorageEndpointPolicy.Handler"/>: it decides where connections go) and follows no redirect.
    /// </summary>
    public static S3ContentStore Connect(Uri? host, string? region, string bucket, string accessKey, string secretKey, HttpMessageHandler handler)
    {
        var config = ClientConfig(host, region);
        config.HttpClientFactory = new HandlerClients(handler);
        return new(new NoRedirectClient(new BasicAWSCredentials(accessKey, secretKey), config), bucket);
    }

    internal static AmazonS3Config ClientConfig(Uri? host, string? region)
    {
        var config = new AmazonS3Config
        {
            ForcePathStyle = true,
            // Checksums only where the API demands them: S3-compatible services do not all know the
            // newer flexible checksums that SDK v4 adds by default.
            RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED,
            ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED,
            // Fail fast, as the platform's storage clients do: an unreachable store answers 503 quickly.
            MaxErrorRetry = 2,
            Timeout = TimeSpan.FromSeconds(10),
        };
        if (host is null)
        {
            config.RegionEndpoint = RegionEndpoint.GetBySystemName(region ?? "us-east-1");
        }
        else
        {
            config.ServiceURL = host.ToString();
            config.AuthenticationRegion = region ?? "us-east-1";
        }
        return config;
    }

    /// <summary>HTTP clients over one handler, with the time-out the SDK would set on its own.</summary>
    private sealed class HandlerClients(HttpMessageHandler handler) : HttpClientFactory
    {
        public override HttpClient CreateHttpClient(IClientConfig clientConfig) =>
            new(handler, disposeHandler: false) { Timeout = clientConfig.Timeout ?? TimeSpan.FromSeconds(100) };
    }

    /// <summary>
    /// The SDK follows a 307 with a Location to wherever it points, whatever the handler says about
    /// redirects. This client follows none: its redirect step goes, and a 3xx is made an error of the
    /// service as it arrives (before it is read as an answer), which the SDK's error step reports like
    /// any other, as an <see cref="AmazonS3Exception"/> with its status.
    /// </summary>
    private sealed class NoRedirectClient(AWSCredentials credentials, AmazonS3Config config) : AmazonS3Client(credentials, config)
    {
        protected override void CustomizeRuntimePipeline(RuntimePipeline pipeline)
        {
            base.CustomizeRuntimePipeline(pipeline);
            pipeline.RemoveHandler<AmazonS3RedirectHandler>();
            pipeline.AddHandlerAfter<Unmarshaller>(new RedirectRefusal());
        }
    }

    private sealed class RedirectRefusal : PipelineHandler
    {
        public override void InvokeSync(IExecutionContext executionContext)
        {
            base.InvokeSync(executionContext);
            Refuse(executionContext);
        }

        public override async Task<T> InvokeAsync<T>(IExecutionContext executionContext)
        {
            var result = await base.InvokeAsync<T>(executionContext);
            Refuse(executionContext);
            return result;
        }

        private static void Refuse(IExecutionContext executionContext)
        {
            var response = executionContext.ResponseContext.HttpResponse;
            if (response is { StatusCode: >= HttpStatusCode.Ambiguous and < HttpStatusCode.BadRequest })
            {
                executionContext.ResponseContext.HttpResponse = null;
                throw new HttpErrorResponseException(response);
            }
        }
    }

    /// <summary>The multipart upload itself starts with the first full part, so that small objects need one request.</summary>
    public Task<IContentUpload> StartUploadAsync(string key, CancellationToken cancellationToken) =>
        Task.FromResult<IContentUpload>(new Upload(client, bucket, key));

    public async Task<string> StartPartsAsync(string key, CancellationToken cancellationToken) =>
        (await client.InitiateMultipartUploadAsync(bucket, key, cancellationToken)).UploadId;

    public async Task<string> WritePartAsync(string key, string uploadId, int number, ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken)
    {
        ContentParts.CheckPart(number, bytes);
        try
        {
            return await UploadPartAsync(client, bucket, key, uploadId, number, bytes, cancellationToken);
        }
        catch (AmazonS3Exception e) when (e.ErrorCode == NoSuchUpload)
        {
            throw new ContentUploadGoneException(key);
        }
    }

    /// <summary>S3 answers InvalidPart for a part never written or named with another ETag, NoSuchUpload once the upload is gone.</summary>
    public async Task CommitPartsAsync(string key, string uploadId, IReadOnlyList<ContentPart> parts, CancellationToken cancellationToken)
    {
        ContentParts.CheckCommit(parts);
        try
        {
            await client.CompleteMultipartUploadAsync(new CompleteMultipartUploadRequest
            {
                BucketName = bucket,
                Key = key,
                UploadId = uploadId,
                PartETags = [.. parts.Select(part => new PartETag(part.Number, part.Tag))],
            }, cancellationToken);
        }
        catch (AmazonS3Exception e) when (e.ErrorCode is "InvalidPart" or NoSuchUpload)
        {
            throw new ContentPartsMissingException(key);
        }
    }

    /// <summary>
    /// An upload that is gone (aborted, or committed: its object stays) answers NoSuchUpload, which
    /// is success here. So is a service that does not implement the call (s3rver answers 405): the
    /// parts stay invisible, as after a failed discard, until the bucket's lifecycle rule
    /// (AbortIncompleteMultipartUpload) removes them.
    /// </summary>
    public async Task AbortPartsAsync(string key, string uploadId, CancellationToken cancellationToken)
    {
        try
        {
            await client.AbortMultipartUploadAsync(bucket, key, uploadId, cancellationToken);
        }
        catch (AmazonS3Exception e) when (e.ErrorCode == NoSuchUpload || e.StatusCode is HttpStatusCode.MethodNotAllowed or HttpStatusCode.NotImplemented)
        {
        }
    }

    public async Task<Stream> OpenReadAsync(string key, long offset, long length, CancellationToken cancellationToken)
    {
        try
        {
            // A range cannot be empty: an empty read only checks that the object exists.
            if (length == 0)
            {
                await client.GetObjectMetadataAsync(bucket, key, cancellationToken);
                return Stream.Null;
            }
            var response = await client.GetObjectAsync(
                new GetObjectRequest { BucketName = bucket, Key = key, ByteRange = new ByteRange(offset, offset + length - 1) }, cancellationToken);
            return response.ResponseStream;
        }
        catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.NotFound)
        {
            throw new ContentNotFoundException(key);
        }
        catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.RequestedRangeNotSatisfiable)
        {
            throw new ContentTooShortException(key, offset);
        }
    }

    /// <summary>S3's delete succeeds for a missing key already.</summary>
    public Task DeleteAsync(string key, CancellationToken cancellationToken) =>
        client.DeleteObjectAsync(bucket, key, cancellationToken);

    private const string NoSuchUpload = "NoSuchUpload";

    /// <summary>Sends one part of a multipart upload; returns its ETag.</summary>
    private static async Task<string> UploadPartAsync(
        IAmazonS3 client, string bucket, string key, string uploadId, int number, ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken)
    {
        using var stream = BufferedUpload.AsStream(bytes);
        // Signed whole rather than aws-chunked: S3-compatible services do not all understand chunked signing.
        var part = await client.UploadPartAsync(new UploadPartRequest
        {
            BucketName = bucket,
            Key = key,
            UploadId = uploadId,
            PartNumber = number,
            InputStream = stream,
            PartSize = bytes.Length,
            UseChunkEncoding = false,
        }, cancellationToken);
        return part.ETag;
    }

    private sealed class Upload(IAmazonS3 client, string bucket, string key) : BufferedUpload(PartSize)
    {
        /// <summary>Begun with the first full part; the parts sent at once all wait for the one upload id.</summary>
        private Task<string>? _uploadId;

        protected override async Task<string> SendBlockAsync(ReadOnlyMemory<byte> block, int number, CancellationToken cancellationToken)
        {
            _uploadId ??= InitiateAsync(cancellationToken);
            return await UploadPartAsync(client, bucket, key, await _uploadId, number, block, cancellationToken);
        }

        protected override async Task CompleteAsync(ReadOnlyMemory<byte> rest, IReadOnlyList<string> tags, CancellationToken cancellationToken)
        {
            if (_uploadId is null)
            {
                using var stream = AsStream(rest);
                await client.PutObjectAsync(new PutObjectRequest
                {
                    BucketName = bucket,
                    Key = key,
                    InputStream = stream,
                    AutoCloseStream = false,
                    UseChunkEncoding = false,
                }, cancellationToken);
                return;
            }
            var etags = rest.IsEmpty ? tags : [.. tags, await SendBlockAsync(rest, tags.Count + 1, cancellationToken)];
            await client.CompleteMultipartUploadAsync(new CompleteMultipartUploadRequest
            {
                BucketName = bucket,
                Key = key,
                UploadId = await _uploadId,
                PartETags = [.. etags.Select((etag, i) => new PartETag(i + 1, etag))],
            }, cancellationToken);
        }

        protected override async ValueTask DiscardAsync()
        {
            // Every part has been sent (or failed) by now; an upload that never began has nothing to abort.
            if (_uploadId is not { IsCompletedSuccessfully: true })
            {
                return;
            }
            try
            {
                await client.AbortMultipartUploadAsync(bucket, key, await _uploadId);
            }
            catch (Exception e) when (e is AmazonServiceException or AmazonClientException or HttpRequestException or TaskCanceledException)
            {
                // Disposal runs on failure paths and must not hide the original error. Parts of an
                // upload that could not be aborted are invisible, and a bucket lifecycle rule
                // (AbortIncompleteMultipartUpload) removes them.
            }
        }

        private async Task<string> InitiateAsync(CancellationToken cancellationToken) =>
            (await client.InitiateMultipartUploadAsync(bucket, key, cancellationToken)).UploadId;
    }
}
