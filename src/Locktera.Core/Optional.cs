namespace Locktera.Core;

/// <summary>
/// A field of a partial update: unset (the default; keep the stored value) or set, possibly to null.
/// </summary>
public readonly record struct Optional<T>(bool IsSet, T Value)
{
    public T Or(T current) => IsSet ? Value : current;
}
