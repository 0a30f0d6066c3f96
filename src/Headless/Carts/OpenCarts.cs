using Headless.Data;
using Microsoft.EntityFrameworkCore;

namespace Headless.Carts;

/// <summary>The clinic's one open cart, created on first use.</summary>
public sealed class OpenCarts(IDbContextFactory<HeadlessDbContext> contexts, TenantContext tenant, TimeProvider clock)
{
    /// <summary>
    /// The clinic's open cart; null when the clinic is not the caller's. Throws <see cref="ContentionException"/> in
    /// the unlikely case that creating it lost every race.
    /// </summary>
    public async Task<Cart?> GetAsync(long clinicId, CancellationToken ct)
    {
        var found = await Contention.RetryAsync(
            async _ =>
            {
                await using var db = await contexts.CreateDbContextAsync(ct);
                return new Found(await GetOrCreateAsync(db, tenant, clinicId, clinicKnown: false, clock.GetUtcNow(), ct));
            },
            ct);
        return found is null ? throw new ContentionException("The clinic's cart could not be opened for concurrent changes.") : found.Cart;
    }

    /// <summary>
    /// The clinic's open cart with its header (latest validation, counts, totals, pharmacy totals), read together in one
    /// query for the cart(clinicId) read; the cart is created as by <see cref="GetAsync"/> when the clinic has none (and
    /// then has nothing else).
    /// </summary>
    public async Task<(Cart? Cart, CartReads.CartHeader? Header)> ReadAsync(long clinicId, CancellationToken ct)
    {
        await using (var db = await contexts.CreateDbContextAsync(ct))
        {
            if (await CartReads.ReadHeaderAsync(db, db.Carts.Where(c => c.OpenClinicId == clinicId), db.CartLines.Where(l => l.Cart.OpenClinicId == clinicId), ct) is { } header)
            {
                return (header.Cart, header);
            }
        }

        var cart = await GetAsync(clinicId, ct);
        return (cart, cart is null ? null : CartReads.CartHeader.Empty(cart));
    }

    private sealed record Found(Cart? Cart);

    /// <summary>
    /// The clinic's open cart in <paramref name="db"/>, created when it has none; null when the clinic does not exist
    /// (checked only when <paramref name="clinicKnown"/> is false and there is no cart).
    /// </summary>
    internal static async Task<Cart?> GetOrCreateAsync(HeadlessDbContext db, TenantContext tenant, long clinicId, bool clinicKnown, DateTimeOffset now, CancellationToken ct)
    {
        var cart = await db.Carts.FirstOrDefaultAsync(c => c.OpenClinicId == clinicId, ct);
        if (cart is not null)
        {
            return cart;
        }

        if (!clinicKnown && !await db.Clinics.AnyAsync(c => c.Id == clinicId, ct))
        {
            return null;
        }

        cart = new Cart(tenant.OrganizationId ?? throw new InvalidOperationException("No tenant."), clinicId, now);
        db.Carts.Add(cart);
        try
        {
            await db.SaveChangesAsync(ct);
            return cart;
        }
        catch (DbUpdateException ex) when (Contention.IsUniqueViolation(ex.InnerException ?? ex))
        {
            // Someone else opened the clinic's cart at the same moment; the unique index kept it to one. Use theirs.
            // Only our failed cart is let go: patients and offerings loaded for this edit stay tracked.
            db.Entry(cart).State = EntityState.Detached;
            return await db.Carts.FirstOrDefaultAsync(c => c.OpenClinicId == clinicId, ct)
                ?? throw new InvalidOperationException("The clinic's open cart vanished while it was being created.");
        }
    }
}
