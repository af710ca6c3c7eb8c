using Locktera.Core.Uploads;

namespace Locktera.Functions.Http;

/// <summary>An upload session in Box's shape (with the container it will become, and its files' size).</summary>
public sealed class UploadSessionView(UploadSessionState state, string endpoint)
{
    public Guid Id { get; } = state.Session.Id;
    public string Type { get; } = "upload_session";
    public string Status { get; } = state.Session.Status.ToString().ToLowerInvariant();
    public Guid ContainerId { get; } = state.Session.ContainerId;
    public int PartSize { get; } = state.Session.PartSize;
    public int TotalParts { get; } = state.Session.PartCount;
    public int NumPartsProcessed { get; } = state.PartsProcessed;
    public long TotalSize { get; } = state.Session.StreamSize;
    public DateTimeOffset CreatedAt { get; } = state.Session.CreatedAt;
    public DateTimeOffset ExpiresAt { get; } = state.Session.ExpiresAt;

    /// <summary>Box's name for <see cref="ExpiresAt"/>.</summary>
    public DateTimeOffset SessionExpiresAt { get; } = state.Session.ExpiresAt;

    public UploadSessionEndpoints SessionEndpoints { get; } = new(endpoint);
}

/// <summary>Where a client sends a session's requests: absolute URLs, as Box gives them.</summary>
public sealed class UploadSessionEndpoints(string session)
{
    public string UploadPart { get; } = session;
    public string ListParts { get; } = session + "/parts";
    public string Commit { get; } = session + "/commit";
    public string Abort { get; } = session;
    public string Status { get; } = session;
}

/// <summary>A part that arrived: Box's part, with the SHA-256 of its bytes (hex).</summary>
public sealed class UploadPartView(UploadPart part)
{
    public string PartId { get; } = part.PartId;
    public long Offset { get; } = part.Offset;
    public int Size { get; } = part.Size;
    public string Sha256 { get; } = part.Sha256;
}

/// <summary>The answer to a part's upload, as Box wraps it.</summary>
public sealed class UploadedPartView(UploadPart part)
{
    public UploadPartView Part { get; } = new(part);
}

/// <summary>The parts that arrived, in Box's list shape.</summary>
public sealed class UploadPartsView(IReadOnlyList<UploadPart> parts)
{
    public IReadOnlyList<UploadPartView> Entries { get; } = [.. parts.Select(p => new UploadPartView(p))];
    public int TotalCount { get; } = parts.Count;
    public int Offset { get; }
    public int Limit { get; } = Math.Max(1, parts.Count);
}
