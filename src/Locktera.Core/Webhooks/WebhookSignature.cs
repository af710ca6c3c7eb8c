using System.Text;
using System.Text.RegularExpressions;

namespace Locktera.Core.Webhooks;

/// <summary>
/// The symmetric signature scheme of Standard Webhooks 1.0, so that receivers can verify deliveries
/// with any of its libraries: a secret is <c>whsec_</c> and the base64 of 24 to 64 random bytes; a
/// signature is <c>v1,</c> and the base64 of HMAC-SHA256, keyed with the secret's bytes, of
/// <c>{webhook-id}.{webhook-timestamp}.{body}</c>. While a secret is being rotated a delivery is
/// signed with each of the secrets, the signatures separated by spaces, and a receiver that knows
/// either one accepts it.
/// </summary>
public static partial class WebhookSignature
{
    public const string SecretPrefix = "whsec_";

    /// <summary>The spec's bounds on a secret's random bytes.</summary>
    private const int MinSecretBytes = 24, MaxSecretBytes = 64;

    /// <summary>A new signing secret: 32 random bytes.</summary>
    public static string NewSecret() => SecretPrefix + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    /// <summary>
    /// The <c>webhook-signature</c> header of a delivery: one <c>v1</c> signature for each of
    /// <paramref name="secrets"/>, in their order, separated by spaces. A secret not in its form
    /// (a stored one that was corrupted) throws <see cref="InvalidDataException"/> rather than sign
    /// with whatever its bytes happen to be.
    /// </summary>
    public static string Sign(string webhookId, DateTimeOffset timestamp, ReadOnlySpan<byte> body, IEnumerable<string> secrets)
    {
        // The id and the timestamp are delimited by full stops in what is signed: an id holding one
        // could make two different deliveries sign the same bytes.
        if (!IdForm().IsMatch(webhookId))
        {
            throw new ArgumentException("A webhook id is 1 to 128 ASCII letters, digits, '_' or '-'.", nameof(webhookId));
        }
        var prefix = Encoding.ASCII.GetBytes(string.Create(CultureInfo.InvariantCulture, $"{webhookId}.{timestamp.ToUnixTimeSeconds()}."));
        var signed = new byte[prefix.Length + body.Length];
        prefix.CopyTo(signed, 0);
        body.CopyTo(signed.AsSpan(prefix.Length));
        var signatures = secrets.Select(secret => "v1," + Convert.ToBase64String(HMACSHA256.HashData(Key(secret), signed))).ToList();
        return signatures.Count > 0 ? string.Join(' ', signatures) : throw new ArgumentException("A delivery is signed with at least one secret.", nameof(secrets));
    }

    /// <summary>The key bytes of a secret in its form; never quotes the secret when it is not.</summary>
    private static byte[] Key(string secret)
    {
        // Convert.FromBase64String would skip white space and so accept a secret in a form no
        // receiver's library reads: the form is checked first, character by character.
        if (SecretForm().IsMatch(secret))
        {
            var key = Convert.FromBase64String(secret[SecretPrefix.Length..]);
            if (key.Length is >= MinSecretBytes and <= MaxSecretBytes)
            {
                return key;
            }
        }
        throw new InvalidDataException($"A webhook signing secret is not {SecretPrefix} and the base64 of {MinSecretBytes} to {MaxSecretBytes} bytes.");
    }

    [GeneratedRegex(@"^whsec_(?:[A-Za-z0-9+/]{4})+(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?\z")]
    private static partial Regex SecretForm();

    [GeneratedRegex(@"^[A-Za-z0-9_-]{1,128}\z")]
    private static partial Regex IdForm();
}
