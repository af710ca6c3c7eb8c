namespace Locktera.Core.Errors;

/// <summary>
/// A failure that the API reports to its caller as-is: the message and fields must therefore
/// never contain secrets or internal details.
/// </summary>
public sealed class LockteraException(ErrorCode code, string message, IReadOnlyDictionary<string, string>? fields = null)
    : Exception(message)
{
    public ErrorCode Code { get; } = code;

    public IReadOnlyDictionary<string, string>? Fields { get; } = fields;

    public const string InvalidFieldsMessage = "The request has invalid fields.";

    public static LockteraException Validation(string field, string message) =>
        new(ErrorCode.ValidationFailed, InvalidFieldsMessage, new Dictionary<string, string> { [field] = message });

    public static LockteraException Forbidden(ErrorCode code, string message) => new(code, message);

    public static LockteraException OrgNotFound() => new(ErrorCode.OrgNotFound, "Organization not found.");

    /// <summary>A key that does not exist, is revoked, or is not the node's: all alike.</summary>
    public static LockteraException ApiKeyNotFound() => new(ErrorCode.ApiKeyNotFound, "API key not found.");

    /// <summary>A container that does not exist, is still being encoded, or is not the caller's to see: all alike.</summary>
    public static LockteraException ContainerNotFound() => new(ErrorCode.ContainerNotFound, "Container not found.");
}
