using System.Globalization;
using System.Text.Json;
using Headless.Shared;

namespace Headless.RateLimiting;

/// <summary>The 429 answer of the request limits: Retry-After and a GraphQL-shaped error with code THROTTLED.</summary>
internal static class ThrottledResponse
{
    /// <param name="limit">Which limit refused, for the refusal counter (a <see cref="HeadlessMetrics"/> limit name).</param>
    public static async Task WriteAsync(HttpContext context, TimeSpan retryAfter, string message, string limit, CancellationToken cancellationToken)
    {
        context.RequestServices.GetService<HeadlessMetrics>()?.RateLimitRefused(limit);
        var seconds = Math.Max(1, (long)Math.Ceiling(retryAfter.TotalSeconds));
        context.Response.StatusCode = StatusCodes.Status429TooManyRequests;
        context.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);

        // Only clients that name the GraphQL media type get it, as on /graphql itself.
        var graphQLMediaType = context.Request.Headers.Accept.ToString().Contains("application/graphql-response+json", StringComparison.OrdinalIgnoreCase);
        context.Response.ContentType = (graphQLMediaType ? "application/graphql-response+json" : "application/json") + "; charset=utf-8";
        var body = new { errors = new[] { new { message = $"{message} Retry after {seconds} s.", extensions = new { code = "THROTTLED" } } } };
        await JsonSerializer.SerializeAsync(context.Response.Body, body, cancellationToken: cancellationToken);
    }
}
