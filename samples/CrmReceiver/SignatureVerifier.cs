using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace CrmReceiver;

/// <summary>
/// Standard Webhooks v1: HMAC-SHA256 over "{webhook-id}.{webhook-timestamp}.{raw body}" with the bytes after whsec_.
/// Every "v1," entry of webhook-signature is compared, in constant time, with every configured secret, so a delivery
/// signed during a rotation ("v1,new v1,old") verifies whichever of the two secrets this receiver has. (The
/// StandardWebhooks 1.1.2 NuGet package would reject it with the old secret only: it misreads the last entry.)
/// </summary>
public static class SignatureVerifier
{
    /// <summary>Null when valid; otherwise why not (never echoes a signature or a secret).</summary>
    public static string? Verify(IReadOnlyList<byte[]> keys, string? id, string? timestamp, string? signatures, byte[] body, DateTimeOffset now, TimeSpan tolerance)
    {
        if (string.IsNullOrEmpty(id) || string.IsNullOrEmpty(timestamp) || string.IsNullOrEmpty(signatures))
        {
            return "missing webhook-id, webhook-timestamp or webhook-signature";
        }

        if (!long.TryParse(timestamp, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds))
        {
            return "webhook-timestamp is not unix seconds";
        }

        if (Math.Abs(now.ToUnixTimeSeconds() - seconds) > tolerance.TotalSeconds)
        {
            return "webhook-timestamp is outside the tolerance";
        }

        var signed = Encoding.UTF8.GetBytes($"{id}.{timestamp}.");
        var matched = false;
        foreach (var key in keys)
        {
            using var hmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, key);
            hmac.AppendData(signed);
            hmac.AppendData(body);
            var expected = hmac.GetHashAndReset();
            foreach (var entry in signatures.Split(' ', StringSplitOptions.RemoveEmptyEntries).Take(10))
            {
                if (!entry.StartsWith("v1,", StringComparison.Ordinal))
                {
                    continue;
                }

                var candidate = new byte[64];
                if (Convert.TryFromBase64String(entry[3..], candidate, out var length) && length == expected.Length)
                {
                    matched |= CryptographicOperations.FixedTimeEquals(candidate.AsSpan(0, length), expected);
                }
            }
        }

        return matched ? null : "no matching signature";
    }

    public static byte[] Key(string secret) =>
        Convert.FromBase64String(secret.StartsWith("whsec_", StringComparison.Ordinal) ? secret["whsec_".Length..] : secret);
}
