using GraphQL;
using GraphQL.Types;
using Headless.Data;
using Headless.GraphQL;
using Headless.Validation;
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

                return await ctx.WithDbAsync(async (db, ct) => (object?)await LoadOrderAsync(db, id, ct));
            });

    internal static Task<Order?> LoadOrderAsync(HeadlessDbContext db, long id, CancellationToken ct) =>
        db.Orders.AsNoTracking().Include(o => o.Lines).FirstOrDefaultAsync(o => o.Id == id, ct);
}

public static class OrdersServiceCollectionExtensions
{
    public static IServiceCollection AddOrders(this IServiceCollection services)
    {
        services.AddSingleton<ISchemaContribution, OrdersSchema>();
        services.AddSingleton<OrderLineDecisions>();
        services.AddSingleton<CaptureSweep>();
        services.AddHostedService(sp => sp.GetRequiredService<CaptureSweep>());
        services.AddScoped<IActiveFillSource, OrderFillSource>();
        services.AddSingleton(new NodeLoader("Order", async (db, id, _, ct) => await OrdersSchema.LoadOrderAsync(db, id, ct)));
        services.AddSingleton(new NodeLoader("OrderLine", async (db, id, _, ct) =>
        {
            var line = await db.OrderLines.AsNoTracking().FirstOrDefaultAsync(l => l.Id == id, ct);
            return line is null ? null : (await OrderLineView.LoadAsync(db, [line], ct))[0];
        }));
        return services;
    }
}
