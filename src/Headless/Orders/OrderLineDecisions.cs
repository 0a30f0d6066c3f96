using Headless.Catalog;
using Headless.Data;
using Headless.Payments;
using Headless.Tracking;
using Microsoft.EntityFrameworkCore;

namespace Headless.Orders;

/// <summary>
/// What pharmacies (and clinics) decide about single lines. Each decision follows the
/// <see cref="LineLifecycle"/> rules, is saved with its audit event in one transaction under the line's
/// lock, and then hands the order to the capture policy, which charges or refunds accordingly.
/// </summary>
public sealed class OrderLineDecisions(HeadlessDatabase database, PaymentSettlement settlement, TimeProvider clock)
{
    /// <summary>The pharmacy took the line on (SUBMITTED to RECEIVED). Throws when the line is not SUBMITTED.</summary>
    public Task AcceptAsync(long lineId, CancellationToken ct) =>
        DecideAsync(lineId, line => line.Status == OrderLineStatus.Submitted ? new LineSignal(OrderLineStatus.Received, EventSource.Pharmacy, null) : null, ct);

    /// <summary>The pharmacy rejected the line (before SHIPPED). Throws when the lifecycle does not allow it.</summary>
    public Task RejectAsync(long lineId, string reasonCode, string message, bool fixable, CancellationToken ct) =>
        DecideAsync(lineId, _ => new LineSignal(OrderLineStatus.Rejected, EventSource.Pharmacy, null, reasonCode, message, fixable), ct);

    /// <summary>The clinic cancelled the line (before COMPOUNDING). Throws when the lifecycle does not allow it.</summary>
    public Task CancelAsync(long lineId, string? reason, CancellationToken ct) =>
        DecideAsync(
            lineId,
            _ => new LineSignal(OrderLineStatus.Cancelled, EventSource.Clinic, null, LineLifecycle.CancelledByClinic, string.IsNullOrWhiteSpace(reason) ? "Cancelled by the clinic." : reason.Trim(), false),
            ct);

    /// <summary>
    /// The clinic cancels a line (allowed before COMPOUNDING). The pharmacy is told through the outbox, queued in
    /// the same transaction; the payment is adjusted by the capture policy. Returns why not, when it cannot be cancelled.
    /// </summary>
    public async Task<string?> CancelByClinicAsync(long lineId, string? reason, CancellationToken ct)
    {
        long orderId;
        LineChangeResult result;
        await using (var db = database.CreatePlatformContext())
        {
            await using var tx = await db.Database.BeginTransactionAsync(ct);
            await LineLifecycle.LockAsync(db, lineId, ct);
            var line = await db.OrderLines.IgnoreQueryFilters().FirstAsync(l => l.Id == lineId, ct);
            var now = clock.GetUtcNow();
            result = await LineLifecycle.ApplyAsync(
                db,
                line,
                new LineSignal(OrderLineStatus.Cancelled, EventSource.Clinic, null, LineLifecycle.CancelledByClinic, string.IsNullOrWhiteSpace(reason) ? "Cancelled by the clinic." : reason.Trim(), false),
                now,
                ct);
            if (!result.Changed)
            {
                return $"A {line.Status} line can no longer be cancelled; lines can be cancelled until the pharmacy starts compounding.";
            }

            Outbox.OutboxQueue.Enqueue(db, Fulfillment.CancelLineHandler.CancelKind, Fulfillment.CancelLineHandler.Key(lineId), new Fulfillment.CancelPartnerLine(lineId), line.OrganizationId, now);
            await db.SaveChangesAsync(ct);
            await tx.CommitAsync(ct);
            orderId = line.OrderId;
        }

        if (result.DecidesPayment)
        {
            await settlement.SettleAsync(orderId, ct);
        }

        return null;
    }

    /// <summary>
    /// The pharmacy refused a cancellation (work had started): undo the clinic's cancellation so the pharmacy's
    /// later events apply, and record why on the audit trail. Nothing happens when the line moved on meanwhile.
    /// </summary>
    public async Task ReinstateAfterRefusedCancellationAsync(long lineId, CancellationToken ct)
    {
        await using var db = database.CreatePlatformContext();
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        await LineLifecycle.LockAsync(db, lineId, ct);
        var line = await db.OrderLines.IgnoreQueryFilters().Include(l => l.Order).FirstAsync(l => l.Id == lineId, ct);
        if (line.Status != OrderLineStatus.Cancelled || line.StatusReasonCode != LineLifecycle.CancelledByClinic)
        {
            return;
        }

        var cancellation = await db.OrderLineEvents.IgnoreQueryFilters()
            .Where(e => e.OrderLineId == lineId && e.ToStatus == OrderLineStatus.Cancelled)
            .OrderByDescending(e => e.Id)
            .FirstAsync(ct);
        var previous = cancellation.FromStatus ?? OrderLineStatus.Submitted;
        var now = clock.GetUtcNow();
        line.ReinstateAfterRefusedCancellation(previous, line.Order.PaymentStatus == PaymentStatus.Authorized, now);
        await StockLedger.RetakeAsync(db, new Dictionary<long, int> { [line.OfferingId] = line.Quantity }, ct);
        db.OrderLineEvents.Add(new OrderLineEvent(line.OrganizationId, line.Id, now, EventSource.Pharmacy, OrderLineStatus.Cancelled, previous, OrderLine.CancelRefused, "The pharmacy had already started work and refused the cancellation.", null, line.Sequence));
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
    }

    private async Task DecideAsync(long lineId, Func<OrderLine, LineSignal?> decide, CancellationToken ct)
    {
        long orderId;
        LineChangeResult result;
        await using (var db = database.CreatePlatformContext())
        {
            await using var tx = await db.Database.BeginTransactionAsync(ct);
            await LineLifecycle.LockAsync(db, lineId, ct);
            var line = await db.OrderLines.IgnoreQueryFilters().FirstAsync(l => l.Id == lineId, ct);
            var signal = decide(line) ?? throw new InvalidOperationException($"A {line.Status} line cannot be accepted.");
            result = await LineLifecycle.ApplyAsync(db, line, signal, clock.GetUtcNow(), ct);
            if (!result.Changed)
            {
                throw new InvalidOperationException($"A {line.Status} line cannot become {signal.Status}: {result.Reason}.");
            }

            await db.SaveChangesAsync(ct);
            await tx.CommitAsync(ct);
            orderId = line.OrderId;
        }

        if (result.DecidesPayment)
        {
            await settlement.SettleAsync(orderId, ct);
        }
    }
}

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
