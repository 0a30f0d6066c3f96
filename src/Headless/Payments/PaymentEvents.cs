namespace Headless.Payments;

/// <summary>
/// What a gateway told us asynchronously (Stripe webhooks), in gateway-neutral terms: the figures of the
/// PaymentIntent or charge as the gateway reported them, so the sink can check them against the order before
/// anything applies.
/// </summary>
/// <param name="Gateway">The gateway that reported it ("stripe"): it applies only to an order paid there.</param>
/// <param name="Currency">The ISO currency code as the gateway wrote it ("usd").</param>
/// <param name="Amount">The PaymentIntent's (or the charge's) amount: what was authorized.</param>
/// <param name="AmountCapturable">PaymentIntent events: what may still be captured.</param>
/// <param name="AmountReceived">PaymentIntent events: what was captured.</param>
/// <param name="AmountCaptured">charge.refunded: what the charge captured.</param>
/// <param name="AmountRefunded">charge.refunded: the charge's total refunded so far.</param>
/// <param name="OrderNumber">The order number in the object's metadata, when present.</param>
/// <param name="OrganizationId">The organization id in the object's metadata, when present.</param>
public sealed record PaymentEvent(
    PaymentEventKind Kind,
    string Gateway,
    string PaymentIntentId,
    string Currency,
    long Amount,
    long? AmountCapturable = null,
    long? AmountReceived = null,
    long? AmountCaptured = null,
    long? AmountRefunded = null,
    string? FailureCode = null,
    string? FailureMessage = null,
    string? OrderNumber = null,
    string? OrganizationId = null);

public enum PaymentEventKind
{
    /// <summary>The authorized amount changed (payment_intent.amount_capturable_updated).</summary>
    AmountCapturableUpdated,

    /// <summary>The payment failed (payment_intent.payment_failed).</summary>
    PaymentFailed,

    /// <summary>The authorization was released (payment_intent.canceled).</summary>
    Canceled,

    /// <summary>Money went back to the card (charge.refunded).</summary>
    Refunded,
}

/// <summary>
/// What became of a gateway event: <see cref="PaymentEventResult.Applied"/> (the order changed),
/// <see cref="PaymentEventResult.Unchanged"/> (it matched the order, which already knew it) or
/// <see cref="PaymentEventResult.Ignored"/> with a <see cref="PaymentEventReason"/> code.
/// </summary>
public sealed record PaymentEventOutcome(string Result, string? Reason)
{
    public static readonly PaymentEventOutcome Applied = new(PaymentEventResult.Applied, null);

    public static readonly PaymentEventOutcome Unchanged = new(PaymentEventResult.Unchanged, null);

    public static PaymentEventOutcome Ignored(string reason) => new(PaymentEventResult.Ignored, reason);

    public bool IsIgnored => Result == PaymentEventResult.Ignored;
}

/// <summary>The results of a payment event, stored as strings.</summary>
public static class PaymentEventResult
{
    public const string Applied = "APPLIED";
    public const string Unchanged = "UNCHANGED";
    public const string Ignored = "IGNORED";
}

/// <summary>Why a payment event was ignored, stored as strings. None of them changes anything.</summary>
public static class PaymentEventReason
{
    /// <summary>An event type the service does not act on.</summary>
    public const string UnhandledEventType = "UNHANDLED_EVENT_TYPE";

    /// <summary>A charge that belongs to no PaymentIntent.</summary>
    public const string NoPaymentIntent = "NO_PAYMENT_INTENT";

    /// <summary>No order holds the PaymentIntent.</summary>
    public const string UnknownPaymentIntent = "UNKNOWN_PAYMENT_INTENT";

    /// <summary>The order holding the PaymentIntent was paid through another gateway (e.g. the sandbox).</summary>
    public const string GatewayMismatch = "GATEWAY_MISMATCH";

    /// <summary>The object's metadata names another order number or organization.</summary>
    public const string OrderMismatch = "ORDER_MISMATCH";

    /// <summary>The event is in another currency than the order.</summary>
    public const string CurrencyMismatch = "CURRENCY_MISMATCH";

    /// <summary>The authorized amount differs from the order total, or the charge's captured amount from the order's.</summary>
    public const string AmountMismatch = "AMOUNT_MISMATCH";

    /// <summary>A capturable or received amount above what the order authorized.</summary>
    public const string AmountExceedsAuthorized = "AMOUNT_EXCEEDS_AUTHORIZED";

    /// <summary>A refunded total above what was captured.</summary>
    public const string AmountExceedsCaptured = "AMOUNT_EXCEEDS_CAPTURED";

    /// <summary>The order's payment is in a state the event cannot follow (a refund before any capture, a cancellation after one...).</summary>
    public const string StateMismatch = "STATE_MISMATCH";

    public static readonly IReadOnlyList<string> All =
    [
        UnhandledEventType, NoPaymentIntent, UnknownPaymentIntent, GatewayMismatch, OrderMismatch, CurrencyMismatch,
        AmountMismatch, AmountExceedsAuthorized, AmountExceedsCaptured, StateMismatch,
    ];
}

/// <summary>Applies gateway events to orders. Implemented by the payment settlement; called by the webhook endpoint.</summary>
public interface IPaymentEventSink
{
    /// <summary>
    /// Applies the event to the order holding its PaymentIntent when everything matches, and says what became of it.
    /// Throws only when applying failed (the caller lets the gateway redeliver).
    /// </summary>
    Task<PaymentEventOutcome> ApplyAsync(PaymentEvent paymentEvent, CancellationToken ct);
}
