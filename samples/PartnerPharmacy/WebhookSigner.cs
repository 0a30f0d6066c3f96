using Microsoft.Extensions.Options;
using StandardWebhooks;

namespace PartnerPharmacy;

/// <summary>
/// Standard Webhooks v1 (HMAC-SHA256) signing with one key, using the StandardWebhooks package's
/// <see cref="StandardWebhook.Sign"/>: signature = base64(HMAC-SHA256(key, "{id}.{timestamp}.{body}")), where key is
/// the base64-decoded part of the <c>whsec_</c> secret. One signature per header (no rotation list), so receivers using
/// StandardWebhooks 1.1.2 (which mis-handles a valid signature placed last in a list) verify it.
/// </summary>
public sealed class WebhookSigner(IOptions<SimulatorOptions> options)
{
    public const string IdHeader = "webhook-id";
    public const string TimestampHeader = "webhook-timestamp";
    public const string SignatureHeader = "webhook-signature";

    private readonly StandardWebhook _webhook = new(options.Value.WebhookSecret);

    /// <summary>Returns <c>v1,&lt;base64&gt;</c>.</summary>
    public string Sign(string id, DateTimeOffset timestamp, string body) => _webhook.Sign(id, timestamp, body);

    internal static bool TryValidateSecret(string? secret, out string error)
    {
        error = "";
        if (string.IsNullOrWhiteSpace(secret) || !secret.StartsWith("whsec_", StringComparison.Ordinal))
        {
            error = "must start with whsec_ followed by base64.";
            return false;
        }

        var bytes = new byte[secret.Length];
        if (!Convert.TryFromBase64String(secret["whsec_".Length..], bytes, out var length))
        {
            error = "is not valid base64 after whsec_.";
            return false;
        }

        if (length is < 24 or > 64)
        {
            error = $"must decode to 24-64 bytes (got {length}).";
            return false;
        }

        return true;
    }
}
