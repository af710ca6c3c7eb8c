using System.Net.Sockets;
using Amazon.Runtime;
using Azure;

namespace Locktera.Core.Storage;

/// <summary>How the storage clients (Azure Tables, Blobs and Queues, S3) report failures, for whoever maps them to answers.</summary>
public static class StorageFailures
{
    /// <summary>A storage client's own report of a failed request: the one to judge, not what wraps it.</summary>
    public static bool IsStorageError(Exception e) => e is RequestFailedException or AmazonServiceException;

    /// <summary>
    /// A queue message its receiver no longer holds: deleted (or its queue), or received again by
    /// another since, which changed its pop receipt. Nothing to retry: the message is someone else's.
    /// </summary>
    public static bool IsLostMessage(Exception e) =>
        e is RequestFailedException { Status: 404 } or RequestFailedException { Status: 400, ErrorCode: "PopReceiptMismatch" };

    /// <summary>
    /// Storage that could not be reached or failed on its side (no answer, 5xx), as opposed to a
    /// request storage refused: worth a retry, never the caller's fault.
    /// </summary>
    public static bool IsOutage(Exception e) => e switch
    {
        RequestFailedException r => r.Status is 0 or >= 500 || r.InnerException is HttpRequestException or SocketException,
        AmazonServiceException s => (int)s.StatusCode is 0 or >= 500 || s.InnerException is HttpRequestException or SocketException,
        HttpRequestException or SocketException or TimeoutException => true,
        AggregateException a => a.InnerExceptions.All(IsOutage),
        _ => false,
    };
}
