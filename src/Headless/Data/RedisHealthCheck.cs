using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Headless.Data;

/// <summary>
/// Ready only while the configured Redis answers a PING; always ready when none is configured (one instance). Above one
/// instance, an instance cut off from Redis still serves, but its subscribers hear of other instances' commits only at
/// the feed's poll interval, so a load balancer should prefer the others (README "Running several instances").
/// </summary>
internal sealed class RedisHealthCheck(RedisConnection redis) : IHealthCheck
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(2);

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (!redis.Configured)
        {
            return HealthCheckResult.Healthy("Redis is not configured.");
        }

        try
        {
            var connection = await redis.GetAsync().WaitAsync(Patience, cancellationToken);
            if (connection is null || !connection.IsConnected)
            {
                return HealthCheckResult.Unhealthy("Redis is not connected.");
            }

            await connection.GetDatabase().PingAsync().WaitAsync(Patience, cancellationToken);
            return HealthCheckResult.Healthy();
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // The type only: StackExchange.Redis messages name endpoints and settings.
            return HealthCheckResult.Unhealthy($"The Redis probe failed ({ex.GetType().Name}).");
        }
    }
}
