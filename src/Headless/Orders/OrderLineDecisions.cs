using Headless.Data;
using Headless.Payments;
using Microsoft.EntityFrameworkCore;

namespace Headless.Orders;

/// <summary>
/// What pharmacies (and clinics) decide about single lines. Each decision is saved on its own line and
/// then hands the order to the capture policy, which charges or refunds accordingly.
/// </summary>
public sealed class OrderLineDecisions(HeadlessDatabase database, PaymentSettlement settlement, TimeProvider clock)
{
    public Task AcceptAsync(long lineId, CancellationToken ct) =>
        DecideAsync(lineId, line => line.Accept(clock.GetUtcNow()), ct);

    public Task RejectAsync(long lineId, string reasonCode, string message, bool fixable, CancellationToken ct) =>
        DecideAsync(lineId, line => line.Reject(reasonCode, message, fixable, clock.GetUtcNow()), ct);

    public Task CancelAsync(long lineId, string? reason, CancellationToken ct) =>
        DecideAsync(lineId, line => line.Cancel(reason, clock.GetUtcNow()), ct);

    private async Task DecideAsync(long lineId, Action<OrderLine> decide, CancellationToken ct)
    {
        long orderId;
        await using (var db = database.CreatePlatformContext())
        {
            var line = await db.OrderLines.IgnoreQueryFilters().Include(l => l.Order).FirstAsync(l => l.Id == lineId, ct);
            decide(line);
            await db.SaveChangesAsync(ct);
            orderId = line.OrderId;
        }

        await settlement.SettleAsync(orderId, ct);
    }
}

/// <summary>Runs the capture policy on a timer: deadlines that came, and work a crash may have left half done.</summary>
internal sealed class CaptureSweep(PaymentSettlement settlement, Microsoft.Extensions.Options.IOptions<PaymentOptions> options, TimeProvider clock, ILogger<CaptureSweep> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.CaptureSweepInterval, clock);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await SweepOnceAsync(stoppingToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                logger.LogError("Capture sweep failed: {ExceptionType}", ex.GetType().Name);
            }
        }
    }

    public async Task SweepOnceAsync(CancellationToken ct)
    {
        foreach (var orderId in await settlement.FindWorkAsync(ct))
        {
            await settlement.AuthorizeAsync(orderId, leaseHeld: false, ct);
            await settlement.SettleAsync(orderId, ct);
        }
    }
}
