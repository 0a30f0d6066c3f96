using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Headless.Webhooks;

/// <summary>
/// Standard Webhooks v1 signing: HMAC-SHA256 over "{webhook-id}.{webhook-timestamp}.{body}" with the key after
/// "whsec_". Several secrets (during a rotation) give several space-separated signatures, the newest secret's
/// first: the StandardWebhooks 1.1.2 package, which receivers may use, accepts a valid signature only when it is
/// not the last of several.
/// </summary>
public static class WebhookSigning
{
    public const string IdHeader = "webhook-id";
    public const string TimestampHeader = "webhook-timestamp";
    public const string SignatureHeader = "webhook-signature";
    public const string SecretPrefix = "whsec_";

    /// <summary>Random bytes per secret (the spec asks for 24 to 64).</summary>
    public const int SecretBytes = 32;

    /// <summary>A new secret: "whsec_" and the base64 of 32 random bytes.</summary>
    public static string NewSecret() => SecretPrefix + Convert.ToBase64String(RandomNumberGenerator.GetBytes(SecretBytes));

    /// <summary>The webhook-signature header for <paramref name="body"/>, one "v1,..." entry per secret, in the order given (newest first).</summary>
    public static string Sign(IEnumerable<string> secretsNewestFirst, string webhookId, long timestamp, string body)
    {
        var content = Encoding.UTF8.GetBytes($"{webhookId}.{timestamp.ToString(CultureInfo.InvariantCulture)}.{body}");
        return string.Join(' ', secretsNewestFirst.Select(secret => "v1," + Convert.ToBase64String(HMACSHA256.HashData(Key(secret), content))));
    }

    private static byte[] Key(string secret) =>
        Convert.FromBase64String(secret.StartsWith(SecretPrefix, StringComparison.Ordinal) ? secret[SecretPrefix.Length..] : secret);
}
