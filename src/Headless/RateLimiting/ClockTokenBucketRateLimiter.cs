using System.Threading.RateLimiting;

namespace Headless.RateLimiting;

/// <summary>
/// A token bucket with the semantics of <see cref="TokenBucketRateLimiter"/> (same options type: TokenLimit,
/// TokensPerPeriod, ReplenishmentPeriod; no queue), but whose time is the app's <see cref="TimeProvider"/>.
/// <para>
/// The built-in limiter cannot follow a TimeProvider: even with AutoReplenishment off, TryReplenish only adds
/// tokens once a real ReplenishmentPeriod has passed on the system's monotonic clock, and a
/// <see cref="PartitionedRateLimiter"/> calls TryReplenish on its partitions from a real 100 ms timer. So this
/// limiter reports <see cref="IsAutoReplenishing"/> false and replenishes from the clock: whole periods elapsed
/// since the last replenishment, computed on every acquisition and whenever the partitioned limiter's timer calls
/// <see cref="TryReplenish"/>. Tests move the fake clock and see exactly the tokens the elapsed periods give.
/// </para>
/// </summary>
public sealed class ClockTokenBucketRateLimiter : ReplenishingRateLimiter
{
    private readonly TokenBucketRateLimiterOptions _options;
    private readonly TimeProvider _clock;
    private readonly Lock _lock = new();
    private long _tokens;
    private DateTimeOffset _lastReplenished;
    private DateTimeOffset? _fullSince;
    private long _successful;
    private long _failed;

    public ClockTokenBucketRateLimiter(TokenBucketRateLimiterOptions options, TimeProvider clock)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(options.TokenLimit, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.TokensPerPeriod, 1);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(options.ReplenishmentPeriod, TimeSpan.Zero);
        _options = options;
        _clock = clock;
        _tokens = options.TokenLimit;
        _lastReplenished = clock.GetUtcNow();
        _fullSince = _lastReplenished;
    }

    public override bool IsAutoReplenishing => false;

    public override TimeSpan ReplenishmentPeriod => _options.ReplenishmentPeriod;

    public int TokenLimit => _options.TokenLimit;

    /// <summary>Tokens restored per second, as clients are told (Shopify's restoreRate).</summary>
    public double RestorePerSecond => _options.TokensPerPeriod / _options.ReplenishmentPeriod.TotalSeconds;

    /// <summary>How long a full bucket has sat unused; the partitioned limiter drops such partitions.</summary>
    public override TimeSpan? IdleDuration
    {
        get
        {
            lock (_lock)
            {
                Replenish();
                return _fullSince is { } since ? _clock.GetUtcNow() - since : null;
            }
        }
    }

    public override bool TryReplenish()
    {
        lock (_lock)
        {
            Replenish();
        }

        return true;
    }

    public override RateLimiterStatistics? GetStatistics()
    {
        lock (_lock)
        {
            Replenish();
            return new RateLimiterStatistics
            {
                CurrentAvailablePermits = _tokens,
                CurrentQueuedCount = 0,
                TotalSuccessfulLeases = _successful,
                TotalFailedLeases = _failed,
            };
        }
    }

    /// <summary>Time until <paramref name="permitCount"/> tokens are available, on this limiter's clock.</summary>
    public TimeSpan RetryAfter(int permitCount)
    {
        lock (_lock)
        {
            Replenish();
            return WaitFor(Math.Min(permitCount, _options.TokenLimit));
        }
    }

    protected override RateLimitLease AttemptAcquireCore(int permitCount)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(permitCount, _options.TokenLimit);
        lock (_lock)
        {
            Replenish();

            // Like the built-in limiter, zero permits succeed while any token is left: it asks "am I throttled?".
            if (permitCount == 0 ? _tokens > 0 : _tokens >= permitCount)
            {
                _tokens -= permitCount;
                if (permitCount > 0)
                {
                    _fullSince = null;
                }

                _successful++;
                return Lease.Acquired;
            }

            _failed++;
            return new Lease(false, WaitFor(Math.Max(permitCount, 1)));
        }
    }

    protected override ValueTask<RateLimitLease> AcquireAsyncCore(int permitCount, CancellationToken cancellationToken) =>
        ValueTask.FromResult(AttemptAcquireCore(permitCount));

    private void Replenish()
    {
        var now = _clock.GetUtcNow();
        var period = _options.ReplenishmentPeriod;
        var periods = (now - _lastReplenished).Ticks / period.Ticks;
        if (periods <= 0)
        {
            return;
        }

        _lastReplenished += TimeSpan.FromTicks(period.Ticks * periods);
        var added = Math.Min(periods, _options.TokenLimit) * _options.TokensPerPeriod;
        if (_tokens + added >= _options.TokenLimit)
        {
            _fullSince ??= now;
            _tokens = _options.TokenLimit;
        }
        else
        {
            _tokens += added;
        }
    }

    private TimeSpan WaitFor(int permitCount)
    {
        var missing = permitCount - _tokens;
        if (missing <= 0)
        {
            return TimeSpan.Zero;
        }

        var periods = (missing + _options.TokensPerPeriod - 1) / _options.TokensPerPeriod;
        var nextReplenishment = _lastReplenished + _options.ReplenishmentPeriod;
        return nextReplenishment - _clock.GetUtcNow() + TimeSpan.FromTicks(_options.ReplenishmentPeriod.Ticks * (periods - 1));
    }

    private sealed class Lease(bool acquired, TimeSpan? retryAfter) : RateLimitLease
    {
        public static readonly Lease Acquired = new(true, null);

        public override bool IsAcquired => acquired;

        public override IEnumerable<string> MetadataNames => retryAfter is null ? [] : [MetadataName.RetryAfter.Name];

        public override bool TryGetMetadata(string metadataName, out object? metadata)
        {
            if (retryAfter is { } value && metadataName == MetadataName.RetryAfter.Name)
            {
                metadata = value;
                return true;
            }

            metadata = null;
            return false;
        }
    }
}
