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
    public async Task AuthorizedAsync(HeadlessDbContext db, Order order, DateTimeOffset now, CancellationToken ct)
    {
        var cart = await db.Carts.IgnoreQueryFilters().FirstAsync(c => c.Id == order.CartId, ct);
        cart.CompleteCheckout(now);
        await db.SaveChangesAsync(ct);

        // Saved separately so the old cart has released the clinic's one open slot first.
        var next = new Cart(order.OrganizationId, order.ClinicId, now);
        db.Carts.Add(next);
        await db.SaveChangesAsync(ct);
        CartEvents.Changed(db, cart, order.Lines.Count);
        CartEvents.Changed(db, next, 0);

        // One partner order per pharmacy, its submission queued in the outbox, all in the payment's transaction.
        await PartnerRouting.RouteAsync(db, order, now, ct);
    }

    public async Task DeclinedAsync(HeadlessDbContext db, Order order, DateTimeOffset now, CancellationToken ct)
    {
        var cart = await db.Carts.IgnoreQueryFilters().FirstAsync(c => c.Id == order.CartId, ct);
        await StockLedger.ReleaseAsync(db, StockLedger.Demand(order.Lines, l => l.OfferingId, l => l.Quantity), ct);
        cart.AbortCheckout(now);
        CartEvents.Changed(db, cart, order.Lines.Count);
        await db.SaveChangesAsync(ct);
    }
}
