using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Headless.Data;

/// <summary>Ready when the database answers a connection probe.</summary>
internal sealed class DatabaseHealthCheck(HeadlessDatabase database) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            await using var db = database.CreatePlatformContext();
            return await db.Database.CanConnectAsync(cancellationToken)
                ? HealthCheckResult.Healthy()
                : HealthCheckResult.Unhealthy("The database did not accept a connection.");
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return HealthCheckResult.Unhealthy("The database probe failed.", ex);
        }
    }
}
