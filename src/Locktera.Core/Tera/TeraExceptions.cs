namespace Locktera.Core.Tera;

/// <summary>Stored bytes that are malformed or fail authentication: never a byte of plaintext comes from them.</summary>
public sealed class TeraIntegrityException(string message) : Exception(message);

/// <summary>A protected container opened without its password, or with a wrong one.</summary>
public sealed class TeraPasswordException(bool missing) : Exception(missing ? "This container needs its password." : "The password is wrong.")
{
    public bool Missing { get; } = missing;
}
