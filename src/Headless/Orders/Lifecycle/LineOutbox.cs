namespace Headless.Orders.Lifecycle;

/// <summary>Payload of a payment.settle outbox message: run the capture policy for this order.</summary>
public sealed record SettleOrder(long OrderId);

/// <summary>Payload of a partner-order.cancel-line outbox message: tell the line's pharmacy the clinic cancelled it.</summary>
public sealed record CancelPartnerLine(long OrderLineId);

/// <summary>
/// The work a line change leaves for others, queued in the outbox in the change's own transaction. The kinds are
/// named here so the capabilities that do the work (Payments, Fulfillment) depend on the lifecycle, not the reverse.
/// </summary>
public static class LineOutbox
{
    public const string SettleKind = "payment.settle";

    public const string CancelAtPharmacyKind = "partner-order.cancel-line";

    /// <summary>One settlement per deciding change: the line's sequence after the change makes the key unique.</summary>
    public static string SettleKey(long lineId, int sequence) => $"order-line-{lineId}-{sequence}-settle";

    /// <summary>
    /// One message per clinic cancellation, keyed by the line's sequence after it: a line whose cancellation the pharmacy
    /// refused can be cancelled again, and the pharmacy, which sees the key as the request's idempotency key, judges the
    /// new request instead of replaying its refusal.
    /// </summary>
    public static string CancelAtPharmacyKey(long lineId, int sequence) => $"order-line-{lineId}-{sequence}-cancel";
}
