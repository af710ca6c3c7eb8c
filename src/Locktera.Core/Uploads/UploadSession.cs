using Locktera.Core.Containers;

namespace Locktera.Core.Uploads;

/// <summary>Where an upload session is: taking parts, being committed by one request, or done (its container exists).</summary>
public enum UploadStatus
{
    Open,
    Committing,
    Committed,
}

/// <summary>
/// An upload session: a container whose files arrive as numbered parts of <see cref="PartSize"/>
/// bytes (the last one shorter) covering the files' bytes end to end in manifest order, in any
/// order and on any instance, until a commit makes them the container <see cref="ContainerId"/>.
/// The parts go to the multipart upload <see cref="UploadId"/> of <see cref="ObjectKey"/> in the
/// storage <see cref="StorageId"/>; <see cref="CommitStartedAt"/> is when the commit under way began.
/// </summary>
public sealed record UploadSession(
    Guid Id,
    Guid OrgId,
    Guid ContainerId,
    UploadStatus Status,
    DateTimeOffset CreatedAt,
    DateTimeOffset ExpiresAt,
    int PartSize,
    long StreamSize,
    int PartCount,
    string StorageId,
    string ObjectKey,
    string UploadId,
    DateTimeOffset? CommitStartedAt)
{
    /// <summary>Where part <paramref name="number"/> (1-based) lies in the files' bytes.</summary>
    public (long Offset, int Length) PlainRange(int number) =>
        number < 1 || number > PartCount
            ? throw new ArgumentOutOfRangeException(nameof(number))
            : ((long)(number - 1) * PartSize, (int)Math.Min(PartSize, StreamSize - ((long)(number - 1) * PartSize)));
}

/// <summary>A session as a client sees it: with how many of its parts have arrived.</summary>
public sealed record UploadSessionState(UploadSession Session, int PartsProcessed);

/// <summary>A part that arrived: where it lies in the files' bytes and the SHA-256 of those bytes (hex), as verified on arrival.</summary>
public sealed record UploadPart(int Number, long Offset, int Size, string Sha256)
{
    /// <summary>Box's name for a part: its number, as the client refers to it in a commit.</summary>
    public string PartId => Number.ToString("D5", CultureInfo.InvariantCulture);
}

/// <summary>What a commit came to: the container, or a commit still under way in another request.</summary>
public abstract record UploadCommit
{
    private UploadCommit()
    {
    }

    public sealed record Done(ContainerRecord Container, Tera.TeraIndex Index) : UploadCommit;

    public sealed record InProgress(UploadSessionState State, TimeSpan RetryAfter) : UploadCommit;
}

/// <summary>A part as a commit's optional <c>parts</c> list names it, to be checked against what arrived.</summary>
public sealed record ClaimedPart(string PartId, long? Offset, long? Size, string? Sha256);
