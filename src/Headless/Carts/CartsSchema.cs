using GraphQL;
using GraphQL.Types;
using Headless.Carts.Validation;
using Headless.Data;
using Headless.GraphQL;
using Microsoft.EntityFrameworkCore;

namespace Headless.Carts;

internal sealed class CartsSchema : ISchemaContribution
{
    private const string ExpectedVersionDescription = "The cart version the client last saw. When the cart has changed since, nothing is applied and a CART_VERSION_MISMATCH userError is returned. Leave it out to apply the edit to whatever the cart holds now (concurrent edits still never lose a line).";

    public void AddQueryFields(ObjectGraphType query) =>
        query.Field<NonNullGraphType<CartType>>("cart")
            .Description("The clinic's one open cart, created on first use.")
            .Argument<NonNullGraphType<IdGraphType>>("clinicId", "The clinic's global ID.")
            .ResolveAsync(async ctx =>
            {
                Cart? cart = null;
                CartReads.CartHeader? header = null;
                try
                {
                    if (GlobalId.TryDecode(ctx.GetArgument<string>("clinicId"), "Clinic", out var clinicId))
                    {
                        (cart, header) = await ctx.Service<OpenCarts>().ReadAsync(clinicId, ctx.CancellationToken);
                    }
                }
                catch (ContentionException)
                {
                    throw new ExecutionError(BusyRetry.Message) { Code = "BUSY_RETRY" };
                }

                if (cart is null)
                {
                    throw new ExecutionError(CartUserErrors.NoClinic) { Code = "NOT_FOUND" };
                }

                return CartView.For(ctx, cart, header);
            });

    public void AddMutationFields(ObjectGraphType mutation)
    {
        mutation.Field<NonNullGraphType<CartPayloadType>>("cartLinesAdd")
            .Description($"Adds up to {CartEditing.MaxLinesPerCall} lines to the clinic's open cart in one step: all of them or, when any line is invalid, none.")
            .Argument<NonNullGraphType<IdGraphType>>("clinicId", "The clinic whose open cart receives the lines.")
            .Argument<NonNullGraphType<ListGraphType<NonNullGraphType<CartLineInputType>>>>("lines", $"The lines to add, 1 to {CartEditing.MaxLinesPerCall}.")
            .Argument<IntGraphType>("expectedVersion", ExpectedVersionDescription)
            .ResolveAsync(async ctx => Payload(ctx, await HandleAsync(
                CartInputDecoding.Add(ctx.GetArgument<string>("clinicId"), ctx.GetArgument<List<CartLineInput>>("lines"), ctx.GetArgument<int?>("expectedVersion")),
                ctx.Service<AddCartLinesHandler>().HandleAsync,
                ctx.CancellationToken)));

        mutation.Field<NonNullGraphType<CartPayloadType>>("cartLinesUpdate")
            .Description($"Changes up to {CartEditing.MaxLinesPerCall} lines of an open cart: all of them or, when any change is invalid, none.")
            .Argument<NonNullGraphType<IdGraphType>>("cartId", "The cart.")
            .Argument<NonNullGraphType<ListGraphType<NonNullGraphType<CartLineUpdateInputType>>>>("lines", "The changes, one per line.")
            .Argument<IntGraphType>("expectedVersion", ExpectedVersionDescription)
            .ResolveAsync(async ctx => Payload(ctx, await HandleAsync(
                CartInputDecoding.Update(ctx.GetArgument<string>("cartId"), ctx.GetArgument<List<CartLineUpdateInput>>("lines"), ctx.GetArgument<int?>("expectedVersion")),
                ctx.Service<UpdateCartLinesHandler>().HandleAsync,
                ctx.CancellationToken)));

        mutation.Field<NonNullGraphType<CartPayloadType>>("cartLinesRemove")
            .Description("Removes lines from an open cart: all of them or, when any ID is unknown, none.")
            .Argument<NonNullGraphType<IdGraphType>>("cartId", "The cart.")
            .Argument<NonNullGraphType<ListGraphType<NonNullGraphType<IdGraphType>>>>("lineIds", $"The lines to remove, 1 to {CartEditing.MaxLinesPerCall}.")
            .Argument<IntGraphType>("expectedVersion", ExpectedVersionDescription)
            .ResolveAsync(async ctx => Payload(ctx, await HandleAsync(
                CartInputDecoding.Remove(ctx.GetArgument<string>("cartId"), ctx.GetArgument<List<string>>("lineIds"), ctx.GetArgument<int?>("expectedVersion")),
                ctx.Service<RemoveCartLinesHandler>().HandleAsync,
                ctx.CancellationToken)));

        mutation.Field<NonNullGraphType<CartValidatePayloadType>>("cartValidate")
            .Description("Runs every preflight rule over the whole cart and stores the result with the cart version it saw. Findings are issues on the lines; a cart is ready for checkout when the latest validation is current and has no errors.")
            .Argument<NonNullGraphType<IdGraphType>>("cartId", "The cart to validate.")
            .ResolveAsync(async ctx =>
            {
                // The cart is read with its lines (CartValidator.ValidateAndSaveAsync): one query fewer than reading it first.
                var db = ctx.Service<HeadlessDbContext>();
                (Cart? Cart, CartSnapshot? Snapshot) validated = (null, null);
                if (GlobalId.TryDecode(ctx.GetArgument<string>("cartId"), "Cart", out var cartId))
                {
                    validated = await ctx.Service<CartValidator>().ValidateAndSaveAsync(db, cartId, ctx.CancellationToken);
                }

                if (validated.Cart is null)
                {
                    return new CartValidatePayload(null, null, [new UserError(UserErrorCode.NotFound, ["cartId"], "No cart with this ID exists in your organization.")]);
                }

                if (validated.Snapshot is not { } snapshot)
                {
                    return new CartValidatePayload(null, null, [new UserError(UserErrorCode.CartNotOpen, ["cartId"], "This cart was checked out; validate the clinic's open cart.")]);
                }

                return new CartValidatePayload(CartView.Of(snapshot), new CartValidationView(snapshot.Validation!, validated.Cart.Version), []);
            });
    }

    /// <summary>Runs the decoded command through its handler; input refused before any handler ran comes back as it is.</summary>
    private static async Task<CartEditResult> HandleAsync<TCommand>(DecodedCartEdit<TCommand> decoded, Func<TCommand, CancellationToken, Task<CartEditResult>> handle, CancellationToken ct)
        where TCommand : class =>
        decoded.Command is { } command ? await handle(command, ct) : CartUserErrors.Refused(decoded.Refusal);

    private static CartPayload Payload(IResolveFieldContext ctx, CartEditResult result) =>
        new(CartView.Of(ctx, result), result.UserErrors);
}

public static class CartsServiceCollectionExtensions
{
    public static IServiceCollection AddCarts(this IServiceCollection services)
    {
        services.AddScoped<OpenCarts>();
        services.AddScoped<AddCartLinesHandler>();
        services.AddScoped<UpdateCartLinesHandler>();
        services.AddScoped<RemoveCartLinesHandler>();
        services.AddSingleton<ISchemaContribution, CartsSchema>();
        services.AddSingleton<ISchemaContribution, CartChangedSubscription>();
        services.AddSingleton(new NodeLoader("Cart", async (db, id, ctx, ct) =>
            await db.Carts.AsNoTracking().FirstOrDefaultAsync(c => c.Id == id, ct) is { } cart ? CartView.For(ctx, cart) : null));
        services.AddSingleton(new NodeLoader("CartLine", async (db, id, ctx, ct) =>
        {
            var line = await db.CartLines.AsNoTracking().Include(l => l.Cart).FirstOrDefaultAsync(l => l.Id == id, ct);
            if (line is null)
            {
                return null;
            }

            // The page that starts just before the line holds exactly that line, priced against its whole cart.
            var page = await CartView.For(ctx, line.Cart).Contents.LinesAsync(1, id - 1);
            return page.Lines.FirstOrDefault(l => l.Id == id);
        }));
        return services;
    }
}
