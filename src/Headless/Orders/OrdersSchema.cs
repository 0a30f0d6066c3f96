using GraphQL;
using GraphQL.Types;
using Headless.Carts;
using Headless.Carts.Validation;
using Headless.Data;
using Headless.GraphQL;
using Headless.Orders.Lifecycle;
using Microsoft.EntityFrameworkCore;

namespace Headless.Orders;

internal sealed class OrdersSchema : ISchemaContribution
{
    public void AddQueryFields(ObjectGraphType query) =>
        query.Field<OrderType>("order")
            .Description("One order, by global ID or by number (HX-10042). Null when no such order exists for your organization.")
            .Argument<IdGraphType>("id", "The order's global ID.")
            .Argument<StringGraphType>("number", "The order's number, e.g. HX-10042.")
            .ResolveAsync(async ctx =>
            {
                long id;
                if (ctx.GetArgument<string?>("id") is { } globalId)
                {
                    if (!GlobalId.TryDecode(globalId, "Order", out id))
                    {
                        return null;
                    }
                }
                else if (!Order.TryParseNumber(ctx.GetArgument<string?>("number"), out id))
                {
                    return null;
                }

                return await ctx.WithDbAsync(async (db, ct) => (object?)await LoadOrderAsync(ctx, db, id, ct));
            });

    public void AddMutationFields(ObjectGraphType mutation)
    {
        mutation.Field<NonNullGraphType<OrderLinePayloadType>>("orderLineCancel")
            .Description("Cancels one order line before the pharmacy starts compounding it. The pharmacy is told, and the payment is adjusted: the line is not captured, or is refunded for its own amount if the capture already happened.")
            .Argument<NonNullGraphType<IdGraphType>>("lineId", "The order line to cancel.")
            .Argument<StringGraphType>("reason", "Why, in words for the pharmacy and the audit trail (at most 500 characters; no patient data).")
            .ResolveAsync(async ctx =>
            {
                var lineGlobalId = ctx.GetArgument<string>("lineId");
                var reason = ctx.GetArgument<string?>("reason");
                if (reason is { Length: > 500 })
                {
                    return new OrderLinePayload(null, [new UserError(UserErrorCode.TooLong, ["reason"], "The reason must be at most 500 characters.")]);
                }

                var exists = GlobalId.TryDecode(lineGlobalId, "OrderLine", out var lineId) &&
                    await ctx.WithDbAsync((db, ct) => db.OrderLines.AnyAsync(l => l.Id == lineId, ct));
                if (!exists)
                {
                    return new OrderLinePayload(null, [new UserError(UserErrorCode.NotFound, ["lineId"], "No order line with this ID exists in your organization.")]);
                }

                var refusal = await Contention.RetryAsync(async _ => new CancelOutcome(await ctx.Service<OrderLineDecisions>().CancelByClinicAsync(lineId, reason, ctx.CancellationToken)), ctx.CancellationToken);
                if (refusal is null)
                {
                    return new OrderLinePayload(null, [BusyRetry.Error("lineId")]);
                }

                var view = await ctx.WithDbAsync(async (db, ct) =>
                    (await OrderLineView.LoadAsync(db, [await db.OrderLines.AsNoTracking().FirstAsync(l => l.Id == lineId, ct)], ct))[0]);
                return refusal.Refusal is null
                    ? new OrderLinePayload(view, [])
                    : new OrderLinePayload(view, [new UserError(UserErrorCode.LineNotCancellable, ["lineId"], refusal.Refusal, [lineGlobalId])]);
            });

        mutation.Field<NonNullGraphType<CartPayloadType>>("orderLineResubmit")
            .Description("Brings a REJECTED order line back into its clinic's open cart as a corrected copy (linked to the original line number), to be validated and paid again. Fields left out of changes are copied from the rejected line.")
            .Argument<NonNullGraphType<IdGraphType>>("lineId", "The rejected order line.")
            .Argument<CartLineUpdateInputType>("changes", "Corrections to apply to the copy (lineId inside it is ignored).")
            .ResolveAsync(async ctx =>
            {
                var result = await ctx.Service<OrderLineActions>().ResubmitAsync(
                    new ResubmitOrderLine(DecodeLine(ctx.GetArgument<string>("lineId")), ctx.GetArgument<CartLineUpdateInput?>("changes")),
                    ctx.CancellationToken);
                return new CartPayload(result.Cart is null ? null : CartView.For(ctx, result.Cart), result.UserErrors);
            });

        mutation.Field<NonNullGraphType<CartPayloadType>>("orderLinesReorder")
            .Description("Copies earlier order lines into their clinic's open cart for the same patients, products and pharmacies; a copy matching a line already in the cart adds to its quantity. All lines must belong to one clinic.")
            .Argument<NonNullGraphType<ListGraphType<NonNullGraphType<IdGraphType>>>>("lineIds", $"The order lines to order again, 1 to {CartEditing.MaxLinesPerCall}.")
            .ResolveAsync(async ctx =>
            {
                var result = await ctx.Service<OrderLineActions>().ReorderAsync(
                    new ReorderOrderLines(ctx.GetArgument<List<string>>("lineIds").Select(DecodeLine).ToList()),
                    ctx.CancellationToken);
                return new CartPayload(result.Cart is null ? null : CartView.For(ctx, result.Cart), result.UserErrors);
            });
    }

    private static long? DecodeLine(string globalId) => GlobalId.TryDecode(globalId, "OrderLine", out var id) ? id : null;

    private sealed record CancelOutcome(string? Refusal);

    /// <summary>Result of orderLineCancel.</summary>
    public sealed record OrderLinePayload(OrderLineView? Line, IReadOnlyList<UserError> UserErrors);

    public sealed class OrderLinePayloadType : ObjectGraphType<OrderLinePayload>
    {
        public OrderLinePayloadType()
        {
            Name = "OrderLinePayload";
            Description = "The result of an order line action.";
            Field<OrderLineType>("line").Description("The line after the action (also when it was refused, to show why).").Resolve(c => c.Source.Line);
            Field<NonNullGraphType<ListGraphType<NonNullGraphType<UserErrorType>>>>("userErrors").Description("Why the action was refused.").Resolve(c => c.Source.UserErrors);
        }
    }

    /// <summary>
    /// One order with its line count in one query; its lines are left to the lines field, which reads only the page it
    /// is asked for (<see cref="OrderPageBatch.AddSingle"/>). Outside a request scope the order comes with all its lines.
    /// </summary>
    internal static async Task<Order?> LoadOrderAsync(IResolveFieldContext context, HeadlessDbContext db, long id, CancellationToken ct)
    {
        if (context.RequestServices?.GetService<OrderPageBatch>() is not { } batch)
        {
            return await db.Orders.AsNoTracking().Include(o => o.Lines).FirstOrDefaultAsync(o => o.Id == id, ct);
        }

        var row = await db.Orders.AsNoTracking().Where(o => o.Id == id).Select(o => new { Order = o, LineCount = o.Lines.Count() }).FirstOrDefaultAsync(ct);
        if (row is null)
        {
            return null;
        }

        batch.AddSingle(row.Order, row.LineCount);
        return row.Order;
    }
}

public static class OrdersServiceCollectionExtensions
{
    public static IServiceCollection AddOrders(this IServiceCollection services)
    {
        services.AddSingleton<ISchemaContribution, OrdersSchema>();
        services.AddSingleton<ISchemaContribution, OrderListsSchema>();
        services.AddScoped<OrderPageBatch>();
        services.AddSingleton<ISchemaContribution, OrderLineStatusSubscription>();
        services.AddSingleton<LineChanges>();
        services.AddSingleton<OrderLineDecisions>();
        services.AddScoped<OrderLineActions>();
        services.AddScoped<IActiveFillSource, OrderFillSource>();
        services.AddSingleton(new NodeLoader("Order", async (db, id, context, ct) => await OrdersSchema.LoadOrderAsync(context, db, id, ct)));
        services.AddSingleton(new NodeLoader("OrderLine", async (db, id, _, ct) =>
        {
            var line = await db.OrderLines.AsNoTracking().FirstOrDefaultAsync(l => l.Id == id, ct);
            return line is null ? null : (await OrderLineView.LoadAsync(db, [line], ct))[0];
        }));
        return services;
    }
}
