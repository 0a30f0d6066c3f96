using System.Globalization;
using Headless.Orders;

namespace Headless.Payments;

/// <summary>
/// When a gateway event may change the order holding its PaymentIntent. Signed is not enough: a signed event for
/// an order paid elsewhere, in another currency, or for more than was authorized or captured is a sign of a
/// misconfigured account or a mix-up, and applying it would move the books away from the money. The checks, in order:
/// <list type="number">
/// <item>the order was paid through the event's gateway (GATEWAY_MISMATCH);</item>
/// <item>the object's metadata, when present, names this order and organization (ORDER_MISMATCH);</item>
/// <item>the currency is the order's (CURRENCY_MISMATCH);</item>
/// <item>amounts: capturable and received at most the order total (AMOUNT_EXCEEDS_AUTHORIZED), refunded at most what
/// was captured, by the order and by the charge (AMOUNT_EXCEEDS_CAPTURED), the authorized amount is the order total and
/// the charge's captured amount the order's (AMOUNT_MISMATCH);</item>
/// <item>the order's payment is in a state the event can follow (STATE_MISMATCH).</item>
/// </list>
/// </summary>
public static class PaymentEventRules
{
    /// <summary>Judges the event against the order and, when it applies, changes the order in memory (the caller saves).</summary>
    public static PaymentEventOutcome Apply(Order order, PaymentEvent e)
    {
        ArgumentNullException.ThrowIfNull(order);
        ArgumentNullException.ThrowIfNull(e);
        if (Mismatch(order, e) is { } reason)
        {
            return PaymentEventOutcome.Ignored(reason);
        }

        switch (e.Kind)
        {
            case PaymentEventKind.AmountCapturableUpdated:
                // Our own record of the authorization came from the gateway's answer at checkout: the event can only confirm it.
                return order.Status == OrderStatus.Submitted ? PaymentEventOutcome.Unchanged : PaymentEventOutcome.Ignored(PaymentEventReason.StateMismatch);

            case PaymentEventKind.PaymentFailed:
                // A failure reported for an order we hold as authorized contradicts the gateway's own answer: not applied.
                return order.Status == OrderStatus.PaymentFailed ? PaymentEventOutcome.Unchanged : PaymentEventOutcome.Ignored(PaymentEventReason.StateMismatch);

            case PaymentEventKind.Canceled:
                switch (order.PaymentStatus)
                {
                    case PaymentStatus.Authorized:
                        // The hold expired or was released at the gateway: nothing can be captured any more.
                        order.MarkAuthorizationCanceled();
                        return PaymentEventOutcome.Applied;
                    case PaymentStatus.Canceled or PaymentStatus.Failed:
                        return PaymentEventOutcome.Unchanged; // our own release, or a declined attempt cleaned up
                    default:
                        return PaymentEventOutcome.Ignored(PaymentEventReason.StateMismatch); // captured money is not un-captured
                }

            case PaymentEventKind.Refunded:
                var refunded = e.AmountRefunded ?? 0;
                if (refunded <= order.RefundedAmount)
                {
                    return PaymentEventOutcome.Unchanged; // our own refund, an older report arriving late, or a released hold
                }

                if (order.PaymentStatus is not (PaymentStatus.Captured or PaymentStatus.PartiallyRefunded or PaymentStatus.Refunded))
                {
                    return PaymentEventOutcome.Ignored(PaymentEventReason.StateMismatch); // nothing captured, nothing to refund
                }

                order.ObserveRefundedTotal(refunded);
                return PaymentEventOutcome.Applied;

            default:
                return PaymentEventOutcome.Ignored(PaymentEventReason.UnhandledEventType);
        }
    }

    private static string? Mismatch(Order order, PaymentEvent e)
    {
        if (!string.Equals(order.Gateway, e.Gateway, StringComparison.Ordinal))
        {
            return PaymentEventReason.GatewayMismatch;
        }

        if ((e.OrderNumber is not null && !string.Equals(e.OrderNumber, order.Number, StringComparison.OrdinalIgnoreCase)) ||
            (e.OrganizationId is not null && e.OrganizationId != order.OrganizationId.ToString(CultureInfo.InvariantCulture)))
        {
            return PaymentEventReason.OrderMismatch;
        }

        if (!string.Equals(e.Currency, order.Currency, StringComparison.OrdinalIgnoreCase))
        {
            return PaymentEventReason.CurrencyMismatch;
        }

        if (e.AmountCapturable > order.Total || e.AmountReceived > order.Total)
        {
            return PaymentEventReason.AmountExceedsAuthorized;
        }

        if (e.AmountRefunded is { } refunded && (refunded > order.CapturedAmount || refunded > (e.AmountCaptured ?? 0)))
        {
            return PaymentEventReason.AmountExceedsCaptured;
        }

        if (e.Amount != order.Total || (e.Kind == PaymentEventKind.Refunded && e.AmountCaptured != order.CapturedAmount))
        {
            return PaymentEventReason.AmountMismatch;
        }

        return null;
    }
}
