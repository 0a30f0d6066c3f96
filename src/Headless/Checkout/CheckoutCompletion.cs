using Headless.Carts;
using Headless.Catalog;
using Headless.Data;
using Headless.Fulfillment;
using Headless.Orders;
using Headless.Payments;
using Microsoft.EntityFrameworkCore;

namespace Headless.Checkout;

/// <summary>
/// Checkout's reaction to the authorization outcome, in the transaction that records it: an authorized order's lines
/// are routed to their pharmacies and the clinic gets its next cart; a declined order gives its stock back and its
/// cart opens again for correction.
/// </summary>
internal sealed class CheckoutCompletion : IAuthorizationOutcomeHandler
{
    public async Task<object?> ApplyAsync(HeadlessDbContext db, Order order, object? known, DateTimeOffset now, CancellationToken ct)
    {
        var cart = await CartAsync(db, order, known as CheckoutCarry, ct);
        if (order.Status == OrderStatus.PaymentFailed)
        {
            await StockLedger.ReleaseAsync(db, StockLedger.Demand(order.Lines, l => l.OfferingId, l => l.Quantity), ct);
            cart.AbortCheckout(now);
            return new Applied(cart, null, []);
        }

        // Saved with the order: EF updates the old cart before it inserts the next one, so the clinic's one open slot
        // (the unique OpenClinicId) is released first. One partner order per pharmacy.
        cart.CompleteCheckout(now);
        var next = new Cart(order.OrganizationId, order.ClinicId, now);
        db.Carts.Add(next);
        if (known is CheckoutCarry carry)
        {
            carry.Next = next;
        }

        return new Applied(cart, next, PartnerRouting.Plan(db, order, now));
    }

    public void Complete(HeadlessDbContext db, Order order, object? applied, DateTimeOffset now)
    {
        var (cart, next, partnerOrders) = (Applied)applied!;
        CartEvents.Changed(db, cart, order.Lines.Count);
        if (next is not null)
        {
            CartEvents.Changed(db, next, 0);

            // Each partner order's submission queued in the outbox, all in the payment's transaction.
            PartnerRouting.Queue(db, order, partnerOrders, now);
        }
    }

    /// <summary>The frozen cart: the one checkout froze (its version is checked by the save), or read when the order was read fresh.</summary>
    private static async Task<Cart> CartAsync(HeadlessDbContext db, Order order, CheckoutCarry? carry, CancellationToken ct)
    {
        if (carry is null)
        {
            return await db.Carts.IgnoreQueryFilters().FirstAsync(c => c.Id == order.CartId, ct);
        }

        // This entity only, not the lines and catalog rows it points to.
        db.Entry(carry.Cart).State = EntityState.Unchanged;
        return carry.Cart;
    }

    private sealed record Applied(Cart Cart, Cart? Next, IReadOnlyList<(IReadOnlyList<OrderLine> Lines, PartnerOrder PartnerOrder)> PartnerOrders);
}

/// <summary>What checkout carries from creating the order to recording its authorization: the cart it froze, and then the next cart opened.</summary>
internal sealed class CheckoutCarry(Cart cart)
{
    public Cart Cart { get; } = cart;

    public Cart? Next { get; set; }
}
