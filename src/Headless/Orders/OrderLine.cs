using System.ComponentModel;
using System.Globalization;
using Headless.Carts;
using Headless.Orders.Lifecycle;
using Headless.Shared;

namespace Headless.Orders;

/// <summary>Order line statuses (DESIGN.md's lifecycle), stored as their <see cref="WireEnum{T}"/> strings.</summary>
[Description("The line lifecycle: SUBMITTED → RECEIVED → COMPOUNDING → SHIPPED → DELIVERED, with REJECTED, CANCELLED and ON_HOLD on the way.")]
public enum OrderLineStatus
{
    [Description("Waiting for the order's payment authorization.")]
    PendingPayment,

    [Description("The order's payment failed; the line was not routed.")]
    PaymentFailed,

    [Description("Paid and routed to its pharmacy.")]
    Submitted,

    [Description("The pharmacy accepted the line.")]
    Received,

    [Description("The pharmacy is compounding it.")]
    Compounding,

    [Description("On its way; see tracking.")]
    Shipped,

    [Description("Delivered.")]
    Delivered,

    [Description("The pharmacy rejected the line; see statusReason.")]
    Rejected,

    [Description("Cancelled by the clinic before compounding.")]
    Cancelled,

    [Description("Paused until someone acts; see the owner.")]
    OnHold,
}

public static class OrderLineStatuses
{
    /// <summary>The pharmacy has taken the line on: it will be charged.</summary>
    public static bool IsAccepted(this OrderLineStatus status) =>
        status is OrderLineStatus.Received or OrderLineStatus.Compounding or OrderLineStatus.Shipped or OrderLineStatus.Delivered or OrderLineStatus.OnHold;

    /// <summary>The line will not be filled: it must not be charged (or is refunded).</summary>
    public static bool IsDeclined(this OrderLineStatus status) => status is OrderLineStatus.Rejected or OrderLineStatus.Cancelled;
}

/// <summary>Who must act next on a line, stored as its <see cref="WireEnum{T}"/> string.</summary>
[Description("Who must act next on an order line.")]
public enum LineOwner
{
    [Description("The pharmacy: it has to receive, compound or ship the line, or resolve its own hold.")]
    Pharmacy,

    [Description("The clinic: a fixable rejection to correct and resubmit, or a hold waiting for the clinic.")]
    Clinic,

    [Description("The patient: a hold waiting for the patient (for example an address to confirm).")]
    Patient,

    [Description("The payment: the order's authorization is pending or failed.")]
    Payment,

    [Description("Nobody: the line is shipped, delivered, cancelled or rejected for good.")]
    None,
}

public static class LineOwners
{
    /// <summary>The owner a status implies when nobody said otherwise.</summary>
    public static LineOwner For(OrderLineStatus status, bool? fixable) => status switch
    {
        OrderLineStatus.PendingPayment or OrderLineStatus.PaymentFailed => LineOwner.Payment,
        OrderLineStatus.Submitted or OrderLineStatus.Received or OrderLineStatus.Compounding => LineOwner.Pharmacy,
        OrderLineStatus.Rejected => fixable == true ? LineOwner.Clinic : LineOwner.None,
        _ => LineOwner.None,
    };
}

/// <summary>Payment state of one line, stored as its <see cref="WireEnum{T}"/> string.</summary>
[Description("Where one line's share of the payment stands.")]
public enum LinePaymentStatus
{
    [Description("Authorization not answered yet.")]
    Pending,

    [Description("Held as part of the order's authorization.")]
    Authorized,

    [Description("Charged.")]
    Captured,

    [Description("Charged, then refunded for its own amount.")]
    Refunded,

    [Description("Declined before the capture: never charged.")]
    Voided,

    [Description("Accepted only after the order's one capture: not charged.")]
    NotCaptured,

    [Description("The order's authorization failed.")]
    Failed,
}

/// <summary>
/// One cart line after checkout: a stable number (HX-10042-03), the amounts the cart showed, and its own
/// status, so one rejected line never hides or stops the others.
/// </summary>
public sealed class OrderLine : IEntity, ITenantOwned
{
    private OrderLine()
    {
    }

    public OrderLine(Order order, int position, PricedLine priced, DateTimeOffset now)
    {
        var line = priced.Line;
        Order = order;
        OrganizationId = order.OrganizationId;
        ClinicId = order.ClinicId;
        Position = position;
        SourceCartLineId = line.Id;
        PatientId = line.PatientId;
        ProductId = line.ProductId;
        PharmacyId = line.PharmacyId;
        OfferingId = line.OfferingId;
        PrescriberId = line.PrescriberId ?? throw new InvalidOperationException("A validated line always has a prescriber.");
        Quantity = line.Quantity is >= 1 and var quantity ? quantity : throw new InvalidOperationException("A validated line always has a quantity of at least 1.");
        Sig = line.Sig ?? "";
        DaysSupply = line.DaysSupply ?? 0;
        ShipTo = line.ShipTo.Copy();
        RoutingReason = line.RoutingReason;
        UnitPrice = priced.UnitPrice;
        LineTotal = priced.LineTotal;
        ShippingShare = priced.ShippingShare;
        Amount = priced.LandedCost;
        Status = OrderLineStatus.PendingPayment;
        PaymentStatus = LinePaymentStatus.Pending;
        StatusSince = now;
        ChangedAt = now;
        Sequence = 1;
    }

    public long Id { get; private set; }

    public long OrganizationId { get; private set; }

    public long OrderId { get; private set; }

    /// <summary>The order's clinic, kept on the line so line searches filter by clinic without joining orders.</summary>
    public long ClinicId { get; private set; }

    public Order Order { get; private set; } = null!;

    /// <summary>1-based position in the order; with the order number it makes the line number.</summary>
    public int Position { get; private set; }

    public long SourceCartLineId { get; private set; }

    public long PatientId { get; private set; }

    public long ProductId { get; private set; }

    public long PharmacyId { get; private set; }

    public long OfferingId { get; private set; }

    public long PrescriberId { get; private set; }

    public int Quantity { get; private set; }

    public string Sig { get; private set; } = "";

    public int DaysSupply { get; private set; }

    public Address ShipTo { get; private set; } = new();

    public string RoutingReason { get; private set; } = "";

    public long UnitPrice { get; private set; }

    public long LineTotal { get; private set; }

    public long ShippingShare { get; private set; }

    /// <summary>What this line costs the clinic: line total plus its shipping share. Captured and refunded per line.</summary>
    public long Amount { get; private set; }

    public long CapturedAmount { get; private set; }

    public long RefundedAmount { get; private set; }

    public OrderLineStatus Status { get; private set; } = OrderLineStatus.PendingPayment;

    public LinePaymentStatus PaymentStatus { get; private set; } = LinePaymentStatus.Pending;

    public string? StatusReasonCode { get; private set; }

    public string? StatusReasonMessage { get; private set; }

    public bool? StatusReasonFixable { get; private set; }

    public DateTimeOffset StatusSince { get; private set; }

    /// <summary>Grows with every change, so a receiver can drop a stale update.</summary>
    public int Sequence { get; private set; }

    /// <summary>When <see cref="Sequence"/> last moved: the "most recent change" line searches sort by.</summary>
    public DateTimeOffset ChangedAt { get; private set; }

    /// <summary>Who must act next: PHARMACY, CLINIC, PATIENT, PAYMENT or NONE (see <see cref="LineOwner"/>).</summary>
    public LineOwner Owner { get; private set; } = LineOwner.Payment;

    /// <summary>The partner order (one submission to the line's pharmacy) the line travels in, once routed.</summary>
    public long? PartnerOrderId { get; private set; }

    public string? TrackingCarrier { get; private set; }

    public string? TrackingNumber { get; private set; }

    public string? TrackingUrl { get; private set; }

    public string Number => $"{Order.Number}-{Position.ToString("00", CultureInfo.InvariantCulture)}";

    public static string FormatNumber(string orderNumber, int position) => $"{orderNumber}-{position.ToString("00", CultureInfo.InvariantCulture)}";

    /// <summary>Reads a line number (HX-10042-03) back into its order's key and its position; false for anything else.</summary>
    public static bool TryParseNumber(string? number, out long orderId, out int position)
    {
        position = 0;
        var dash = number?.LastIndexOf('-') ?? -1;
        if (!Order.TryParseNumber(number, out orderId) || dash <= Order.NumberPrefix.Length ||
            !int.TryParse(number.AsSpan(dash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out position) || position < 1)
        {
            orderId = 0;
            return false;
        }

        return true;
    }

    internal void Submit(DateTimeOffset now)
    {
        Move(OrderLineStatus.Submitted, null, null, null, now);
        PaymentStatus = LinePaymentStatus.Authorized;
    }

    internal void FailPayment(DateTimeOffset now)
    {
        Move(OrderLineStatus.PaymentFailed, null, null, null, now);
        PaymentStatus = LinePaymentStatus.Failed;
    }

    internal void MarkCaptured()
    {
        CapturedAmount = Amount;
        PaymentStatus = LinePaymentStatus.Captured;
    }

    internal void MarkNotCharged()
    {
        PaymentStatus = Status.IsDeclined() ? LinePaymentStatus.Voided : LinePaymentStatus.NotCaptured;
    }

    internal void MarkRefunded()
    {
        RefundedAmount = CapturedAmount;
        PaymentStatus = LinePaymentStatus.Refunded;
    }

    public void AssignPartnerOrder(long partnerOrderId) => PartnerOrderId = partnerOrderId;

    /// <summary>
    /// The pharmacy refused the clinic's cancellation because work had started: the line goes back to where it
    /// was, owned by the pharmacy again. Its share of the payment is held again when the order is still only
    /// authorized; after a capture it stays uncollected (or refunded), which the line's paymentStatus shows.
    /// </summary>
    internal void ReinstateAfterRefusedCancellation(OrderLineStatus previousStatus, bool orderStillAuthorized, DateTimeOffset now)
    {
        if (Status != OrderLineStatus.Cancelled)
        {
            throw new InvalidOperationException("Only a cancelled line can be reinstated.");
        }

        if (orderStillAuthorized && PaymentStatus == LinePaymentStatus.Voided)
        {
            PaymentStatus = LinePaymentStatus.Authorized;
        }

        MoveTo(previousStatus, CancelRefused, "The pharmacy had already started work and refused the cancellation.", false, LineOwner.Pharmacy, now);
    }

    /// <summary>statusReason code of a line whose cancellation the pharmacy refused.</summary>
    public const string CancelRefused = "CANCEL_REFUSED";

    private void Move(OrderLineStatus status, string? reasonCode, string? message, bool? fixable, DateTimeOffset now) =>
        MoveTo(status, reasonCode, message, fixable, LineOwners.For(status, fixable), now);

    /// <summary>One lifecycle change: the new status, its reason and owner, and one more sequence number. Rules live in <see cref="LineLifecycle"/>.</summary>
    internal void MoveTo(OrderLineStatus status, string? reasonCode, string? message, bool? fixable, LineOwner owner, DateTimeOffset since)
    {
        Owner = owner;
        Status = status;
        StatusReasonCode = reasonCode;
        StatusReasonMessage = message;
        StatusReasonFixable = fixable;
        StatusSince = since;
        ChangedAt = since > ChangedAt ? since : ChangedAt;
        Sequence++;
    }

    /// <summary>Sets the shipment tracking; false when it already says exactly that. The caller counts the change.</summary>
    internal bool SetTracking(string? carrier, string? number, string? url)
    {
        carrier ??= TrackingCarrier;
        number ??= TrackingNumber;
        url ??= TrackingUrl;
        if (carrier == TrackingCarrier && number == TrackingNumber && url == TrackingUrl)
        {
            return false;
        }

        TrackingCarrier = carrier;
        TrackingNumber = number;
        TrackingUrl = url;
        return true;
    }

    /// <summary>A change that keeps the status (tracking attached late): only the sequence moves.</summary>
    internal void CountChange(DateTimeOffset now)
    {
        ChangedAt = now > ChangedAt ? now : ChangedAt;
        Sequence++;
    }
}
