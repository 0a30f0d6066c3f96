using System.Linq.Expressions;
using Headless.Catalog;
using Headless.Data;
using Headless.GraphQL;
using Headless.Orders;
using Microsoft.EntityFrameworkCore;

namespace Headless.Operations;

/// <summary>Lines waiting in one status (for the organization, a clinic, or one pharmacy), and how many are overdue.</summary>
public sealed record LineStatusHealth(
    QueueScope Scope,
    OrderLineStatus Status,
    int Count,
    DateTimeOffset? OldestSince,
    TimeSpan OverdueAfter,
    DateTimeOffset OverdueBefore,
    int Overdue,
    IReadOnlyList<OwnerHealth> Owners);

/// <summary>Of the lines in one status, those whose next step one party owns.</summary>
public sealed record OwnerHealth(LineOwner Owner, int Count, int Overdue);

/// <summary>Every open status of one pharmacy's lines: a slow partner shows here.</summary>
public sealed record PharmacyQueueHealth(Pharmacy Pharmacy, int Count, int Overdue, DateTimeOffset? OldestSince, IReadOnlyList<LineStatusHealth> Statuses);

/// <summary>Which lines a figure covers: the organization's, one clinic's, and optionally one pharmacy's.</summary>
public sealed record QueueScope(long? ClinicId, long? PharmacyId);

/// <summary>
/// The line side of queueHealth: open lines (not delivered, cancelled, payment-failed or rejected for good) grouped by
/// status, owner and pharmacy in two aggregate queries, whatever the number of lines, plus one for the pharmacies named.
/// </summary>
public static class LineQueue
{
    /// <summary>Statuses a line can wait in, in lifecycle order; every one is listed, with zero when empty.</summary>
    public static readonly IReadOnlyList<OrderLineStatus> OpenStatuses =
    [
        OrderLineStatus.PendingPayment, OrderLineStatus.Submitted, OrderLineStatus.Received, OrderLineStatus.Compounding,
        OrderLineStatus.Shipped, OrderLineStatus.OnHold, OrderLineStatus.Rejected,
    ];

    public sealed record Snapshot(IReadOnlyList<LineStatusHealth> Statuses, IReadOnlyList<PharmacyQueueHealth> Pharmacies);

    private sealed record Group(OrderLineStatus Status, LineOwner Owner, long PharmacyId, int Count, DateTimeOffset OldestSince);

    private sealed record OverdueGroup(OrderLineStatus Status, LineOwner Owner, long PharmacyId, int Count);

    public static async Task<Snapshot> LoadAsync(HeadlessDbContext db, long? clinicId, QueueHealthOptions options, DateTimeOffset now, CancellationToken ct)
    {
        var open = Open(db, new QueueScope(clinicId, null));
        var groups = await open
            .GroupBy(l => new { l.Status, l.Owner, l.PharmacyId })
            .Select(g => new Group(g.Key.Status, g.Key.Owner, g.Key.PharmacyId, g.Count(), g.Min(l => l.StatusSince)))
            .ToListAsync(ct);
        var overdue = await open.Where(OverdueFilter(options, now))
            .GroupBy(l => new { l.Status, l.Owner, l.PharmacyId })
            .Select(g => new OverdueGroup(g.Key.Status, g.Key.Owner, g.Key.PharmacyId, g.Count()))
            .ToListAsync(ct);
        var pharmacyIds = groups.Select(g => g.PharmacyId).Distinct().ToList();
        var pharmacies = await db.Pharmacies.AsNoTracking().Where(p => pharmacyIds.Contains(p.Id)).ToDictionaryAsync(p => p.Id, ct);

        var statuses = Summarize(new QueueScope(clinicId, null), groups, overdue, options, now);
        var byPharmacy = pharmacyIds
            .Select(id =>
            {
                var mine = Summarize(new QueueScope(clinicId, id), groups.Where(g => g.PharmacyId == id).ToList(), overdue.Where(g => g.PharmacyId == id).ToList(), options, now);
                return new PharmacyQueueHealth(pharmacies[id], mine.Sum(s => s.Count), mine.Sum(s => s.Overdue), mine.Min(s => s.OldestSince), mine);
            })
            .OrderByDescending(p => p.Overdue).ThenBy(p => p.OldestSince).ThenBy(p => p.Pharmacy.Id)
            .ToList();
        return new Snapshot(statuses, byPharmacy);
    }

    /// <summary>The overdue lines of one status in a scope, oldest first, keyset-paged on (statusSince, key).</summary>
    public static async Task<Connection<OrderLineView>> OverdueLinesAsync(
        IDbContextFactory<HeadlessDbContext> contexts, LineStatusHealth health, int first, KeysetCursor? after, CancellationToken ct)
    {
        var status = health.Status;
        var before = health.OverdueBefore;
        IQueryable<OrderLine> Matching(HeadlessDbContext db) =>
            Open(db, health.Scope).Where(l => l.Status == status && l.StatusSince < before);

        await using var db = await contexts.CreateDbContextAsync(ct);
        var page = Matching(db).AsNoTracking();
        if (after is { } a)
        {
            page = page.Where(l => l.StatusSince > a.At || (l.StatusSince == a.At && l.Id > a.Id));
        }

        var rows = first == 0 ? [] : await page.OrderBy(l => l.StatusSince).ThenBy(l => l.Id).Take(first + 1).ToListAsync(ct);
        var views = await OrderLineView.LoadAsync(db, rows, ct);
        return KeysetCursor.Page(views, first, after is not null, v => new KeysetCursor(v.Line.StatusSince, v.Line.Id), () => Task.FromResult(health.Overdue));
    }

    private static IQueryable<OrderLine> Open(HeadlessDbContext db, QueueScope scope)
    {
        var query = db.OrderLines.Where(l =>
            l.Status == OrderLineStatus.PendingPayment || l.Status == OrderLineStatus.Submitted || l.Status == OrderLineStatus.Received ||
            l.Status == OrderLineStatus.Compounding || l.Status == OrderLineStatus.Shipped || l.Status == OrderLineStatus.OnHold ||
            (l.Status == OrderLineStatus.Rejected && l.Owner != LineOwner.None));
        if (scope.ClinicId is { } clinicId)
        {
            query = query.Where(l => l.ClinicId == clinicId);
        }

        if (scope.PharmacyId is { } pharmacyId)
        {
            query = query.Where(l => l.PharmacyId == pharmacyId);
        }

        return query;
    }

    /// <summary>In its status since before that status's threshold: one parameterized condition per open status.</summary>
    private static Expression<Func<OrderLine, bool>> OverdueFilter(QueueHealthOptions options, DateTimeOffset now)
    {
        var pendingPayment = Cutoff(options, OrderLineStatus.PendingPayment, now);
        var submitted = Cutoff(options, OrderLineStatus.Submitted, now);
        var received = Cutoff(options, OrderLineStatus.Received, now);
        var compounding = Cutoff(options, OrderLineStatus.Compounding, now);
        var shipped = Cutoff(options, OrderLineStatus.Shipped, now);
        var onHold = Cutoff(options, OrderLineStatus.OnHold, now);
        var rejected = Cutoff(options, OrderLineStatus.Rejected, now);
        return l =>
            (l.Status == OrderLineStatus.PendingPayment && l.StatusSince < pendingPayment) ||
            (l.Status == OrderLineStatus.Submitted && l.StatusSince < submitted) ||
            (l.Status == OrderLineStatus.Received && l.StatusSince < received) ||
            (l.Status == OrderLineStatus.Compounding && l.StatusSince < compounding) ||
            (l.Status == OrderLineStatus.Shipped && l.StatusSince < shipped) ||
            (l.Status == OrderLineStatus.OnHold && l.StatusSince < onHold) ||
            (l.Status == OrderLineStatus.Rejected && l.StatusSince < rejected);
    }

    private static DateTimeOffset Cutoff(QueueHealthOptions options, OrderLineStatus status, DateTimeOffset now) => now.ToUniversalTime() - options.For(status);

    private static List<LineStatusHealth> Summarize(QueueScope scope, IReadOnlyList<Group> groups, IReadOnlyList<OverdueGroup> overdue, QueueHealthOptions options, DateTimeOffset now) =>
        OpenStatuses.Select(status =>
        {
            var mine = groups.Where(g => g.Status == status).ToList();
            var late = overdue.Where(g => g.Status == status).ToList();
            var owners = mine.GroupBy(g => g.Owner)
                .Select(o => new OwnerHealth(o.Key, o.Sum(g => g.Count), late.Where(g => g.Owner == o.Key).Sum(g => g.Count)))
                .OrderBy(o => o.Owner)
                .ToList();
            return new LineStatusHealth(
                scope,
                status,
                mine.Sum(g => g.Count),
                mine.Count == 0 ? null : mine.Min(g => g.OldestSince),
                options.For(status),
                Cutoff(options, status, now),
                late.Sum(g => g.Count),
                owners);
        }).ToList();
}
