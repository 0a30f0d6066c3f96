using System.ComponentModel.DataAnnotations;

namespace Headless.RateLimiting;

/// <summary>Settings under Headless:RateLimits. Every bucket refills on the app's clock (see <see cref="ClockTokenBucketRateLimiter"/>).</summary>
public sealed class RateLimitOptions
{
    public const string Section = "Headless:RateLimits";

    /// <summary>Off turns all three limits off (the cost of each request is still computed and reported).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Failed authentications (401 answers) a client address may collect in a burst before it gets 429.</summary>
    [Range(1, 100_000)]
    public int FailedAuthenticationBurst { get; set; } = 20;

    /// <summary>Seconds after which one more failed authentication is allowed again.</summary>
    [Range(1, 86_400)]
    public int FailedAuthenticationRefillSeconds { get; set; } = 30;

    /// <summary>Requests one credential (API key, or token subject) may send in a burst.</summary>
    [Range(1, 1_000_000)]
    public int RequestsBurst { get; set; } = 300;

    /// <summary>Requests per second restored to each credential's bucket.</summary>
    [Range(1, 1_000_000)]
    public int RequestsPerSecond { get; set; } = 30;

    /// <summary>Complexity points an organization may spend in a burst (Shopify's maximumAvailable).</summary>
    [Range(1, 100_000_000)]
    public int CostBucketSize { get; set; } = 100_000;

    /// <summary>Complexity points restored to each organization's bucket per second (Shopify's restoreRate).</summary>
    [Range(1, 100_000_000)]
    public int CostRestorePerSecond { get; set; } = 2_000;
}
