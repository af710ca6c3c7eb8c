namespace Locktera.Core.Content;

/// <summary>Reading an object that does not exist (never written, not committed, or deleted).</summary>
public sealed class ContentNotFoundException(string key) : Exception($"No content under '{key}'.");
