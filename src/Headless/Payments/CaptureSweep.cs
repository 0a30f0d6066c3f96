namespace Headless.Payments;

/// <summary>Runs the capture policy on a timer: deadlines that came, and work a crash may have left half done.</summary>
internal sealed class CaptureSweep(PaymentSettlement settlement, Microsoft.Extensions.Options.IOptions<PaymentOptions> options, TimeProvider clock, ILogger<CaptureSweep> logger)
    : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Shared.IntervalLoop.RunAsync(
            options.Value.CaptureSweepInterval,
            clock,
            SweepOnceAsync,
            ex => logger.LogError("Capture sweep failed: {ExceptionType}", ex.GetType().Name),
            stoppingToken);

    public async Task SweepOnceAsync(CancellationToken ct)
    {
        foreach (var orderId in await settlement.FindWorkAsync(ct))
        {
            await settlement.AuthorizeAsync(orderId, leaseHeld: false, ct);
            await settlement.SettleAsync(orderId, ct);
        }
    }
}
