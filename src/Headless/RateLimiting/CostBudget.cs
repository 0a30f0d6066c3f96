using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;

namespace Headless.RateLimiting;

/// <summary>Where an organization's cost bucket stands after a request was charged (or refused).</summary>
public sealed record CostBudgetStatus(int Charged, bool Granted, int MaximumAvailable, long CurrentlyAvailable, double RestoreRate, TimeSpan RetryAfter)
{
    /// <summary>Key of the status in the execution's user context, where the transport reads it back.</summary>
    public const string UserContextKey = "headless.costBudget";
}

/// <summary>
/// Each organization's budget of complexity points, in the manner of Shopify's calculated query cost: a bucket of
/// <see cref="RateLimitOptions.CostBucketSize"/> points that refills by <see cref="RateLimitOptions.CostRestorePerSecond"/>
/// per second; each request is charged its complexity before it executes, and refused whole when the bucket cannot cover it.
/// </summary>
public sealed class CostBudget : IAsyncDisposable
{
    private readonly PartitionedRateLimiter<long> _buckets;
    private readonly RateLimitOptions _settings;

    public CostBudget(IOptions<RateLimitOptions> options, TimeProvider clock)
    {
        _settings = options.Value;
        var bucket = new TokenBucketRateLimiterOptions
        {
            TokenLimit = _settings.CostBucketSize,
            TokensPerPeriod = _settings.CostRestorePerSecond,
            ReplenishmentPeriod = TimeSpan.FromSeconds(1),
            AutoReplenishment = false,
            QueueLimit = 0,
        };
        _buckets = PartitionedRateLimiter.Create<long, long>(organizationId =>
            RateLimitPartition.Get(organizationId, _ => new ClockTokenBucketRateLimiter(bucket, clock)));
    }

    public bool Enabled => _settings.Enabled;

    /// <summary>Charges <paramref name="complexity"/> (at least 1, at most the bucket) to the organization's bucket.</summary>
    public CostBudgetStatus Charge(long organizationId, double complexity)
    {
        var charge = (int)Math.Clamp(Math.Ceiling(complexity), 1, _settings.CostBucketSize);
        using var lease = _buckets.AttemptAcquire(organizationId, charge);
        var available = _buckets.GetStatistics(organizationId)?.CurrentAvailablePermits ?? 0;
        var retryAfter = !lease.IsAcquired && lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : TimeSpan.Zero;
        return new CostBudgetStatus(charge, lease.IsAcquired, _settings.CostBucketSize, available, _settings.CostRestorePerSecond, retryAfter);
    }

    /// <summary>The bucket without charging it, for requests refused before the charge.</summary>
    public CostBudgetStatus Peek(long organizationId) =>
        new(0, true, _settings.CostBucketSize, _buckets.GetStatistics(organizationId)?.CurrentAvailablePermits ?? 0, _settings.CostRestorePerSecond, TimeSpan.Zero);

    public ValueTask DisposeAsync() => _buckets.DisposeAsync();
}
