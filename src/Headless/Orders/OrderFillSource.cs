using Headless.Carts.Validation;
using Headless.Data;
using Microsoft.EntityFrameworkCore;

namespace Headless.Orders;

/// <summary>DUPLICATE_FILL beyond the cart: earlier order lines for the same patient and product whose days supply has not run out.</summary>
internal sealed class OrderFillSource : IActiveFillSource
{
    public async Task<IReadOnlyList<ActiveFill>> FindAsync(HeadlessDbContext db, IReadOnlyCollection<long> patientIds, IReadOnlyCollection<long> productIds, DateOnly today, CancellationToken ct)
    {
        if (patientIds.Count == 0)
        {
            return [];
        }

        var pIds = patientIds.ToList();
        var prIds = productIds.ToList();

        // Supply runs from the day the order was placed; a generous 365-day window keeps the scan bounded.
        var since = new DateTimeOffset(today.AddDays(-365).ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
        var candidates = await db.OrderLines.AsNoTracking()
            .Where(l => pIds.Contains(l.PatientId) && prIds.Contains(l.ProductId) && l.Order.PlacedAt >= since &&
                l.Status != OrderLineStatus.Rejected && l.Status != OrderLineStatus.Cancelled &&
                l.Status != OrderLineStatus.PaymentFailed && l.Status != OrderLineStatus.PendingPayment)
            .Select(l => new { l.PatientId, l.ProductId, l.OrderId, l.Position, l.DaysSupply, l.Order.PlacedAt })
            .ToListAsync(ct);

        return candidates
            .Select(c => new ActiveFill(c.PatientId, c.ProductId, OrderLine.FormatNumber(Order.FormatNumber(c.OrderId), c.Position), DateOnly.FromDateTime(c.PlacedAt.UtcDateTime).AddDays(c.DaysSupply)))
            .Where(f => f.SupplyEndsOn > today)
            .ToList();
    }
}
