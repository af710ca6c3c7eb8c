namespace Locktera.Core.Tests;

/// <summary>An upload into memory, for writing containers without a store.</summary>
internal sealed class MemoryUpload : IContentUpload
{
    public MemoryStream Bytes { get; } = new();

    public ValueTask WriteAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken) => Bytes.WriteAsync(data, cancellationToken);

    public Task CommitAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
