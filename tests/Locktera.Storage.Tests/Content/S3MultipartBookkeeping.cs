using System.Collections.Concurrent;
using System.Net;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using Moq;

namespace Locktera.Storage.Tests.Content;

/// <summary>
/// S3's bookkeeping of multipart uploads, which s3rver lacks: it answers AbortMultipartUpload with
/// 405, takes parts for an upload that is gone, takes any ETag at CompleteMultipartUpload, and its
/// process dies on a commit that names a part it does not hold. Set up on a recording client, this
/// answers those calls as S3 documents (NoSuchUpload, InvalidPart) and passes the others to
/// s3rver, so the bytes are still written to and read from it.
/// </summary>
internal sealed class S3MultipartBookkeeping
{
    /// <summary>The open uploads and, for each, the ETag of every part written.</summary>
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<int, string>> _open = new();

    public S3MultipartBookkeeping(Mock<AmazonS3Client> client, IAmazonS3 s3rver)
    {
        client.Setup(c => c.InitiateMultipartUploadAsync(It.IsAny<string>(), It.IsAny<string>(), It.IsAny<CancellationToken>()))
            .Returns(async (string bucket, string key, CancellationToken cancellationToken) =>
            {
                var started = await s3rver.InitiateMultipartUploadAsync(bucket, key, cancellationToken);
                _open[started.UploadId] = new();
                return started;
            });
        client.Setup(c => c.UploadPartAsync(It.IsAny<UploadPartRequest>(), It.IsAny<CancellationToken>()))
            .Returns(async (UploadPartRequest request, CancellationToken cancellationToken) =>
            {
                var parts = Open(request.UploadId);
                var written = await s3rver.UploadPartAsync(request, cancellationToken);
                parts[request.PartNumber!.Value] = written.ETag;
                return written;
            });
        client.Setup(c => c.CompleteMultipartUploadAsync(It.IsAny<CompleteMultipartUploadRequest>(), It.IsAny<CancellationToken>()))
            .Returns(async (CompleteMultipartUploadRequest request, CancellationToken cancellationToken) =>
            {
                var parts = Open(request.UploadId);
                if (request.PartETags.Any(part => !parts.TryGetValue(part.PartNumber!.Value, out var tag) || tag.Trim('"') != part.ETag.Trim('"')))
                {
                    throw Error("InvalidPart", HttpStatusCode.BadRequest);
                }
                var completed = await s3rver.CompleteMultipartUploadAsync(request, cancellationToken);
                _open.TryRemove(request.UploadId, out _);
                return completed;
            });
        client.Setup(c => c.AbortMultipartUploadAsync(It.IsAny<string>(), It.IsAny<string>(), It.IsAny<string>(), It.IsAny<CancellationToken>()))
            .Returns((string _, string _, string uploadId, CancellationToken _) => _open.TryRemove(uploadId, out _)
                ? Task.FromResult(new AbortMultipartUploadResponse { HttpStatusCode = HttpStatusCode.NoContent })
                : throw Error("NoSuchUpload", HttpStatusCode.NotFound));
    }

    /// <summary>What ListMultipartUploads would answer about one upload.</summary>
    public bool IsOpen(string uploadId) => _open.ContainsKey(uploadId);

    private ConcurrentDictionary<int, string> Open(string uploadId) =>
        _open.TryGetValue(uploadId, out var parts) ? parts : throw Error("NoSuchUpload", HttpStatusCode.NotFound);

    private static AmazonS3Exception Error(string code, HttpStatusCode status) => new($"S3 would answer {code}.", ErrorType.Sender, code, "model", status);
}
