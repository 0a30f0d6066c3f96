using GraphQL;
using GraphQL.Types;
using Headless.Catalog;
using Headless.Clinics;
using Headless.Data;
using Headless.GraphQL;
using Headless.Orders.Lifecycle;
using Headless.Patients;
using Headless.Prescribers;
using Headless.Shared;
using Microsoft.EntityFrameworkCore;

namespace Headless.Orders;

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
        Field<NonNullGraphType<EnumGraphType<OrderLineStatus>>>("status").Description("Where the line is in its lifecycle.").Resolve(c => c.Source.Line.Status);
        Field<StatusReasonType>("statusReason").Description("Why the line is in its status, when there is a reason (rejections, cancellations).")
            .Resolve(c => c.Source.Line.StatusReasonCode is null ? null : c.Source.Line);
        Field<NonNullGraphType<DateTimeScalar>>("statusSince").Description("When the line entered its current status.").Resolve(c => c.Source.Line.StatusSince);
        Field<NonNullGraphType<IntGraphType>>("sequence").Description("Grows with every change to the line, so a receiver can drop a stale update.").Resolve(c => c.Source.Line.Sequence);
        Field<NonNullGraphType<PatientType>>("patient").Description("Who the medication is for.").Resolve(c => c.Source.Patient);
        Field<NonNullGraphType<ProductType>>("product").Description("The medication.").Resolve(c => c.Source.Product);
        Field<NonNullGraphType<PharmacyType>>("pharmacy").Description("The pharmacy the line is routed to.").Resolve(c => c.Source.Pharmacy);
        Field<NonNullGraphType<PrescriberType>>("prescriber").Description("The prescribing clinician.")
            .ResolveAsync(async c =>
            {
                if (c.Source.LoadedPrescriber is { } loaded)
                {
                    return loaded;
                }

                // Only when a page was read without prescribers although the query asks for one (Selections misread it).
                var prescriberId = c.Source.Line.PrescriberId;
                return await c.WithDbAsync((db, ct) => db.Prescribers.AsNoTracking().IgnoreQueryFilters().FirstAsync(p => p.Id == prescriberId, ct));
            });
        Field<NonNullGraphType<StringGraphType>>("routingReason").Description("Why this pharmacy.").Resolve(c => c.Source.Line.RoutingReason);
        Field<NonNullGraphType<IntGraphType>>("quantity").Description("Units to dispense.").Resolve(c => c.Source.Line.Quantity);
        Field<NonNullGraphType<StringGraphType>>("sig").Description("Directions for use.").Resolve(c => c.Source.Line.Sig);
        Field<NonNullGraphType<IntGraphType>>("daysSupply").Description("Days the quantity lasts.").Resolve(c => c.Source.Line.DaysSupply);
        Field<NonNullGraphType<AddressType>>("shipTo").Description("Where the line ships.").Resolve(c => c.Source.Line.ShipTo);
        Field<NonNullGraphType<MoneyType>>("unitPrice").Description("Catalog price per unit at checkout.").Resolve(c => new Money(c.Source.Line.UnitPrice, c.Source.Pharmacy.Currency));
        Field<NonNullGraphType<MoneyType>>("amount").Description("What the line costs: unit price times quantity plus its shipping share, as the cart showed.").Resolve(c => new Money(c.Source.Line.Amount, c.Source.Pharmacy.Currency));
        Field<NonNullGraphType<MoneyType>>("capturedAmount").Description("What was charged for this line.").Resolve(c => new Money(c.Source.Line.CapturedAmount, c.Source.Pharmacy.Currency));
        Field<NonNullGraphType<MoneyType>>("refundedAmount").Description("What was refunded for this line.").Resolve(c => new Money(c.Source.Line.RefundedAmount, c.Source.Pharmacy.Currency));
        Field<NonNullGraphType<EnumGraphType<LinePaymentStatus>>>("paymentStatus").Description("Where this line's share of the payment stands.").Resolve(c => c.Source.Line.PaymentStatus);
        Field<NonNullGraphType<EnumGraphType<LineOwner>>>("owner").Description("Who must act next on the line: the pharmacy, the clinic, the patient, the payment, or nobody.").Resolve(c => c.Source.Line.Owner);
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
