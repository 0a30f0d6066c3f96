using System.Runtime.CompilerServices;
using GraphQL;
using GraphQL.Types;
using Headless.Data;
using Headless.Events;
using Headless.GraphQL;
using Microsoft.EntityFrameworkCore;

namespace Headless.Carts;

internal sealed class CartChangedSubscription : ISchemaContribution
{
    public void AddSubscriptionFields(ObjectGraphType subscription) =>
        subscription.Field<NonNullGraphType<CartType>>("cartChanged")
            .Description("The cart, with its version, after each committed change: a coordinator's edit, a validation, the freeze for checkout, a reopening or the checkout itself. Edits that commit in quick succession may arrive as one delivery of the newest version; a version is never delivered twice or out of order. Watch the clinic's next cart (`cart(clinicId)`) once this one is checked out.")
            .Argument<NonNullGraphType<IdGraphType>>("cartId", "The cart to watch.")
            .Resolve(ctx => CartView.For(ctx, (Cart)ctx.Source!))
            .ResolveStreamAsync(async ctx =>
            {
                var exists = GlobalId.TryDecode(ctx.GetArgument<string>("cartId"), "Cart", out var cartId) &&
                    await ctx.WithDbAsync((db, ct) => db.Carts.AnyAsync(c => c.Id == cartId, ct));
                if (!exists)
                {
                    throw new ExecutionError("No cart with this ID exists in your organization.") { Code = "NOT_FOUND" };
                }

                var filter = new EventFilter(Types: [EventTypes.CartChanged], SubjectType: EventSubjectKind.Cart, SubjectId: cartId);
                var events = await EventSubscriptions.OpenAsync(ctx, filter);
                return new AsyncEnumerableObservable<object>(Versions(events, ctx.Service<HeadlessDatabase>(), ctx.OrganizationId(), cartId));
            });

    /// <summary>The cart as it is after each event, skipping an event whose change a delivery already showed.</summary>
    private static async IAsyncEnumerable<object> Versions(IAsyncEnumerable<DomainEvent> events, HeadlessDatabase database, long organizationId, long cartId, [EnumeratorCancellation] CancellationToken ct = default)
    {
        (int Version, CartStatus Status)? delivered = null;
        await foreach (var _ in events.WithCancellation(ct))
        {
            Cart? cart;
            await using (var db = database.CreateContext(TenantContext.For(organizationId)))
            {
                cart = await db.Carts.AsNoTracking().FirstOrDefaultAsync(c => c.Id == cartId, ct);
            }

            if (cart is not null && delivered != (cart.Version, cart.Status) && !(delivered?.Version > cart.Version))
            {
                delivered = (cart.Version, cart.Status);
                yield return cart;
            }
        }
    }
}
