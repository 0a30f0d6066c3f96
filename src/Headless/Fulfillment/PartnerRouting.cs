using Headless.Data;
using Headless.Orders;
using Headless.Outbox;

namespace Headless.Fulfillment;

/// <summary>Groups a paid order's lines by pharmacy into partner orders and queues one submission each.</summary>
public static class PartnerRouting
{
    public const string SubmitKind = "partner-order.submit";

    public static string SubmitKey(long partnerOrderId) => $"partner-order-{partnerOrderId}-submit";

    /// <summary>
    /// Runs inside the caller's transaction, with the order authorized and its lines moved to SUBMITTED
    /// (<see cref="Orders.Lifecycle.LineChanges"/>): adds one partner order per pharmacy. The caller saves them (they get
    /// their keys) and then calls <see cref="Queue"/>.
    /// </summary>
    public static IReadOnlyList<(IReadOnlyList<OrderLine> Lines, PartnerOrder PartnerOrder)> Plan(HeadlessDbContext db, Order order, DateTimeOffset now)
    {
        var partnerOrders = order.Lines
            .GroupBy(l => l.PharmacyId)
            .OrderBy(g => g.Key)
            .Select(g => ((IReadOnlyList<OrderLine>)g.ToList(), new PartnerOrder(order.OrganizationId, order.Id, g.Key, now)))
            .ToList();
        db.PartnerOrders.AddRange(partnerOrders.Select(p => p.Item2));
        return partnerOrders;
    }

    /// <summary>Once the partner orders of <see cref="Plan"/> are saved: each line points to its partner order, and each partner order's submission is queued in the outbox, saved by the caller in the same transaction.</summary>
    public static void Queue(HeadlessDbContext db, Order order, IReadOnlyList<(IReadOnlyList<OrderLine> Lines, PartnerOrder PartnerOrder)> planned, DateTimeOffset now)
    {
        foreach (var (lines, partnerOrder) in planned)
        {
            foreach (var line in lines)
            {
                line.AssignPartnerOrder(partnerOrder.Id);
            }

            OutboxQueue.Enqueue(db, SubmitKind, SubmitKey(partnerOrder.Id), new SubmitPartnerOrder(partnerOrder.Id), order.OrganizationId, now, order.ClinicId);
        }
    }
}

/// <summary>Payload of a partner-order.submit outbox message: only the key; the handler reads the rest fresh.</summary>
public sealed record SubmitPartnerOrder(long PartnerOrderId);
