using Headless.Data;
using Headless.Events;
using Headless.GraphQL;

namespace Headless.Orders;

/// <summary>An order's entries in the event log. Payloads carry ids, numbers and amounts, never patient data.</summary>
public static class OrderEvents
{
    /// <summary>order.created: checkout created the order; its payment is being authorized. Saved after the order has its key.</summary>
    public static void Created(HeadlessDbContext db, Order order, DateTimeOffset now) =>
        EventLog.Append(db, order.OrganizationId, EventTypes.OrderCreated, Subject(order), null, now, new
        {
            orderId = GlobalId.Encode("Order", order.Id),
            number = order.Number,
            clinicId = GlobalId.Encode("Clinic", order.ClinicId),
            cartId = GlobalId.Encode("Cart", order.CartId),
            lineCount = order.Lines.Count,
            total = new { amount = order.Total, currencyCode = order.Currency },
        });

    /// <summary>order.payment_authorized: the one payment was authorized; the lines go to their pharmacies.</summary>
    public static void PaymentAuthorized(HeadlessDbContext db, Order order, DateTimeOffset now) =>
        EventLog.Append(db, order.OrganizationId, EventTypes.OrderPaymentAuthorized, Subject(order), null, now, new
        {
            orderId = GlobalId.Encode("Order", order.Id),
            number = order.Number,
            paymentStatus = order.PaymentStatus,
            total = Money(order, order.Total),
            captureDeadline = order.CaptureDeadline,
        });

    /// <summary>order.payment_failed: the authorization was declined; the cart is open again.</summary>
    public static void PaymentFailed(HeadlessDbContext db, Order order, DateTimeOffset now) =>
        EventLog.Append(db, order.OrganizationId, EventTypes.OrderPaymentFailed, Subject(order), null, now, new
        {
            orderId = GlobalId.Encode("Order", order.Id),
            number = order.Number,
            paymentStatus = order.PaymentStatus,
            failureCode = order.PaymentFailureCode,
            total = Money(order, order.Total),
        });

    /// <summary>order.payment_captured: the accepted lines were charged, once; the others will not be.</summary>
    public static void PaymentCaptured(HeadlessDbContext db, Order order, DateTimeOffset now) =>
        EventLog.Append(db, order.OrganizationId, EventTypes.OrderPaymentCaptured, Subject(order), null, now, new
        {
            orderId = GlobalId.Encode("Order", order.Id),
            number = order.Number,
            paymentStatus = order.PaymentStatus,
            captured = Money(order, order.CapturedAmount),
            lines = Lines(order),
        });

    /// <summary>order.payment_voided: no line was accepted, so the authorization was released and nothing charged.</summary>
    public static void PaymentVoided(HeadlessDbContext db, Order order, DateTimeOffset now) =>
        EventLog.Append(db, order.OrganizationId, EventTypes.OrderPaymentVoided, Subject(order), null, now, new
        {
            orderId = GlobalId.Encode("Order", order.Id),
            number = order.Number,
            paymentStatus = order.PaymentStatus,
            lines = Lines(order),
        });

    /// <summary>order.refunded: one line declined after the capture was refunded for its amount.</summary>
    public static void Refunded(HeadlessDbContext db, Order order, OrderLine line, DateTimeOffset now) =>
        EventLog.Append(db, order.OrganizationId, EventTypes.OrderRefunded, new EventSubject(EventSubjectKind.OrderLine, line.Id, line.Number, order.Id, order.ClinicId), line.Sequence, now, new
        {
            orderId = GlobalId.Encode("Order", order.Id),
            number = order.Number,
            lineId = GlobalId.Encode("OrderLine", line.Id),
            lineNumber = line.Number,
            refunded = Money(order, line.RefundedAmount),
            refundedTotal = Money(order, order.RefundedAmount),
            paymentStatus = order.PaymentStatus,
            linePaymentStatus = line.PaymentStatus,
            sequence = line.Sequence,
        });

    private static object Money(Order order, long amount) => new { amount, currencyCode = order.Currency };

    private static object[] Lines(Order order) =>
        order.Lines.OrderBy(l => l.Position)
            .Select(l => (object)new { number = l.Number, paymentStatus = l.PaymentStatus, captured = l.CapturedAmount, sequence = l.Sequence })
            .ToArray();

    private static EventSubject Subject(Order order) => new(EventSubjectKind.Order, order.Id, order.Number, order.Id, order.ClinicId);
}
