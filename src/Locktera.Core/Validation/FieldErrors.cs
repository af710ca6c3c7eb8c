namespace Locktera.Core.Validation;

/// <summary>Collects every field error of a request so the caller learns all of them at once.</summary>
public sealed class FieldErrors
{
    private readonly Dictionary<string, string> _errors = new(StringComparer.Ordinal);

    public bool IsEmpty => _errors.Count == 0;

    /// <summary>Keeps the first error reported for a field: it is the most basic one.</summary>
    public void Add(string field, string message) => _errors.TryAdd(field, message);

    public void ThrowIfAny(ErrorCode code = ErrorCode.ValidationFailed, string message = LockteraException.InvalidFieldsMessage)
    {
        if (!IsEmpty)
        {
            throw new LockteraException(code, message, _errors);
        }
    }
}
