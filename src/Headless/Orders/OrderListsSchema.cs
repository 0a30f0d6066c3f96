using GraphQL;
using GraphQL.Types;
using Headless.Data;
using Headless.GraphQL;
using Microsoft.EntityFrameworkCore;

namespace Headless.Orders;

/// <summary>orders(filter) and orderLines(filter): how a coordinator finds an order, or lands on a patient's line.</summary>
internal sealed class OrderListsSchema : ISchemaContribution
{
    public void AddQueryFields(ObjectGraphType query)
    {
        query.Field<NonNullGraphType<ConnectionType<OrderType, Order>>>("orders")
            .Description("Your organization's orders, newest first. At most 100 per page; totalCount is counted only when asked for.")
            .Argument<OrderFilterType>("filter", "Which orders to return.")
            .PagingArguments()
            .ResolveAsync(async ctx =>
            {
                var (first, after) = KeysetCursor.ReadPaging(ctx);
                var page = await OrderSearch.OrdersAsync(
                    ctx.Service<IDbContextFactory<HeadlessDbContext>>(), ctx.GetArgument<OrderFilter?>("filter"), first, after, ctx.CancellationToken);
                ctx.Service<OrderPageBatch>().Add(page.Edges.Select(e => e.Node).ToList());
                return page;
            });

        query.Field<NonNullGraphType<ConnectionType<OrderLineType, OrderLineView>>>("orderLines")
            .Description("Your organization's order lines, most recently changed first: search a patient's name and land on their lines, each with its own number, status, owner and tracking. At most 100 per page; totalCount is counted only when asked for.")
            .Argument<OrderLineFilterType>("filter", "Which lines to return.")
            .PagingArguments()
            .ResolveAsync(async ctx =>
            {
                var (first, after) = KeysetCursor.ReadPaging(ctx);
                return await OrderSearch.LinesAsync(
                    ctx.Service<IDbContextFactory<HeadlessDbContext>>(),
                    ctx.GetArgument<OrderLineFilter?>("filter"),
                    ctx.Service<TimeProvider>().GetUtcNow(),
                    first,
                    after,
                    ctx.CancellationToken);
            });
    }
}
