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

public sealed class OrderType : NodeGraphType<Order>
{
    public OrderType()
        : base("Order", "A checked-out cart: one payment for every line, a parent number for finance, and one order line per cart line with its own number and status.")
    {
        Field<NonNullGraphType<StringGraphType>>("number").Description("Human-readable parent number, e.g. HX-10042. Unique and stable.").Resolve(c => c.Source.Number);
        Field<NonNullGraphType<EnumGraphType<OrderStatus>>>("status").Description("Where the order stands as a whole; each line has its own status.").Resolve(c => c.Source.Status);
        Field<NonNullGraphType<EnumGraphType<PaymentStatus>>>("paymentStatus").Description("Where the order's one payment stands.").Resolve(c => c.Source.PaymentStatus);
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
            .ResolveAsync(async c => await OrderPageBatch.ClinicAsync(c));
        Field<NonNullGraphType<IntGraphType>>("lineCount").Description("How many lines the order has.").ResolveAsync(async c => await OrderPageBatch.LineCountAsync(c));
        Field<NonNullGraphType<ConnectionType<OrderLineType, OrderLineView>>>("lines")
            .Description("The order's lines in line-number order. At most 100 per page.")
            .PagingArguments()
            .ResolveAsync(async c =>
            {
                var (first, after) = c.ReadPaging();
                if (OrderPageBatch.SingleLineCount(c) is { } lineCount)
                {
                    // An order read on its own: one query for the page of lines with their patients and products.
                    var orderId = c.Source.Id;
                    var withPrescribers = c.Selects("nodes", "prescriber") || c.Selects("edges", "node", "prescriber");
                    var pageViews = await c.WithDbAsync((db, ct) => OrderLineView.LoadPageAsync(db, orderId, first, after, withPrescribers, ct));
                    return Paging.ToConnection(pageViews, first, after) with { TotalCount = lineCount };
                }

                var lines = await OrderPageBatch.LinesAsync(c);
                var page = lines.Where(l => after is null || l.Id > after).OrderBy(l => l.Id).Take(first).ToList();
                var views = await OrderPageBatch.ViewsAsync(c, page, first, after);
                var connection = Paging.ToConnection(views, first, null);
                var hasNext = lines.Count(l => after is null || l.Id > after) > first;
                return connection with { TotalCount = lines.Count, PageInfo = connection.PageInfo with { HasNextPage = hasNext, HasPreviousPage = after is not null } };
            });
    }
}
