using System.ComponentModel;
using System.Globalization;
using Headless.Shared;

namespace Headless.Orders;

/// <summary>Order statuses, stored as their <see cref="WireEnum{T}"/> strings.</summary>
[Description("Where an order stands as a whole.")]
public enum OrderStatus
{
    [Description("Checkout created the order and is authorizing the payment.")]
    PendingPayment,

    [Description("The payment was declined or failed: nothing was routed, stock was released and the cart is open again.")]
    PaymentFailed,

    [Description("Paid (authorized) and handed to the pharmacies; follow each line's status.")]
    Submitted,
}

/// <summary>Where the order's one payment stands, stored as its <see cref="WireEnum{T}"/> string.</summary>
[Description("Where an order's one payment stands.")]
public enum PaymentStatus
{
    [Description("Authorization not answered yet.")]
    Pending,

    [Description("The total is held on the card; nothing is charged until the pharmacies decide.")]
    Authorized,

    [Description("The authorization was declined or failed.")]
    Failed,

    [Description("The accepted lines were charged, once.")]
    Captured,

    [Description("Some captured lines were refunded.")]
    PartiallyRefunded,

    [Description("Everything captured was refunded.")]
    Refunded,

    [Description("The hold was released without a charge (every line declined, or cancelled at the gateway).")]
    Canceled,
}

/// <summary>
/// What a cart became at checkout: one payment for every line, a human-readable parent number for finance,
/// and one order line per cart line with its own number and status.
/// </summary>
public sealed class Order : IEntity, ITenantOwned
{
    public const string NumberPrefix = "HX-";
    private const long NumberOffset = 10_000;

    private readonly List<OrderLine> _lines = [];

    private Order()
    {
    }

    public Order(long organizationId, long clinicId, long cartId, string idempotencyKey, string paymentMethodId, string currency, DateTimeOffset now)
    {
        OrganizationId = organizationId;
        ClinicId = clinicId;
        CartId = cartId;
        IdempotencyKey = idempotencyKey;
        PaymentMethodId = paymentMethodId;
        Currency = currency;
        Status = OrderStatus.PendingPayment;
        PaymentStatus = Orders.PaymentStatus.Pending;
        PlacedAt = now;
    }

    public long Id { get; private set; }

    public long OrganizationId { get; private set; }

    public long ClinicId { get; private set; }

    public long CartId { get; private set; }

    /// <summary>The client's key for this checkout, unique per organization: a retry finds this order.</summary>
    public string IdempotencyKey { get; private set; } = "";

    public string PaymentMethodId { get; private set; } = "";

    public OrderStatus Status { get; private set; } = OrderStatus.PendingPayment;

    public PaymentStatus PaymentStatus { get; private set; } = Orders.PaymentStatus.Pending;

    public string Currency { get; private set; } = Money.DefaultCurrency;

    public long Total { get; private set; }

    public long CapturedAmount { get; private set; }

    public long RefundedAmount { get; private set; }

    /// <summary>"stripe" or "sandbox": later captures and refunds go where the authorization was made.</summary>
    public string? Gateway { get; private set; }

    public string? PaymentIntentId { get; private set; }

    public string? PaymentFailureCode { get; private set; }

    public string? PaymentFailureMessage { get; private set; }

    public DateTimeOffset PlacedAt { get; private set; }

    public DateTimeOffset? AuthorizedAt { get; private set; }

    /// <summary>When the capture happens at the latest, whatever the pharmacies have decided by then.</summary>
    public DateTimeOffset? CaptureDeadline { get; private set; }

    public DateTimeOffset? CapturedAt { get; private set; }

    /// <summary>While set and in the future, one request is authorizing this order; others wait instead of calling the gateway too.</summary>
    public DateTimeOffset? PaymentLeaseUntil { get; private set; }

    /// <summary>Optimistic concurrency token: every change increments it.</summary>
    public int Version { get; private set; }

    public IReadOnlyList<OrderLine> Lines => _lines;

    /// <summary>"HX-10042": derived from the key, so it is unique however many checkouts run at once.</summary>
    public string Number => FormatNumber(Id);

    public static string FormatNumber(long id) => NumberPrefix + (NumberOffset + id).ToString(CultureInfo.InvariantCulture);

    /// <summary>Parses "HX-10042" (and a line number "HX-10042-03" gives its order) back to the key.</summary>
    public static bool TryParseNumber(string? number, out long id)
    {
        id = 0;
        if (number is null || !number.StartsWith(NumberPrefix, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        var digits = number.AsSpan(NumberPrefix.Length);
        var dash = digits.IndexOf('-');
        if (dash >= 0)
        {
            digits = digits[..dash];
        }

        if (!long.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var n) || n <= NumberOffset)
        {
            return false;
        }

        id = n - NumberOffset;
        return true;
    }

    public void AddLine(OrderLine line)
    {
        _lines.Add(line);
        Total = checked(Total + line.Amount);
    }

    /// <summary>
    /// Why the order must not be charged, or null when its money adds up: every line orders at least one unit for
    /// a positive amount, and the total is exactly the sum of the line amounts. Checked before the order is saved
    /// and again before the gateway is asked to authorize the total.
    /// </summary>
    public string? IntegrityProblem()
    {
        if (_lines.Count == 0)
        {
            return "The order has no lines.";
        }

        if (_lines.FirstOrDefault(l => l.Quantity < 1 || l.Amount <= 0) is { } bad)
        {
            return $"Line {bad.Position} orders {bad.Quantity} unit(s) for {bad.Amount}; every line needs at least one unit and a positive amount.";
        }

        var sum = _lines.Aggregate(0L, (total, l) => checked(total + l.Amount));
        return sum == Total && Total > 0 ? null : $"The total {Total} is not the sum of the line amounts, {sum}.";
    }

    /// <summary>What the accepted lines cost together; never more than was authorized.</summary>
    public long AcceptedAmount(IEnumerable<OrderLine> accepted)
    {
        var amount = accepted.Aggregate(0L, (total, l) => checked(total + l.Amount));
        return amount <= Total ? amount : throw new InvalidOperationException($"Order {Id}: the accepted lines ({amount}) cost more than was authorized ({Total}).");
    }

    public bool TryTakePaymentLease(DateTimeOffset now, TimeSpan length)
    {
        if (Status != OrderStatus.PendingPayment || PaymentLeaseUntil > now)
        {
            return false;
        }

        PaymentLeaseUntil = now + length;
        Version++;
        return true;
    }

    public void MarkAuthorized(string gateway, string paymentIntentId, DateTimeOffset now, TimeSpan captureWithin)
    {
        if (Status != OrderStatus.PendingPayment)
        {
            throw new InvalidOperationException($"Order is {Status.ToWire()}; only a pending order can be authorized.");
        }

        Gateway = gateway;
        PaymentIntentId = paymentIntentId;
        Status = OrderStatus.Submitted;
        PaymentStatus = Orders.PaymentStatus.Authorized;
        AuthorizedAt = now;
        CaptureDeadline = now + captureWithin;
        PaymentLeaseUntil = null;

        Version++;
    }

    public void MarkPaymentFailed(string gateway, string? paymentIntentId, string code, string message, DateTimeOffset now)
    {
        if (Status != OrderStatus.PendingPayment)
        {
            throw new InvalidOperationException($"Order is {Status.ToWire()}; only a pending order can fail payment.");
        }

        Gateway = gateway;
        PaymentIntentId = paymentIntentId;
        Status = OrderStatus.PaymentFailed;
        PaymentStatus = Orders.PaymentStatus.Failed;
        PaymentFailureCode = code;
        PaymentFailureMessage = message;
        PaymentLeaseUntil = null;

        Version++;
    }

    /// <summary>Records the one capture: the accepted lines are marked captured for their own amounts.</summary>
    public void MarkCaptured(IReadOnlyCollection<OrderLine> accepted, DateTimeOffset now)
    {
        if (PaymentStatus != Orders.PaymentStatus.Authorized)
        {
            throw new InvalidOperationException($"Payment is {PaymentStatus.ToWire()}; only an authorized payment can be captured.");
        }

        var amount = AcceptedAmount(accepted);
        foreach (var line in accepted)
        {
            line.MarkCaptured();
        }

        CapturedAmount = amount;
        PaymentStatus = Orders.PaymentStatus.Captured;
        CapturedAt = now;
        Version++;
    }

    public void MarkAuthorizationCanceled()
    {
        if (PaymentStatus is Orders.PaymentStatus.Authorized or Orders.PaymentStatus.Pending)
        {
            PaymentStatus = Orders.PaymentStatus.Canceled;
            PaymentLeaseUntil = null;
            Version++;
        }
    }

    /// <summary>True when the line's captured amount can be refunded without the refunds exceeding the capture.</summary>
    public bool CanRefund(OrderLine line) =>
        line.PaymentStatus == LinePaymentStatus.Captured && line.CapturedAmount > 0 && checked(RefundedAmount + line.CapturedAmount) <= CapturedAmount;

    public void MarkLineRefunded(OrderLine line)
    {
        if (!CanRefund(line))
        {
            throw new InvalidOperationException($"Order {Id}: refunding line {line.Position} would exceed what was captured.");
        }

        // Added to what is known, not recomputed from the lines: a refund made elsewhere (reported by the gateway) stays counted.
        RefundedAmount = checked(RefundedAmount + line.CapturedAmount);
        line.MarkRefunded();
        PaymentStatus = RefundedAmount >= CapturedAmount ? Orders.PaymentStatus.Refunded : Orders.PaymentStatus.PartiallyRefunded;
        Version++;
    }

    /// <summary>A refund reported by the gateway (e.g. made in its dashboard): never lowers what we already know.</summary>
    public void ObserveRefundedTotal(long refundedTotal)
    {
        if (refundedTotal <= RefundedAmount || CapturedAmount == 0)
        {
            return;
        }

        RefundedAmount = refundedTotal;
        PaymentStatus = RefundedAmount >= CapturedAmount ? Orders.PaymentStatus.Refunded : Orders.PaymentStatus.PartiallyRefunded;
        Version++;
    }
}
