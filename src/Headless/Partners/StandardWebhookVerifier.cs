using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Headless.Partners;

/// <summary>
/// Verifies Standard Webhooks v1 signatures (HMAC-SHA256 over "{webhook-id}.{webhook-timestamp}.{body}" with the
/// base64 key after "whsec_"). Written here rather than taken from the StandardWebhooks 1.1.2 package because that
/// package rejects a valid signature placed last in a rotation list ("v1,old v1,new") and reads the system clock.
/// Every v1 entry of the space-separated header is compared in constant time; other schemes (v1a) are skipped.
/// </summary>
public static class StandardWebhookVerifier
{
    public const string IdHeader = "webhook-id";
    public const string TimestampHeader = "webhook-timestamp";
    public const string SignatureHeader = "webhook-signature";
    public const string SecretPrefix = "whsec_";

    /// <summary>How far webhook-timestamp may be from our clock, either way.</summary>
    public static readonly TimeSpan Tolerance = TimeSpan.FromMinutes(5);

    /// <summary>More entries than this in one header is not a key rotation but an attempt to make us hash a lot.</summary>
    private const int MaxSignatures = 10;

    /// <summary>Decodes a "whsec_" secret to its key bytes; null when it is not one.</summary>
    public static byte[]? DecodeSecret(string? secret)
    {
        if (string.IsNullOrWhiteSpace(secret))
        {
            return null;
        }

        var encoded = secret.StartsWith(SecretPrefix, StringComparison.Ordinal) ? secret[SecretPrefix.Length..] : secret;
        var buffer = new byte[encoded.Length];
        return Convert.TryFromBase64String(encoded, buffer, out var length) && length > 0 ? buffer[..length] : null;
    }

    /// <summary>"v1,&lt;base64&gt;" for a message: what a sender puts in webhook-signature.</summary>
    public static string Sign(byte[] key, string messageId, long timestamp, ReadOnlySpan<byte> body) =>
        "v1," + Convert.ToBase64String(Compute(key, messageId, timestamp.ToString(CultureInfo.InvariantCulture), body));

    /// <summary>
    /// Null when the headers carry a valid signature of <paramref name="body"/> made with <paramref name="key"/>
    /// within the tolerance of <paramref name="now"/>; otherwise why not (safe to log, never echoes a signature).
    /// </summary>
    public static string? Verify(byte[] key, string? messageId, string? timestamp, string? signatureHeader, ReadOnlySpan<byte> body, DateTimeOffset now)
    {
        if (string.IsNullOrEmpty(messageId) || string.IsNullOrEmpty(timestamp) || string.IsNullOrEmpty(signatureHeader))
        {
            return "missing webhook-id, webhook-timestamp or webhook-signature";
        }

        if (!long.TryParse(timestamp, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds))
        {
            return "webhook-timestamp is not unix seconds";
        }

        var skew = now.ToUnixTimeSeconds() - seconds;
        if (skew > Tolerance.TotalSeconds)
        {
            return "webhook-timestamp is too old";
        }

        if (-skew > Tolerance.TotalSeconds)
        {
            return "webhook-timestamp is too new";
        }

        var expected = Compute(key, messageId, timestamp, body);
        var candidate = new byte[64];
        var examined = 0;
        var matched = false;
        foreach (var entry in signatureHeader.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            if (++examined > MaxSignatures)
            {
                return "too many signatures";
            }

            var comma = entry.IndexOf(',');
            if (comma < 0 || !entry.AsSpan(0, comma).SequenceEqual("v1"))
            {
                continue; // another scheme (v1a) or garbage: only v1 entries can match
            }

            // Look at every entry, even after a match: the time taken does not tell which one matched.
            if (Convert.TryFromBase64String(entry[(comma + 1)..], candidate, out var length) && length == expected.Length)
            {
                matched |= CryptographicOperations.FixedTimeEquals(candidate.AsSpan(0, length), expected);
            }
        }

        return matched ? null : "no matching signature";
    }

    private static byte[] Compute(byte[] key, string messageId, string timestamp, ReadOnlySpan<byte> body)
    {
        var prefix = Encoding.UTF8.GetBytes($"{messageId}.{timestamp}.");
        using var hmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, key);
        hmac.AppendData(prefix);
        hmac.AppendData(body);
        return hmac.GetHashAndReset();
    }
}
