using System.Net;
using System.Threading.RateLimiting;
using Headless.Shared;
using Microsoft.Extensions.Options;

namespace Headless.RateLimiting;

/// <summary>
/// Counts failed authentications (401 answers) per client address in a token bucket; once a burst has emptied it,
/// requests from that address get 429 with Retry-After before any credential is checked (no key lookup, no token
/// introspection call), until the bucket refills. The client address is the connection's, or the forwarded one
/// when a proxy is configured (README "Security").
/// </summary>
internal sealed class FailedAuthenticationThrottle : IAsyncDisposable
{
    private readonly PartitionedRateLimiter<string> _failures;

    public FailedAuthenticationThrottle(IOptions<RateLimitOptions> options, TimeProvider clock)
    {
        var settings = options.Value;
        Enabled = settings.Enabled;
        var bucket = new TokenBucketRateLimiterOptions
        {
            TokenLimit = settings.FailedAuthenticationBurst,
            TokensPerPeriod = 1,
            ReplenishmentPeriod = TimeSpan.FromSeconds(settings.FailedAuthenticationRefillSeconds),
            AutoReplenishment = false,
            QueueLimit = 0,
        };
        _failures = PartitionedRateLimiter.Create<string, string>(address =>
            RateLimitPartition.Get(address, _ => new ClockTokenBucketRateLimiter(bucket, clock)));
    }

    public bool Enabled { get; }

    public async Task InvokeAsync(HttpContext context, Func<Task> next)
    {
        if (!Enabled || context.Request.Path.StartsWithSegments("/health"))
        {
            await next();
            return;
        }

        var address = ClientAddress(context);
        using (var allowed = _failures.AttemptAcquire(address, 0))
        {
            if (!allowed.IsAcquired)
            {
                var retryAfter = allowed.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : TimeSpan.FromSeconds(1);
                await ThrottledResponse.WriteAsync(context, retryAfter, "Too many failed authentication attempts from this address.", HeadlessMetrics.FailedAuthenticationLimit, context.RequestAborted);
                return;
            }
        }

        await next();
        if (context.Response.StatusCode == StatusCodes.Status401Unauthorized)
        {
            _failures.AttemptAcquire(address, 1).Dispose();
        }
    }

    /// <summary>Counts a failed authentication that was not answered with 401, such as a WebSocket refused in connection_init.</summary>
    public void RecordFailure(HttpContext context)
    {
        if (Enabled)
        {
            _failures.AttemptAcquire(ClientAddress(context), 1).Dispose();
        }
    }

    private static string ClientAddress(HttpContext context) =>
        context.Connection.RemoteIpAddress is { } ip
            ? (ip.IsIPv4MappedToIPv6 ? ip.MapToIPv4() : ip).ToString()
            : IPAddress.None.ToString();

    public ValueTask DisposeAsync() => _failures.DisposeAsync();
}
