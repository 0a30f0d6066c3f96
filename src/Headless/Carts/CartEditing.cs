using Headless.Data;
using Headless.GraphQL;
using Microsoft.EntityFrameworkCore;

namespace Headless.Carts;

/// <summary>
/// What every cart edit shares. An edit reads what it needs in a fixed number of queries, applies all of its lines
/// or none, and saves with the cart's version as a concurrency token: when two coordinators edit at once the loser
/// re-reads and re-applies, so no line is ever lost and merges see each other.
/// </summary>
public static class CartEditing
{
    /// <summary>The most lines (or line IDs) one edit call may carry.</summary>
    public const int MaxLinesPerCall = 250;

    /// <summary>
    /// Runs an edit on a fresh context until it saves. An edit that loses a race (another edit committed first and
    /// moved the version, or inserted the same merge key) starts over from what is now in the database; after
    /// <see cref="Contention.MaxAttempts"/> lost races the coordinator gets BUSY_RETRY and nothing changed.
    /// </summary>
    public static async Task<CartEditResult> RunAsync(IDbContextFactory<HeadlessDbContext> contexts, Func<HeadlessDbContext, Task<CartEditResult>> edit, CancellationToken ct) =>
        await Contention.RetryAsync(
            async _ =>
            {
                await using var db = await contexts.CreateDbContextAsync(ct);
                return await edit(db);
            },
            ct)
        ?? CartUserErrors.Refused(BusyRetry.Error());

    /// <summary>Saves an edit and its cart.changed event in one transaction: the log has the edit exactly when the cart does.</summary>
    public static async Task<CartEditResult> SaveAsync(HeadlessDbContext db, Cart cart, int lineCount, CancellationToken ct)
    {
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        CartEvents.Changed(db, cart, lineCount);
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        return new CartEditResult(cart, []);
    }

    /// <summary>The cart to edit, or why it cannot be edited: unknown (NOT_FOUND cartId) or no longer open (CART_NOT_OPEN).</summary>
    public static async Task<(Cart? Cart, CartEditResult? Failure)> LoadOpenCartAsync(HeadlessDbContext db, long cartId, CancellationToken ct)
    {
        var cart = await db.Carts.FirstOrDefaultAsync(c => c.Id == cartId, ct);
        if (cart is null)
        {
            return (null, CartUserErrors.NotFound("cartId", CartUserErrors.NoCart));
        }

        return cart.IsOpen ? (cart, null) : (null, CartUserErrors.NotOpen(cart));
    }
}
