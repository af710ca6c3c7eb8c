using System.Globalization;
using System.Security.Cryptography;
using Locktera.Core.Webhooks;
using StandardWebhooks;
using StandardWebhooks.Diagnostics;

namespace Locktera.Functions.Tests.Unit;

/// <summary>
/// Signatures are Standard Webhooks 1.0's: what <see cref="WebhookSignature"/> signs is checked with
/// the scheme's own .NET library (the <c>StandardWebhooks</c> package) and its published test
/// vector, never with our own code.
/// </summary>
public class WebhookSignatureTests
{
    private const string Id = "msg_2KWPBgLlAfxdpx2AI54pPJ85f4W";
    private static readonly byte[] Body = """{"type":"container.access","timestamp":"2026-01-01T00:00:00Z","data":{"container_id":"c"}}"""u8.ToArray();

    /// <summary>Verifies as a receiver does, with the library's own tolerance around its own clock.</summary>
    private static void Verify(string secret, string id, DateTimeOffset timestamp, byte[] body, string signature)
    {
        var headers = new HeaderDictionary
        {
            ["webhook-id"] = id,
            ["webhook-timestamp"] = timestamp.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture),
            ["webhook-signature"] = signature,
        };
        new StandardWebhook(secret).Verify(Encoding.UTF8.GetString(body), headers);
    }

    [Fact]
    public void The_published_test_vector_is_signed_as_the_scheme_says()
    {
        // The vector the Standard Webhooks libraries share (its secret is 24 bytes, the least allowed).
        var signature = WebhookSignature.Sign("msg_p5jXN8AQM9LWM0D4loKWxJek", DateTimeOffset.FromUnixTimeSeconds(1614265330),
            """{"test": 2432232314}"""u8, ["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"]);

        Assert.Equal("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=", signature);
    }

    [Fact]
    public void A_signature_verifies_with_the_Standard_Webhooks_library()
    {
        var secret = WebhookSignature.NewSecret();
        var now = DateTimeOffset.UtcNow;

        Verify(secret, Id, now, Body, WebhookSignature.Sign(Id, now, Body, [secret]));
    }

    /// <summary>
    /// The header holds one signature for each secret, in the order given. (The package's verifier
    /// 1.1.2 looks at the first signature of a header only, against the spec, which has a receiver try
    /// each; so each is checked here on its own, as a receiver that tries each one does.)
    /// </summary>
    [Fact]
    public void While_a_secret_rotates_each_secret_signs_the_delivery_and_no_other_secret_matches()
    {
        var (current, old) = (WebhookSignature.NewSecret(), WebhookSignature.NewSecret());
        var now = DateTimeOffset.UtcNow;

        var signatures = WebhookSignature.Sign(Id, now, Body, [current, old]).Split(' ');

        Assert.Equal(2, signatures.Length);
        Verify(current, Id, now, Body, signatures[0]);
        Verify(old, Id, now, Body, signatures[1]);
        Verify(current, Id, now, Body, string.Join(' ', signatures));
        Assert.All(signatures, s => Assert.Throws<WebhookVerificationException>(() => Verify(WebhookSignature.NewSecret(), Id, now, Body, s)));
        Assert.Throws<WebhookVerificationException>(() => Verify(old, Id, now, Body, signatures[0]));
    }

    public static TheoryData<string> Tamperings => ["body", "id", "timestamp"];

    [Theory]
    [MemberData(nameof(Tamperings))]
    public void A_delivery_whose_body_id_or_timestamp_was_changed_does_not_verify(string tampered)
    {
        var secret = WebhookSignature.NewSecret();
        var now = DateTimeOffset.UtcNow;
        var signature = WebhookSignature.Sign(Id, now, Body, [secret]);
        var body = Body.ToArray();
        body[^2] ^= 1;

        Action verify = tampered switch
        {
            "body" => () => Verify(secret, Id, now, body, signature),
            "id" => () => Verify(secret, Id + "x", now, Body, signature),
            _ => () => Verify(secret, Id, now.AddSeconds(1), Body, signature),
        };

        Verify(secret, Id, now, Body, signature);
        Assert.Throws<WebhookVerificationException>(verify);
    }

    [Fact]
    public void New_secrets_are_32_random_bytes_in_the_form_receivers_read()
    {
        var secrets = Enumerable.Range(0, 8).Select(_ => WebhookSignature.NewSecret()).ToList();

        Assert.All(secrets, s => Assert.Equal(32, Convert.FromBase64String(s[WebhookSignature.SecretPrefix.Length..]).Length));
        Assert.All(secrets, s => Assert.StartsWith("whsec_", s, StringComparison.Ordinal));
        Assert.Equal(secrets.Count, secrets.Distinct().Count());
    }

    [Theory]
    [InlineData(24)]
    [InlineData(64)]
    public void Secrets_of_the_least_and_the_most_bytes_the_spec_allows_sign(int bytes)
    {
        var secret = "whsec_" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(bytes));
        var now = DateTimeOffset.UtcNow;

        Verify(secret, Id, now, Body, WebhookSignature.Sign(Id, now, Body, [secret]));
    }

    /// <summary>Forms a stored secret can come back in when it was corrupted or cut short.</summary>
    public static TheoryData<string> MalformedSecrets
    {
        get
        {
            var valid = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
            return
            [
                "",
                "whsec_",
                valid,
                "whsk_" + valid,
                "WHSEC_" + valid,
                "whsec_" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(23)),
                "whsec_" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(65)),
                "whsec_" + valid[..20] + " " + valid[20..],
                "whsec_" + valid + "\n",
                " whsec_" + valid,
                "whsec_" + valid.TrimEnd('='),
                "whsec_" + valid.Replace('=', '!'),
                "whsec_" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(48)).Replace('+', '-').Replace('/', '_') + "-_-_",
            ];
        }
    }

    [Theory]
    [MemberData(nameof(MalformedSecrets))]
    public void A_secret_not_in_its_form_fails_clearly_and_is_not_quoted(string secret)
    {
        var e = Assert.Throws<InvalidDataException>(() => WebhookSignature.Sign(Id, DateTimeOffset.UtcNow, Body, [WebhookSignature.NewSecret(), secret]));

        // One fixed message, whatever the secret held: nothing of it is quoted.
        Assert.Equal("A webhook signing secret is not whsec_ and the base64 of 24 to 64 bytes.", e.Message);
    }

    /// <summary>The id is delimited by a full stop in what is signed, and travels as a header.</summary>
    [Theory]
    [InlineData("")]
    [InlineData("msg.1")]
    [InlineData("msg 1")]
    [InlineData("msg1\n")]
    [InlineData("msg,1")]
    [InlineData("msgé")]
    public void An_id_that_could_blur_what_is_signed_is_refused(string id)
    {
        Assert.Throws<ArgumentException>(() => WebhookSignature.Sign(id, DateTimeOffset.UtcNow, Body, [WebhookSignature.NewSecret()]));
    }

    [Fact]
    public void Ids_of_at_most_128_characters_are_signed()
    {
        var secret = WebhookSignature.NewSecret();
        var now = DateTimeOffset.UtcNow;

        Verify(secret, new string('a', 128), now, Body, WebhookSignature.Sign(new string('a', 128), now, Body, [secret]));
        Assert.Throws<ArgumentException>(() => WebhookSignature.Sign(new string('a', 129), now, Body, [secret]));
    }

    [Fact]
    public void A_delivery_is_signed_with_at_least_one_secret()
    {
        Assert.Throws<ArgumentException>(() => WebhookSignature.Sign(Id, DateTimeOffset.UtcNow, Body, []));
    }
}
