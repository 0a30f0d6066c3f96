using Headless.Audit;
using Headless.GraphQL;
using Headless.RateLimiting;
using Headless.Transport;
using Microsoft.Net.Http.Headers;

namespace Headless.Tracking;

/// <summary>
/// GET /track/{token}: anonymous, the token is the credential. An open link answers 200 with the line's number, status
/// and tracking in the brand's name, as HTML when the client prefers text/html and as JSON otherwise. Unknown,
/// malformed, expired and revoked tokens all answer the same 404 (per media type, byte for byte), and each of them
/// counts as a failed authentication for the client address (<see cref="FailedAuthenticationThrottle"/>), so token
/// guessing is throttled like key guessing. Every opening of a known link is audited (link and line IDs, never the token).
/// </summary>
internal sealed class TrackingEndpoint(TrackingLinks links, AuditTrail audit, FailedAuthenticationThrottle throttle, TimeProvider clock)
{
    public const string Prefix = "/track/";
    public const string Route = "/track/{token}";

    /// <summary>The audit trail's "root field" for a link opening (a REST call, not a GraphQL field).</summary>
    public const string AuditOperation = "GET /track";

    public async Task HandleAsync(HttpContext context)
    {
        // Read from the route values, not bound as a parameter: nothing in binding gets a chance to log it.
        var token = context.Request.RouteValues["token"] as string ?? "";
        var html = PrefersHtml(context.Request);
        var opened = await links.OpenAsync(token, context.RequestAborted);
        if (opened is not null)
        {
            await AuditAsync(context, opened);
        }

        var headers = context.Response.Headers;
        headers.CacheControl = "no-store";
        headers.Pragma = "no-cache";
        headers["Referrer-Policy"] = "no-referrer";
        headers["X-Robots-Tag"] = "noindex, nofollow";
        headers.Vary = "Accept";
        if (html)
        {
            headers.ContentSecurityPolicy = TrackingPage.ContentSecurityPolicy;
        }

        byte[] body;
        if (opened?.View is { } view)
        {
            context.Response.StatusCode = StatusCodes.Status200OK;
            body = html ? TrackingPage.HtmlOf(view) : TrackingPage.JsonOf(view);
        }
        else
        {
            throttle.RecordFailure(context);
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            body = html ? TrackingPage.NotFoundHtml : TrackingPage.NotFoundJson;
        }

        context.Response.ContentType = html ? "text/html; charset=utf-8" : "application/json; charset=utf-8";
        context.Response.ContentLength = body.Length;
        await context.Response.Body.WriteAsync(body, context.RequestAborted);
    }

    /// <summary>
    /// HTML when the Accept header names an HTML type with a quality at least that of JSON (a browser's default);
    /// JSON for everything else, including no Accept and "*/*".
    /// </summary>
    internal static bool PrefersHtml(HttpRequest request)
    {
        if (!MediaTypeHeaderValue.TryParseList(request.Headers.Accept, out var accepted))
        {
            return false;
        }

        double htmlQuality = 0, jsonQuality = 0;
        foreach (var media in accepted)
        {
            var quality = media.Quality ?? 1.0;
            var type = media.MediaType.Value ?? "";
            if (type.Equals("text/html", StringComparison.OrdinalIgnoreCase) || type.Equals("application/xhtml+xml", StringComparison.OrdinalIgnoreCase))
            {
                htmlQuality = Math.Max(htmlQuality, quality);
            }
            else if (type.Equals("application/json", StringComparison.OrdinalIgnoreCase) || type.Equals("application/*", StringComparison.OrdinalIgnoreCase))
            {
                jsonQuality = Math.Max(jsonQuality, quality);
            }
        }

        return htmlQuality > 0 && htmlQuality >= jsonQuality;
    }

    /// <summary>Two rows in the link's organization: the link and the line, OK when it showed, NOT_FOUND when expired or revoked.</summary>
    private async Task AuditAsync(HttpContext context, TrackingOpen opened)
    {
        var ip = context.Connection.RemoteIpAddress;
        var address = ip is null ? null : (ip.IsIPv4MappedToIPv6 ? ip.MapToIPv4() : ip).ToString();
        var outcome = opened.View is null ? AuditOutcome.NotFound : AuditOutcome.Ok;
        var actor = $"tracking_link:{GlobalId.Encode(TrackingLink.TypeName, opened.LinkId)}";
        var now = clock.GetUtcNow();
        var correlationId = CorrelationId.Of(context);
        AuditRecord Row(string type, long id) =>
            new(opened.OrganizationId, now, actor, address, AuditOperationType.Query, null, [AuditOperation], type, [id], 1, outcome, correlationId);

        await audit.EnqueueAsync([Row("OrderLine", opened.LineId), Row(TrackingLink.TypeName, opened.LinkId)]);
    }
}
