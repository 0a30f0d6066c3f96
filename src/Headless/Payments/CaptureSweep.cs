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
            ex => LogFailure(logger, ex),
            stoppingToken);

    /// <summary>
    /// A sweep that lost a race is not an error: with several instances it locks an order's lines while a pharmacy callback
    /// or another instance's settlement does too (a deadlock, a lock timeout), and the next sweep picks the order up again.
    /// </summary>
    internal static void LogFailure(ILogger logger, Exception exception) =>
        logger.Log(Data.Contention.IsContention(exception) ? LogLevel.Debug : LogLevel.Error, "Capture sweep failed: {ExceptionType}", exception.GetType().Name);

    public async Task SweepOnceAsync(CancellationToken ct)
    {
        foreach (var orderId in await settlement.FindWorkAsync(ct))
        {
            await settlement.AuthorizeAsync(orderId, leaseHeld: false, ct);
            await settlement.SettleAsync(orderId, ct);
        }
    }
}
