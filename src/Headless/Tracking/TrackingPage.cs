using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Headless.Orders;
using Headless.Shared;

namespace Headless.Tracking;

/// <summary>
/// What GET /track/{token} writes: a JSON document or a small HTML page, for an open link or for the one "not found"
/// answer. Every value that came from a brand or a pharmacy is HTML-encoded; the page has no script, and its one
/// inline style block is allowed by hash in the page's own Content-Security-Policy.
/// </summary>
internal static class TrackingPage
{
    private const string Css =
        "body{margin:0;font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;font-size:1.0625rem;line-height:1.5;color:#1a1a1a;background:#ffffff}" +
        "main{max-width:36rem;margin:0 auto;padding:2rem 1.25rem}" +
        "h1{font-size:1.5rem;margin:0 0 1.5rem}" +
        "dl{display:grid;grid-template-columns:max-content 1fr;gap:.5rem 1.5rem;margin:0}" +
        "dt{font-weight:600}dd{margin:0}" +
        "a{color:#0b57d0;text-decoration:underline}a:focus{outline:3px solid #1a1a1a;outline-offset:2px}" +
        "p{margin:0 0 1rem}";

    /// <summary>The page's policy: nothing but its own inline style block (by hash), no frames, no forms, no base.</summary>
    public static readonly string ContentSecurityPolicy =
        $"default-src 'none'; style-src 'sha256-{Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(Css)))}'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static readonly byte[] NotFoundJson = JsonSerializer.SerializeToUtf8Bytes(
        new { error = "NOT_FOUND", message = "This tracking link does not exist, has expired or was revoked. Ask your clinic for a new one." }, Json);

    public static readonly byte[] NotFoundHtml = Encoding.UTF8.GetBytes(Document(
        "Tracking link not available",
        "This tracking link is not available",
        "<p>It may have expired or been withdrawn. Ask your clinic for a new link.</p>"));

    /// <summary>The status in the patient's words: no reason text (a pharmacy's free text could name someone).</summary>
    public static string StatusText(OrderLineStatus status) => status switch
    {
        OrderLineStatus.PendingPayment => "Order placed",
        OrderLineStatus.PaymentFailed => "Waiting for your clinic",
        OrderLineStatus.Submitted => "Sent to the pharmacy",
        OrderLineStatus.Received => "Received by the pharmacy",
        OrderLineStatus.Compounding => "Being prepared by the pharmacy",
        OrderLineStatus.Shipped => "Shipped",
        OrderLineStatus.Delivered => "Delivered",
        OrderLineStatus.Rejected => "Not filled by the pharmacy; your clinic will be in touch",
        OrderLineStatus.Cancelled => "Cancelled",
        OrderLineStatus.OnHold => "On hold",
        _ => "In progress",
    };

    public static byte[] JsonOf(TrackingView view) => JsonSerializer.SerializeToUtf8Bytes(new
    {
        brand = view.Brand,
        lineNumber = view.LineNumber,
        status = view.Status.ToWire(),
        statusText = StatusText(view.Status),
        statusSince = view.StatusSince.ToUniversalTime(),
        lastUpdatedAt = view.LastUpdatedAt.ToUniversalTime(),
        tracking = view.Carrier is null && view.TrackingNumber is null && view.TrackingUrl is null
            ? null
            : new { carrier = view.Carrier, number = view.TrackingNumber, url = SafeUrl(view.TrackingUrl) },
    }, Json);

    public static byte[] HtmlOf(TrackingView view)
    {
        var e = HtmlEncoder.Default;
        var rows = new StringBuilder();
        void Row(string term, string htmlValue) => rows.Append("<dt>").Append(term).Append("</dt><dd>").Append(htmlValue).Append("</dd>\n");

        Row("Line number", e.Encode(view.LineNumber));
        Row("Status", e.Encode(StatusText(view.Status)));
        Row("Carrier", view.Carrier is null ? "Not yet known" : e.Encode(view.Carrier));
        var number = view.TrackingNumber is null ? "Not yet known" : e.Encode(view.TrackingNumber);
        Row("Tracking number", number);
        if (SafeUrl(view.TrackingUrl) is { } url)
        {
            Row("Follow the shipment", $"<a href=\"{e.Encode(url)}\" rel=\"noopener noreferrer\">On the carrier's website</a>");
        }

        var updated = view.LastUpdatedAt.ToUniversalTime();
        Row("Last update", $"<time datetime=\"{updated.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture)}\">{updated.ToString("d MMMM yyyy, HH:mm 'UTC'", CultureInfo.InvariantCulture)}</time>");

        var brand = e.Encode(view.Brand);
        return Encoding.UTF8.GetBytes(Document(
            $"{e.Encode(view.LineNumber)} – {brand}",
            $"{brand}: your order line",
            $"<dl>\n{rows}</dl>"));
    }

    /// <summary>Only absolute http(s) links become links (intake checks this too; the page does not rely on it).</summary>
    private static string? SafeUrl(string? url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttps || uri.Scheme == Uri.UriSchemeHttp) ? uri.AbsoluteUri : null;

    /// <summary>Title and heading are HTML already (encoded by the caller); the body is trusted markup.</summary>
    private static string Document(string title, string heading, string body) =>
        "<!DOCTYPE html>\n" +
        "<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n" +
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n" +
        "<meta name=\"robots\" content=\"noindex\">\n<meta name=\"referrer\" content=\"no-referrer\">\n" +
        $"<title>{title}</title>\n<style>{Css}</style>\n</head>\n<body>\n<main>\n<h1>{heading}</h1>\n{body}\n</main>\n</body>\n</html>\n";
}
