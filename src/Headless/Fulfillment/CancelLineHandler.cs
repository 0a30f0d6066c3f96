using Headless.Data;
using Headless.Orders;
using Headless.Orders.Lifecycle;
using Headless.Outbox;
using Microsoft.EntityFrameworkCore;

namespace Headless.Fulfillment;

/// <summary>Tells a line's pharmacy that the clinic cancelled it. Queued in the same transaction as the cancellation.</summary>
internal sealed class CancelLineHandler(HeadlessDatabase database, IPharmacyAdapter adapter, OrderLineDecisions decisions, ILogger<CancelLineHandler> logger) : IOutboxHandler
{
    public string Kind => LineOutbox.CancelAtPharmacyKind;

    public async Task HandleAsync(OutboxMessage message, CancellationToken ct)
    {
        var payload = OutboxQueue.Read<CancelPartnerLine>(message);
        await using var db = database.CreatePlatformContext();
        var line = await db.OrderLines.IgnoreQueryFilters().AsNoTracking().Include(l => l.Order).FirstAsync(l => l.Id == payload.OrderLineId, ct);
        var partnerOrder = line.PartnerOrderId is { } id ? await db.PartnerOrders.IgnoreQueryFilters().AsNoTracking().FirstAsync(p => p.Id == id, ct) : null;
        var pharmacy = await db.Pharmacies.AsNoTracking().FirstAsync(p => p.Id == line.PharmacyId, ct);
        if (!pharmacy.HasIntegration || partnerOrder is null)
        {
            return;
        }

        if (partnerOrder.Status != PartnerOrderStatus.Submitted || partnerOrder.ExternalReference is null)
        {
            // The submission has not reached the pharmacy yet; try again after it has.
            throw new InvalidOperationException("Partner order not submitted yet.");
        }

        if (!await adapter.CancelLineAsync(pharmacy, partnerOrder.ExternalReference, line.Number, message.Key, ct))
        {
            // Work had started at the pharmacy: the line is theirs again, and their events move it on from here.
            logger.LogWarning("Pharmacy {PharmacyId} refused to cancel order line {OrderLineId}: work had started", pharmacy.Id, line.Id);
            await decisions.ReinstateAfterRefusedCancellationAsync(line.Id, ct);
        }
    }
}
