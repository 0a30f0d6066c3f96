using Headless.Data;
using Headless.Orders;
using Headless.Outbox;

namespace Headless.Fulfillment;

/// <summary>Groups a paid order's lines by pharmacy into partner orders and queues one submission each.</summary>
public static class PartnerRouting
{
    public const string SubmitKind = "partner-order.submit";

    public static string SubmitKey(long partnerOrderId) => $"partner-order-{partnerOrderId}-submit";

    /// <summary>Runs inside the caller's transaction, after the order was authorized and its lines moved to SUBMITTED (<see cref="Orders.Lifecycle.LineChanges"/>).</summary>
    public static async Task RouteAsync(HeadlessDbContext db, Order order, DateTimeOffset now, CancellationToken ct)
    {
        var partnerOrders = order.Lines
            .GroupBy(l => l.PharmacyId)
            .OrderBy(g => g.Key)
            .Select(g => (Lines: g.ToList(), PartnerOrder: new PartnerOrder(order.OrganizationId, order.Id, g.Key, now)))
            .ToList();
        db.PartnerOrders.AddRange(partnerOrders.Select(p => p.PartnerOrder));
        await db.SaveChangesAsync(ct);

        foreach (var (lines, partnerOrder) in partnerOrders)
        {
            foreach (var line in lines)
            {
                line.AssignPartnerOrder(partnerOrder.Id);
            }

            OutboxQueue.Enqueue(db, SubmitKind, SubmitKey(partnerOrder.Id), new SubmitPartnerOrder(partnerOrder.Id), order.OrganizationId, now, order.ClinicId);
        }

        await db.SaveChangesAsync(ct);
    }
}

/// <summary>Payload of a partner-order.submit outbox message: only the key; the handler reads the rest fresh.</summary>
public sealed record SubmitPartnerOrder(long PartnerOrderId);
