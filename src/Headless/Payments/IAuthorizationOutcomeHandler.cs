using Headless.Data;
using Headless.Orders;

namespace Headless.Payments;

/// <summary>
/// What follows an authorization outcome, run inside the transaction that records it. Checkout implements it (routing
/// the lines and opening the clinic's next cart, or reopening the cart); Payments knows nothing of carts or pharmacies.
/// </summary>
public interface IAuthorizationOutcomeHandler
{
    /// <summary>The order's payment was authorized and its lines are SUBMITTED (saved, not yet committed).</summary>
    Task AuthorizedAsync(HeadlessDbContext db, Order order, DateTimeOffset now, CancellationToken ct);

    /// <summary>The authorization was declined; the order and its lines say so (saved, not yet committed).</summary>
    Task DeclinedAsync(HeadlessDbContext db, Order order, DateTimeOffset now, CancellationToken ct);
}
