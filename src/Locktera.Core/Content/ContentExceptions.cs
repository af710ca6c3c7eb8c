namespace Locktera.Core.Content;

/// <summary>Reading an object that does not exist (never written, not committed, or deleted).</summary>
public sealed class ContentNotFoundException(string key) : Exception($"No content under '{key}'.");

/// <summary>Reading a range that starts at or past the end of the object: it is shorter than the reader was told.</summary>
public sealed class ContentTooShortException(string key, long offset) : Exception($"The content under '{key}' ends before offset {offset}.");

/// <summary>
/// A commit names a part the store does not hold for the upload: never written, named with a tag
/// other than its last write's, or the upload was already committed or aborted.
/// </summary>
public sealed class ContentPartsMissingException(string key) : Exception($"Not every part named for '{key}' is held for its upload.");

/// <summary>A part written to an upload the store no longer knows: it was committed or aborted.</summary>
public sealed class ContentUploadGoneException(string key) : Exception($"The upload of '{key}' was committed or aborted.");
