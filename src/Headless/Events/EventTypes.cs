namespace Headless.Events;

/// <summary>The closed set of event types. The event log, subscriptions and webhooks share them.</summary>
public static class EventTypes
{
    public const string OrderCreated = "order.created";
    public const string OrderPaymentAuthorized = "order.payment_authorized";
    public const string OrderPaymentFailed = "order.payment_failed";
    public const string OrderPaymentCaptured = "order.payment_captured";
    public const string OrderPaymentVoided = "order.payment_voided";
    public const string OrderRefunded = "order.refunded";
    public const string OrderLineStatusChanged = "order_line.status_changed";
    public const string CartChanged = "cart.changed";
    public const string SupportTicketOpened = "support_ticket.opened";
    public const string SupportTicketUpdated = "support_ticket.updated";

    /// <summary>Every type with what it means, in the order the schema lists them.</summary>
    public static readonly IReadOnlyDictionary<string, string> All = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        [OrderCreated] = "Checkout created an order (its payment is being authorized). Payload: order number, clinic, total, line numbers and ids.",
        [OrderPaymentAuthorized] = "The order's one payment was authorized; its lines went to the pharmacies. Payload: order number, total.",
        [OrderPaymentFailed] = "The authorization was declined or failed; the cart is open again. Payload: order number, failure code.",
        [OrderPaymentCaptured] = "The accepted lines were charged, once. Payload: order number, captured amount, the lines charged.",
        [OrderPaymentVoided] = "No line was accepted: the authorization was released and nothing was charged. Payload: order number, the lines.",
        [OrderRefunded] = "A line declined after the capture was refunded for its amount. Payload: order number, line, amount, refunded total.",
        [OrderLineStatusChanged] = "An order line changed: status, hold owner or reason, or tracking. Payload: line and order numbers, patient external id, from, to, reason code, owner, tracking, sequence.",
        [CartChanged] = "A clinic's cart was edited, frozen for checkout, reopened or checked out. Payload: cart version, line count, status.",
        [SupportTicketOpened] = "A clinic opened a support ticket on an order line. Payload: ticket, line and order numbers and ids, patient external id, status, author, message count; never the subject or message text.",
        [SupportTicketUpdated] = "A support ticket changed status or got a message (from the clinic or the pharmacy). Payload: as support_ticket.opened, plus the previous status.",
    };
}
