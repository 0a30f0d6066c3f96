using System.Globalization;
using System.Security.Claims;
using System.Threading.RateLimiting;
using Headless.Auth;
using Headless.Shared;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;

namespace Headless.RateLimiting;

public static class RateLimitingServiceCollectionExtensions
{
    /// <summary>
    /// The three request limits: failed authentications per client address, requests per credential (ASP.NET Core's
    /// rate limiting middleware with a global partitioned limiter) and the cost budget per organization (charged by
    /// GraphQL validation). All buckets are <see cref="ClockTokenBucketRateLimiter"/>s on the app's TimeProvider.
    /// </summary>
    public static IServiceCollection AddHeadlessRateLimits(this IServiceCollection services)
    {
        services.AddOptions<RateLimitOptions>().BindConfiguration(RateLimitOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        HeadlessMetrics.Register(services);
        services.AddSingleton<CostBudget>();
        services.AddSingleton<FailedAuthenticationThrottle>();
        services.AddRateLimiter(_ => { });
        services.AddOptions<RateLimiterOptions>().Configure<TimeProvider, IOptions<RateLimitOptions>>((o, clock, settings) =>
        {
            var s = settings.Value;
            o.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            if (!s.Enabled)
            {
                return;
            }

            var bucket = new TokenBucketRateLimiterOptions
            {
                TokenLimit = s.RequestsBurst,
                TokensPerPeriod = s.RequestsPerSecond,
                ReplenishmentPeriod = TimeSpan.FromSeconds(1),
                AutoReplenishment = false,
                QueueLimit = 0,
            };
            o.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(context =>
                CredentialKey(context.User) is { } key
                    ? RateLimitPartition.Get(key, _ => new ClockTokenBucketRateLimiter(bucket, clock))
                    : RateLimitPartition.GetNoLimiter(""));
            o.OnRejected = (rejected, cancellationToken) => new ValueTask(ThrottledResponse.WriteAsync(
                rejected.HttpContext,
                rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : TimeSpan.FromSeconds(1),
                "Too many requests for this credential.",
                HeadlessMetrics.RequestLimit,
                cancellationToken));
        });
        return services;
    }

    /// <summary>The failed-authentication throttle; goes before UseAuthentication so a throttled address is refused before its credential is checked.</summary>
    public static IApplicationBuilder UseFailedAuthenticationThrottle(this IApplicationBuilder app) =>
        app.Use((context, next) => context.RequestServices.GetRequiredService<FailedAuthenticationThrottle>().InvokeAsync(context, () => next(context)));

    /// <summary>
    /// One bucket per credential: an API key by its prefix; a token by its organization and subject (every user
    /// token shares the "jwt" credential claim). Unauthenticated requests are not limited here (they get 401).
    /// </summary>
    internal static string? CredentialKey(ClaimsPrincipal user)
    {
        if (user.OrganizationId() is not { } organizationId)
        {
            return null;
        }

        var credential = user.FindFirst(HeadlessClaims.Credential)?.Value ?? "unknown";
        var subject = user.FindFirst("sub")?.Value ?? user.FindFirst("client_id")?.Value ?? "";
        return string.Create(CultureInfo.InvariantCulture, $"{credential}|{organizationId}|{subject}");
    }
}
