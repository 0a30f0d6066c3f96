using Headless.Data;
using Microsoft.EntityFrameworkCore;

namespace Headless.Catalog;

/// <summary>
/// The only way stock moves: reserved by checkout, given back when a reservation ends unfilled (a declined
/// payment, a cancelled or rejected line), set to the pharmacy's count by a catalog import. Each move is one atomic statement per offering in the caller's
/// transaction: a reservation decrements only where enough stock remains, so concurrent checkouts of
/// different carts never overwrite each other and never abort each other; they queue on the offering's row
/// for the moment of the statement. Offerings are always taken in ascending key order so that two checkouts
/// sharing offerings cannot deadlock.
/// </summary>
public static class StockLedger
{
    /// <summary>
    /// Reserves <paramref name="units"/> (offering key to units) or stops at the first offering that cannot
    /// cover its units and returns that offering's key; null when everything was reserved. On a shortage the
    /// caller must roll back its transaction, which undoes the reservations made before it.
    /// </summary>
    public static async Task<long?> TryReserveAsync(HeadlessDbContext db, IReadOnlyDictionary<long, int> units, CancellationToken ct)
    {
        RequireTransaction(db);
        foreach (var (offeringId, n) in units.OrderBy(u => u.Key))
        {
            ArgumentOutOfRangeException.ThrowIfNegativeOrZero(n);
            var reserved = await db.Offerings
                .Where(o => o.Id == offeringId && o.Stock >= n)
                .ExecuteUpdateAsync(s => s.SetProperty(o => o.Stock, o => o.Stock - n), ct);
            if (reserved == 0)
            {
                return offeringId;
            }
        }

        return null;
    }

    /// <summary>
    /// Sets an offering's unreserved units to the count a pharmacy reports (a catalog import): an absolute value, so units
    /// reserved by a checkout after the pharmacy counted are not taken off it (README "Catalog import").
    /// </summary>
    public static async Task SetOnHandAsync(HeadlessDbContext db, long offeringId, int units, CancellationToken ct)
    {
        RequireTransaction(db);
        ArgumentOutOfRangeException.ThrowIfNegative(units);
        await db.Offerings.Where(o => o.Id == offeringId).ExecuteUpdateAsync(s => s.SetProperty(o => o.Stock, units), ct);
    }

    /// <summary>Gives reserved units back.</summary>
    public static async Task ReleaseAsync(HeadlessDbContext db, IReadOnlyDictionary<long, int> units, CancellationToken ct)
    {
        RequireTransaction(db);
        foreach (var (offeringId, n) in units.OrderBy(u => u.Key))
        {
            ArgumentOutOfRangeException.ThrowIfNegativeOrZero(n);
            await db.Offerings
                .Where(o => o.Id == offeringId)
                .ExecuteUpdateAsync(s => s.SetProperty(o => o.Stock, o => o.Stock + n), ct);
        }
    }

    /// <summary>Takes units again for a line that came back to life (a cancellation the pharmacy refused), even below zero: the pharmacy is filling it.</summary>
    public static async Task RetakeAsync(HeadlessDbContext db, IReadOnlyDictionary<long, int> units, CancellationToken ct)
    {
        RequireTransaction(db);
        foreach (var (offeringId, n) in units.OrderBy(u => u.Key))
        {
            ArgumentOutOfRangeException.ThrowIfNegativeOrZero(n);
            await db.Offerings
                .Where(o => o.Id == offeringId)
                .ExecuteUpdateAsync(s => s.SetProperty(o => o.Stock, o => o.Stock - n), ct);
        }
    }

    /// <summary>Units per offering, summed with checked arithmetic.</summary>
    public static Dictionary<long, int> Demand<T>(IEnumerable<T> lines, Func<T, long> offeringId, Func<T, int> quantity) =>
        lines.GroupBy(offeringId).ToDictionary(g => g.Key, g => g.Aggregate(0, (sum, l) => checked(sum + quantity(l))));

    private static void RequireTransaction(HeadlessDbContext db)
    {
        if (db.Database.CurrentTransaction is null)
        {
            throw new InvalidOperationException("Stock moves only inside the transaction of the change that causes them.");
        }
    }
}
