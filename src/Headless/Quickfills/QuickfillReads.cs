using Headless.Data;
using Microsoft.EntityFrameworkCore;

namespace Headless.Quickfills;

/// <summary>Quickfills with everything their type shows, loaded in a fixed number of queries however many are read.</summary>
public static class QuickfillReads
{
    public static IQueryable<Quickfill> Query(HeadlessDbContext db) =>
        db.Set<Quickfill>().AsNoTracking()
            .Include(q => q.Clinic)
            .Include(q => q.Product)
            .Include(q => q.Pharmacy)
            .Include(q => q.Offering).ThenInclude(o => o!.Product)
            .Include(q => q.Offering).ThenInclude(o => o!.Pharmacy)
            .Include(q => q.Prescriber)
            .AsSplitQuery();

    public static Task<Quickfill?> FindAsync(HeadlessDbContext db, long id, CancellationToken ct) =>
        Query(db).FirstOrDefaultAsync(q => q.Id == id, ct);
}
