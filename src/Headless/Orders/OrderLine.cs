using System.Globalization;
using Headless.Carts;
using Headless.Shared;
using Headless.Orders.Lifecycle;

namespace Headless.Orders;

/// <summary>Order line statuses, stored as strings (DESIGN.md's lifecycle).</summary>
public static class OrderLineStatus
{
    public const string PendingPayment = "PENDING_PAYMENT";
    public const string PaymentFailed = "PAYMENT_FAILED";
    public const string Submitted = "SUBMITTED";
    public const string Received = "RECEIVED";
    public const string Compounding = "COMPOUNDING";
    public const string Shipped = "SHIPPED";
    public const string Delivered = "DELIVERED";
    public const string Rejected = "REJECTED";
    public const string Cancelled = "CANCELLED";
    public const string OnHold = "ON_HOLD";

    /// <summary>The pharmacy has taken the line on: it will be charged.</summary>
    public static bool IsAccepted(string status) => status is Received or Compounding or Shipped or Delivered or OnHold;

    /// <summary>The line will not be filled: it must not be charged (or is refunded).</summary>
    public static bool IsDeclined(string status) => status is Rejected or Cancelled;
}

/// <summary>Who must act next on a line, stored as strings.</summary>
public static class LineOwner
{
    public const string Pharmacy = "PHARMACY";
    public const string Clinic = "CLINIC";
    public const string Patient = "PATIENT";
    public const string Payment = "PAYMENT";
    public const string None = "NONE";

    public static bool IsValid(string? owner) => owner is Pharmacy or Clinic or Patient or Payment or None;

    /// <summary>The owner a status implies when nobody said otherwise.</summary>
    public static string For(string status, bool? fixable) => status switch
    {
        OrderLineStatus.PendingPayment or OrderLineStatus.PaymentFailed => Payment,
        OrderLineStatus.Submitted or OrderLineStatus.Received or OrderLineStatus.Compounding => Pharmacy,
        OrderLineStatus.Rejected => fixable == true ? Clinic : None,
        _ => None,
    };
}

/// <summary>Payment state of one line, stored as strings.</summary>
public static class LinePaymentStatus
{
    public const string Pending = "PENDING";
    public const string Authorized = "AUTHORIZED";
    public const string Captured = "CAPTURED";
    public const string Refunded = "REFUNDED";

    /// <summary>Declined before capture: never charged.</summary>
    public const string Voided = "VOIDED";

    /// <summary>Accepted only after the order's one capture: not charged.</summary>
    public const string NotCaptured = "NOT_CAPTURED";

    public const string Failed = "FAILED";
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
        UnitPrice = line.Offering.UnitPrice;
        LineTotal = priced.LineTotal;
        ShippingShare = priced.ShippingShare;
        Amount = priced.LandedCost;
        Status = OrderLineStatus.PendingPayment;
        PaymentStatus = LinePaymentStatus.Pending;
        StatusSince = now;
        Sequence = 1;
    }

    public long Id { get; private set; }

    public long OrganizationId { get; private set; }

    public long OrderId { get; private set; }

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

    public string Status { get; private set; } = OrderLineStatus.PendingPayment;

    public string PaymentStatus { get; private set; } = LinePaymentStatus.Pending;

    public string? StatusReasonCode { get; private set; }

    public string? StatusReasonMessage { get; private set; }

    public bool? StatusReasonFixable { get; private set; }

    public DateTimeOffset StatusSince { get; private set; }

    /// <summary>Grows with every change, so a receiver can drop a stale update.</summary>
    public int Sequence { get; private set; }

    /// <summary>Who must act next: PHARMACY, CLINIC, PATIENT, PAYMENT or NONE (see <see cref="LineOwner"/>).</summary>
    public string Owner { get; private set; } = LineOwner.Payment;

    /// <summary>The partner order (one submission to the line's pharmacy) the line travels in, once routed.</summary>
    public long? PartnerOrderId { get; private set; }

    public string? TrackingCarrier { get; private set; }

    public string? TrackingNumber { get; private set; }

    public string? TrackingUrl { get; private set; }

    public string Number => $"{Order.Number}-{Position.ToString("00", CultureInfo.InvariantCulture)}";

    public static string FormatNumber(string orderNumber, int position) => $"{orderNumber}-{position.ToString("00", CultureInfo.InvariantCulture)}";

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
        PaymentStatus = OrderLineStatus.IsDeclined(Status) ? LinePaymentStatus.Voided : LinePaymentStatus.NotCaptured;
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
    internal void ReinstateAfterRefusedCancellation(string previousStatus, bool orderStillAuthorized, DateTimeOffset now)
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

    private void Move(string status, string? reasonCode, string? message, bool? fixable, DateTimeOffset now) =>
        MoveTo(status, reasonCode, message, fixable, LineOwner.For(status, fixable), now);

    /// <summary>One lifecycle change: the new status, its reason and owner, and one more sequence number. Rules live in <see cref="LineLifecycle"/>.</summary>
    internal void MoveTo(string status, string? reasonCode, string? message, bool? fixable, string owner, DateTimeOffset since)
    {
        Owner = owner;
        Status = status;
        StatusReasonCode = reasonCode;
        StatusReasonMessage = message;
        StatusReasonFixable = fixable;
        StatusSince = since;
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
    internal void CountChange() => Sequence++;
}
