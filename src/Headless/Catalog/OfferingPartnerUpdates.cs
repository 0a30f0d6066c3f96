using Headless.Data;
using Microsoft.EntityFrameworkCore;

namespace Headless.Catalog;

/// <summary>
/// A pharmacy's own figures for one of its offerings (from a signed offering.updated callback). Null fields are left
/// as they are. <paramref name="Stock"/> is the pharmacy's available stock from now on: it replaces
/// <see cref="Offering.Stock"/> outright, because the pharmacy counts what it can still sell, after the orders it holds.
/// </summary>
public sealed record OfferingPartnerUpdate(
    long OfferingId,
    long PharmacyId,
    string EventId,
    DateTimeOffset OccurredAt,
    int? Stock,
    long? UnitPrice,
    int? MaxQuantity,
    bool? Active);

/// <summary>The offering's figures after an update, for the pharmacy's answer.</summary>
public sealed record OfferingFigures(int Stock, long UnitPrice, int MaxQuantity, bool Active);

/// <summary>
/// Applies a pharmacy's offering update in one conditional statement: only when it is newer than the last one applied
/// (by occurredAt, ties by event id), so a late, older delivery never overwrites a newer figure, whatever the order
/// of arrival and on every provider. Reservations made earlier stay taken (they are already out of the pharmacy's
/// figure); releases made later add their units back to it, like any other stock.
/// </summary>
public static class OfferingPartnerUpdates
{
    /// <summary>True when applied; false when a newer (or the same) update was applied before.</summary>
    public static async Task<bool> ApplyAsync(HeadlessDbContext db, OfferingPartnerUpdate update, CancellationToken ct)
    {
        var at = update.OccurredAt;
        var id = update.EventId;
        var applied = await db.Offerings
            .Where(o => o.Id == update.OfferingId && o.PharmacyId == update.PharmacyId)
            .Where(o => o.PartnerUpdatedAt == null || o.PartnerUpdatedAt < at || (o.PartnerUpdatedAt == at && string.Compare(o.PartnerUpdateEventId, id) < 0))
            .ExecuteUpdateAsync(
                s =>
                {
                    s.SetProperty(o => o.PartnerUpdatedAt, at).SetProperty(o => o.PartnerUpdateEventId, id);
                    if (update.Stock is { } stock)
                    {
                        s.SetProperty(o => o.Stock, stock);
                    }

                    if (update.UnitPrice is { } price)
                    {
                        s.SetProperty(o => o.UnitPrice, price);
                    }

                    if (update.MaxQuantity is { } max)
                    {
                        s.SetProperty(o => o.MaxQuantity, max);
                    }

                    if (update.Active is { } active)
                    {
                        s.SetProperty(o => o.Active, active);
                    }
                },
                ct);
        return applied == 1;
    }

    /// <summary>The offering's current figures, or null when it is not this pharmacy's (or does not exist).</summary>
    public static Task<OfferingFigures?> FiguresAsync(HeadlessDbContext db, long offeringId, long pharmacyId, CancellationToken ct) =>
        db.Offerings.AsNoTracking()
            .Where(o => o.Id == offeringId && o.PharmacyId == pharmacyId)
            .Select(o => new OfferingFigures(o.Stock, o.UnitPrice, o.MaxQuantity, o.Active))
            .FirstOrDefaultAsync(ct);
}
