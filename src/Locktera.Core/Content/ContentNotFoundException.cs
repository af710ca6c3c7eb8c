namespace Locktera.Core.Content;

/// <summary>Reading an object that does not exist (never written, not committed, or deleted).</summary>
public sealed class ContentNotFoundException(string key) : Exception($"No content under '{key}'.");

/// <summary>Reading a range that starts at or past the end of the object: it is shorter than the reader was told.</summary>
public sealed class ContentTooShortException(string key, long offset) : Exception($"The content under '{key}' ends before offset {offset}.");
