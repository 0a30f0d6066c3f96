using GraphQL;
using GraphQL.Types;
using Headless.Catalog;
using Headless.Clinics;
using Headless.Data;
using Headless.GraphQL;
using Headless.Patients;
using Headless.Prescribers;
using Headless.Shared;
using Headless.Tracking;
using Microsoft.EntityFrameworkCore;

namespace Headless.Orders;

/// <summary>An order line with the patient, product, pharmacy and prescriber it points to, loaded for a whole page at once.</summary>
public sealed record OrderLineView(OrderLine Line, string OrderNumber, Patient Patient, Product Product, Pharmacy Pharmacy, Prescriber Prescriber) : IEntity
{
    public long Id => Line.Id;

    public string Number => OrderLine.FormatNumber(OrderNumber, Line.Position);

    /// <summary>Loads what a set of lines points to in four queries, whatever the number of lines.</summary>
    public static async Task<List<OrderLineView>> LoadAsync(HeadlessDbContext db, IReadOnlyList<OrderLine> lines, CancellationToken ct)
    {
        var patientIds = lines.Select(l => l.PatientId).Distinct().ToList();
        var productIds = lines.Select(l => l.ProductId).Distinct().ToList();
        var pharmacyIds = lines.Select(l => l.PharmacyId).Distinct().ToList();
        var prescriberIds = lines.Select(l => l.PrescriberId).Distinct().ToList();
        var patients = await db.Patients.AsNoTracking().IgnoreQueryFilters().Where(p => patientIds.Contains(p.Id)).ToDictionaryAsync(p => p.Id, ct);
        var products = await db.Products.AsNoTracking().Where(p => productIds.Contains(p.Id)).ToDictionaryAsync(p => p.Id, ct);
        var pharmacies = await db.Pharmacies.AsNoTracking().Where(p => pharmacyIds.Contains(p.Id)).ToDictionaryAsync(p => p.Id, ct);
        var prescribers = await db.Prescribers.AsNoTracking().IgnoreQueryFilters().Where(p => prescriberIds.Contains(p.Id)).ToDictionaryAsync(p => p.Id, ct);
        return lines.Select(l => new OrderLineView(l, Order.FormatNumber(l.OrderId), patients[l.PatientId], products[l.ProductId], pharmacies[l.PharmacyId], prescribers[l.PrescriberId])).ToList();
    }
}

public sealed class OrderType : NodeGraphType<Order>
{
    public OrderType()
        : base("Order", "A checked-out cart: one payment for every line, a parent number for finance, and one order line per cart line with its own number and status.")
    {
        Field<NonNullGraphType<StringGraphType>>("number").Description("Human-readable parent number, e.g. HX-10042. Unique and stable.").Resolve(c => c.Source.Number);
        Field<NonNullGraphType<OrderStatusType>>("status").Description("Where the order stands as a whole; each line has its own status.").Resolve(c => c.Source.Status);
        Field<NonNullGraphType<PaymentStatusType>>("paymentStatus").Description("Where the order's one payment stands.").Resolve(c => c.Source.PaymentStatus);
        Field<PaymentFailureType>("paymentFailure").Description("Why the payment failed, when paymentStatus is FAILED. A failed payment is not churn: the cart is open again.")
            .Resolve(c => c.Source.PaymentFailureCode is null ? null : c.Source);
        Field<NonNullGraphType<MoneyType>>("total").Description("What checkout authorized: the sum of the lines' amounts.").Resolve(c => new Money(c.Source.Total, c.Source.Currency));
        Field<NonNullGraphType<MoneyType>>("capturedAmount").Description("What was charged: the accepted lines, captured once.").Resolve(c => new Money(c.Source.CapturedAmount, c.Source.Currency));
        Field<NonNullGraphType<MoneyType>>("refundedAmount").Description("What was given back: lines declined after the capture.").Resolve(c => new Money(c.Source.RefundedAmount, c.Source.Currency));
        Field<NonNullGraphType<DateTimeScalar>>("placedAt").Description("When checkout created the order.").Resolve(c => c.Source.PlacedAt);
        Field<DateTimeScalar>("authorizedAt").Description("When the payment was authorized.").Resolve(c => c.Source.AuthorizedAt);
        Field<DateTimeScalar>("captureDeadline").Description("The latest moment of the capture, whatever the pharmacies have decided by then.").Resolve(c => c.Source.CaptureDeadline);
        Field<DateTimeScalar>("capturedAt").Description("When the accepted lines were charged.").Resolve(c => c.Source.CapturedAt);
        Field<NonNullGraphType<ClinicType>>("clinic").Description("The clinic that placed the order.")
            .ResolveAsync(async c => await c.WithDbAsync(async (db, ct) => (object?)await db.Clinics.AsNoTracking().FirstAsync(x => x.Id == c.Source.ClinicId, ct)));
        Field<NonNullGraphType<IntGraphType>>("lineCount").Description("How many lines the order has.").Resolve(c => c.Source.Lines.Count);
        Field<NonNullGraphType<ConnectionType<OrderLineType, OrderLineView>>>("lines")
            .Description("The order's lines in line-number order. At most 100 per page.")
            .PagingArguments()
            .ResolveAsync(async c =>
            {
                var (first, after) = c.ReadPaging();
                var page = c.Source.Lines.Where(l => after is null || l.Id > after).OrderBy(l => l.Id).Take(first).ToList();
                var views = await c.WithDbAsync((db, ct) => OrderLineView.LoadAsync(db, page, ct));
                var connection = Paging.ToConnection(views, first, null);
                var hasNext = c.Source.Lines.Count(l => after is null || l.Id > after) > first;
                return connection with { TotalCount = c.Source.Lines.Count, PageInfo = connection.PageInfo with { HasNextPage = hasNext, HasPreviousPage = after is not null } };
            });
    }
}

public sealed class PaymentFailureType : ObjectGraphType<Order>
{
    public PaymentFailureType()
    {
        Name = "PaymentFailure";
        Description = "Why an authorization failed, as the payment gateway said it.";
        Field<NonNullGraphType<StringGraphType>>("code").Description("The gateway's decline code, e.g. card_declined or insufficient_funds.").Resolve(c => c.Source.PaymentFailureCode);
        Field<NonNullGraphType<StringGraphType>>("message").Description("A message safe to show the coordinator.").Resolve(c => c.Source.PaymentFailureMessage);
    }
}

public sealed class OrderLineType : ObjectGraphType<OrderLineView>
{
    public OrderLineType()
    {
        Name = "OrderLine";
        Description = "One patient's medication in an order, with its own stable number, status, owner and amounts. One line's rejection never stops the others.";
        Interface<NodeInterface>();
        IsTypeOf = o => o is OrderLineView;
        Field<NonNullGraphType<IdGraphType>>("id").Description("The line's opaque global ID.").Resolve(c => GlobalId.Encode("OrderLine", c.Source.Id));
        Field<NonNullGraphType<StringGraphType>>("number").Description("Stable, human-readable line number, e.g. HX-10042-03.").Resolve(c => c.Source.Number);
        Field<NonNullGraphType<OrderLineStatusType>>("status").Description("Where the line is in its lifecycle.").Resolve(c => c.Source.Line.Status);
        Field<StatusReasonType>("statusReason").Description("Why the line is in its status, when there is a reason (rejections, cancellations).")
            .Resolve(c => c.Source.Line.StatusReasonCode is null ? null : c.Source.Line);
        Field<NonNullGraphType<DateTimeScalar>>("statusSince").Description("When the line entered its current status.").Resolve(c => c.Source.Line.StatusSince);
        Field<NonNullGraphType<IntGraphType>>("sequence").Description("Grows with every change to the line, so a receiver can drop a stale update.").Resolve(c => c.Source.Line.Sequence);
        Field<NonNullGraphType<PatientType>>("patient").Description("Who the medication is for.").Resolve(c => c.Source.Patient);
        Field<NonNullGraphType<ProductType>>("product").Description("The medication.").Resolve(c => c.Source.Product);
        Field<NonNullGraphType<PharmacyType>>("pharmacy").Description("The pharmacy the line is routed to.").Resolve(c => c.Source.Pharmacy);
        Field<NonNullGraphType<PrescriberType>>("prescriber").Description("The prescribing clinician.").Resolve(c => c.Source.Prescriber);
        Field<NonNullGraphType<StringGraphType>>("routingReason").Description("Why this pharmacy.").Resolve(c => c.Source.Line.RoutingReason);
        Field<NonNullGraphType<IntGraphType>>("quantity").Description("Units to dispense.").Resolve(c => c.Source.Line.Quantity);
        Field<NonNullGraphType<StringGraphType>>("sig").Description("Directions for use.").Resolve(c => c.Source.Line.Sig);
        Field<NonNullGraphType<IntGraphType>>("daysSupply").Description("Days the quantity lasts.").Resolve(c => c.Source.Line.DaysSupply);
        Field<NonNullGraphType<AddressType>>("shipTo").Description("Where the line ships.").Resolve(c => c.Source.Line.ShipTo);
        Field<NonNullGraphType<MoneyType>>("unitPrice").Description("Catalog price per unit at checkout.").Resolve(c => new Money(c.Source.Line.UnitPrice, c.Source.Pharmacy.Currency));
        Field<NonNullGraphType<MoneyType>>("amount").Description("What the line costs: unit price times quantity plus its shipping share, as the cart showed.").Resolve(c => new Money(c.Source.Line.Amount, c.Source.Pharmacy.Currency));
        Field<NonNullGraphType<MoneyType>>("capturedAmount").Description("What was charged for this line.").Resolve(c => new Money(c.Source.Line.CapturedAmount, c.Source.Pharmacy.Currency));
        Field<NonNullGraphType<MoneyType>>("refundedAmount").Description("What was refunded for this line.").Resolve(c => new Money(c.Source.Line.RefundedAmount, c.Source.Pharmacy.Currency));
        Field<NonNullGraphType<LinePaymentStatusType>>("paymentStatus").Description("Where this line's share of the payment stands.").Resolve(c => c.Source.Line.PaymentStatus);
        Field<NonNullGraphType<LineOwnerType>>("owner").Description("Who must act next on the line: the pharmacy, the clinic, the patient, the payment, or nobody.").Resolve(c => c.Source.Line.Owner);
        Field<TrackingType>("tracking").Description("The shipment's tracking, as the pharmacy reported it. Null until the pharmacy sends shipping information.")
            .Resolve(c => c.Source.Line.TrackingCarrier is null && c.Source.Line.TrackingNumber is null && c.Source.Line.TrackingUrl is null ? null : c.Source.Line);
        Field<NonNullGraphType<ConnectionType<OrderLineEventType, OrderLineEvent>>>("events")
            .Description("Every change of the line, oldest first: the audit trail, and how long each step took. At most 100 per page.")
            .PagingArguments()
            .ResolveAsync(async c =>
            {
                // Runs only when a query asks for events: one query for the page, with the total in the same query.
                var (first, after) = c.ReadPaging();
                var lineId = c.Source.Id;
                return await c.WithDbAsync(async (db, ct) => (object?)await LoadEventsAsync(db, lineId, first, after, ct));
            });
    }

    /// <summary>One page of a line's events, oldest first, and their total, in one query (a second only for a page past the end).</summary>
    internal static async Task<Connection<OrderLineEvent>> LoadEventsAsync(HeadlessDbContext db, long lineId, int first, long? after, CancellationToken ct)
    {
        var all = db.OrderLineEvents.AsNoTracking().Where(e => e.OrderLineId == lineId);
        var rows = await all
            .Where(e => after == null || e.Id > after)
            .OrderBy(e => e.Id)
            .Take(first + 1)
            .Select(e => new { Event = e, Total = all.Count() })
            .ToListAsync(ct);
        var total = rows.Count > 0 ? rows[0].Total : after is null ? 0 : await all.CountAsync(ct);
        var edges = rows.Take(first).Select(r => new Edge<OrderLineEvent>(Paging.EncodeCursor(r.Event.Id), r.Event)).ToList();
        return new Connection<OrderLineEvent>(
            edges,
            new PageInfo(rows.Count > first, after is not null, edges.FirstOrDefault()?.Cursor, edges.LastOrDefault()?.Cursor),
            total);
    }
}

public sealed class TrackingType : ObjectGraphType<OrderLine>
{
    public TrackingType()
    {
        Name = "Tracking";
        Description = "Where a shipped line is: the carrier, the tracking number and a link to follow it, as the pharmacy reported them.";
        Field<StringGraphType>("carrier").Description("The carrier, e.g. UPS or USPS. Null when the pharmacy did not say.").Resolve(c => c.Source.TrackingCarrier);
        Field<StringGraphType>("number").Description("The carrier's tracking number. Null when the pharmacy did not give one.").Resolve(c => c.Source.TrackingNumber);
        Field<StringGraphType>("url").Description("A web page that follows the shipment (always http or https). Null when the pharmacy did not give one.").Resolve(c => c.Source.TrackingUrl);
    }
}

public sealed class OrderLineEventType : ObjectGraphType<OrderLineEvent>
{
    public OrderLineEventType()
    {
        Name = "OrderLineEvent";
        Description = "One change of an order line: when, who caused it, the status before and after, and why.";
        Field<NonNullGraphType<DateTimeScalar>>("time").Description("When the change happened (for partner callbacks, when the pharmacy says it happened).").Resolve(c => c.Source.At);
        Field<NonNullGraphType<LineEventSourceType>>("source").Description("Who caused the change.").Resolve(c => c.Source.Source);
        Field<OrderLineStatusType>("from").Description("The line's status before the change; null for the first event.").Resolve(c => c.Source.FromStatus);
        Field<NonNullGraphType<OrderLineStatusType>>("to").Description("The line's status after the change (the same as `from` when only tracking or a hold's owner changed).").Resolve(c => c.Source.ToStatus);
        Field<StringGraphType>("reasonCode").Description("Why, as a code, e.g. SIG_CLARIFICATION, LICENSE, OUT_OF_STOCK, CANCELLED_BY_CLINIC. Null when there is no reason.").Resolve(c => c.Source.ReasonCode);
        Field<StringGraphType>("message").Description("What happened, in words. Null when nothing was said.").Resolve(c => c.Source.Message);
        Field<NonNullGraphType<IntGraphType>>("sequence").Description("The line's sequence number right after this change.").Resolve(c => c.Source.Sequence);
    }
}

public sealed class LineOwnerType : EnumerationGraphType
{
    public LineOwnerType()
    {
        Name = "LineOwner";
        Description = "Who must act next on an order line.";
        Add(LineOwner.Pharmacy, LineOwner.Pharmacy, "The pharmacy: it has to receive, compound or ship the line, or resolve its own hold.");
        Add(LineOwner.Clinic, LineOwner.Clinic, "The clinic: a fixable rejection to correct and resubmit, or a hold waiting for the clinic.");
        Add(LineOwner.Patient, LineOwner.Patient, "The patient: a hold waiting for the patient (for example an address to confirm).");
        Add(LineOwner.Payment, LineOwner.Payment, "The payment: the order's authorization is pending or failed.");
        Add(LineOwner.None, LineOwner.None, "Nobody: the line is shipped, delivered, cancelled or rejected for good.");
    }
}

public sealed class LineEventSourceType : EnumerationGraphType
{
    public LineEventSourceType()
    {
        Name = "LineEventSource";
        Description = "Who caused a change of an order line.";
        Add(EventSource.Pharmacy, EventSource.Pharmacy, "The line's pharmacy, through its signed callbacks.");
        Add(EventSource.Clinic, EventSource.Clinic, "The clinic, for example cancelling the line.");
        Add(EventSource.Payment, EventSource.Payment, "The payment: authorization, capture or refund.");
        Add(EventSource.System, EventSource.System, "The service itself, for example a deadline.");
    }
}

public sealed class StatusReasonType : ObjectGraphType<OrderLine>
{
    public StatusReasonType()
    {
        Name = "StatusReason";
        Description = "Why a line is in its status.";
        Field<NonNullGraphType<StringGraphType>>("code").Description("Machine-readable reason, e.g. SIG_CLARIFICATION, LICENSE, OUT_OF_STOCK, CANCELLED_BY_CLINIC.").Resolve(c => c.Source.StatusReasonCode);
        Field<NonNullGraphType<StringGraphType>>("message").Description("What happened, in words.").Resolve(c => c.Source.StatusReasonMessage);
        Field<NonNullGraphType<BooleanGraphType>>("fixable").Description("True when the clinic can correct the line and resubmit it.").Resolve(c => c.Source.StatusReasonFixable ?? false);
    }
}

public sealed class OrderStatusType : EnumerationGraphType
{
    public OrderStatusType()
    {
        Name = "OrderStatus";
        Description = "Where an order stands as a whole.";
        Add(OrderStatus.PendingPayment, OrderStatus.PendingPayment, "Checkout created the order and is authorizing the payment.");
        Add(OrderStatus.PaymentFailed, OrderStatus.PaymentFailed, "The payment was declined or failed: nothing was routed, stock was released and the cart is open again.");
        Add(OrderStatus.Submitted, OrderStatus.Submitted, "Paid (authorized) and handed to the pharmacies; follow each line's status.");
    }
}

public sealed class PaymentStatusType : EnumerationGraphType
{
    public PaymentStatusType()
    {
        Name = "PaymentStatus";
        Description = "Where an order's one payment stands.";
        Add(PaymentStatus.Pending, PaymentStatus.Pending, "Authorization not answered yet.");
        Add(PaymentStatus.Authorized, PaymentStatus.Authorized, "The total is held on the card; nothing is charged until the pharmacies decide.");
        Add(PaymentStatus.Failed, PaymentStatus.Failed, "The authorization was declined or failed.");
        Add(PaymentStatus.Captured, PaymentStatus.Captured, "The accepted lines were charged, once.");
        Add(PaymentStatus.PartiallyRefunded, PaymentStatus.PartiallyRefunded, "Some captured lines were refunded.");
        Add(PaymentStatus.Refunded, PaymentStatus.Refunded, "Everything captured was refunded.");
        Add(PaymentStatus.Canceled, PaymentStatus.Canceled, "The hold was released without a charge (every line declined, or cancelled at the gateway).");
    }
}

public sealed class LinePaymentStatusType : EnumerationGraphType
{
    public LinePaymentStatusType()
    {
        Name = "LinePaymentStatus";
        Description = "Where one line's share of the payment stands.";
        Add(LinePaymentStatus.Pending, LinePaymentStatus.Pending, "Authorization not answered yet.");
        Add(LinePaymentStatus.Authorized, LinePaymentStatus.Authorized, "Held as part of the order's authorization.");
        Add(LinePaymentStatus.Captured, LinePaymentStatus.Captured, "Charged.");
        Add(LinePaymentStatus.Refunded, LinePaymentStatus.Refunded, "Charged, then refunded for its own amount.");
        Add(LinePaymentStatus.Voided, LinePaymentStatus.Voided, "Declined before the capture: never charged.");
        Add(LinePaymentStatus.NotCaptured, LinePaymentStatus.NotCaptured, "Accepted only after the order's one capture: not charged.");
        Add(LinePaymentStatus.Failed, LinePaymentStatus.Failed, "The order's authorization failed.");
    }
}

public sealed class OrderLineStatusType : EnumerationGraphType
{
    public OrderLineStatusType()
    {
        Name = "OrderLineStatus";
        Description = "The line lifecycle: SUBMITTED → RECEIVED → COMPOUNDING → SHIPPED → DELIVERED, with REJECTED, CANCELLED and ON_HOLD on the way.";
        Add(OrderLineStatus.PendingPayment, OrderLineStatus.PendingPayment, "Waiting for the order's payment authorization.");
        Add(OrderLineStatus.PaymentFailed, OrderLineStatus.PaymentFailed, "The order's payment failed; the line was not routed.");
        Add(OrderLineStatus.Submitted, OrderLineStatus.Submitted, "Paid and routed to its pharmacy.");
        Add(OrderLineStatus.Received, OrderLineStatus.Received, "The pharmacy accepted the line.");
        Add(OrderLineStatus.Compounding, OrderLineStatus.Compounding, "The pharmacy is compounding it.");
        Add(OrderLineStatus.Shipped, OrderLineStatus.Shipped, "On its way; see tracking.");
        Add(OrderLineStatus.Delivered, OrderLineStatus.Delivered, "Delivered.");
        Add(OrderLineStatus.Rejected, OrderLineStatus.Rejected, "The pharmacy rejected the line; see statusReason.");
        Add(OrderLineStatus.Cancelled, OrderLineStatus.Cancelled, "Cancelled by the clinic before compounding.");
        Add(OrderLineStatus.OnHold, OrderLineStatus.OnHold, "Paused until someone acts; see the owner.");
    }
}
