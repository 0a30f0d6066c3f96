using GraphQL;
using Headless.Data;
using Headless.GraphQL;
using Microsoft.EntityFrameworkCore;

namespace Headless.Orders;

/// <summary>
/// The list reads behind orders(filter) and orderLines(filter): keyset pages (never OFFSET), filters that each map to
/// an index (README "Finding orders and lines"), and totals counted only when a query asks for them.
/// </summary>
public static class OrderSearch
{
    private const char LikeEscape = '\\';

    /// <summary>Orders newest first (by placedAt, then key). One query for the page.</summary>
    public static async Task<Connection<Order>> OrdersAsync(
        IDbContextFactory<HeadlessDbContext> contexts, OrderFilter? filter, int first, KeysetCursor? after, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var page = FilterOrders(db.Orders.AsNoTracking(), filter);
        if (page is not null && after is { } a)
        {
            page = page.Where(o => o.PlacedAt < a.At || (o.PlacedAt == a.At && o.Id < a.Id));
        }

        var rows = page is null || first == 0 ? [] : await page.OrderByDescending(o => o.PlacedAt).ThenByDescending(o => o.Id).Take(first + 1).ToListAsync(ct);
        return KeysetCursor.Page(rows, first, after is not null, o => new KeysetCursor(o.PlacedAt, o.Id), async () =>
        {
            await using var count = await contexts.CreateDbContextAsync(ct);
            return FilterOrders(count.Orders, filter) is { } q ? await q.CountAsync(ct) : 0;
        });
    }

    /// <summary>Order lines by most recent change (changedAt, then key). One query for the page, four for what the lines point to, and one first for a name search.</summary>
    public static async Task<Connection<OrderLineView>> LinesAsync(
        IDbContextFactory<HeadlessDbContext> contexts, OrderLineFilter? filter, DateTimeOffset now, int first, KeysetCursor? after, CancellationToken ct)
    {
        var terms = NameTerms(filter?.PatientName);
        if (filter?.StuckForMinutes is < 0 or > OrderLineFilterType.MaxStuckForMinutes)
        {
            throw new ExecutionError($"stuckForMinutes must be between 0 and {OrderLineFilterType.MaxStuckForMinutes}.") { Code = "INVALID_FILTER" };
        }

        await using var db = await contexts.CreateDbContextAsync(ct);
        var patients = terms.Count == 0 ? null : await MatchingPatientsAsync(db, terms, ct);
        var page = FilterLines(db, db.OrderLines.AsNoTracking(), filter, terms, patients, now);
        if (page is not null && after is { } a)
        {
            page = page.Where(l => l.ChangedAt < a.At || (l.ChangedAt == a.At && l.Id < a.Id));
        }

        var rows = page is null || first == 0 ? [] : await page.OrderByDescending(l => l.ChangedAt).ThenByDescending(l => l.Id).Take(first + 1).ToListAsync(ct);
        var views = await OrderLineView.LoadAsync(db, rows, ct);
        return KeysetCursor.Page(views, first, after is not null, v => new KeysetCursor(v.Line.ChangedAt, v.Line.Id), async () =>
        {
            await using var count = await contexts.CreateDbContextAsync(ct);
            return FilterLines(count, count.OrderLines, filter, terms, patients, now) is { } q ? await q.CountAsync(ct) : 0;
        });
    }

    /// <summary>The filtered orders; null when the filter can match nothing (an ID or number this API did not issue).</summary>
    private static IQueryable<Order>? FilterOrders(IQueryable<Order> query, OrderFilter? filter)
    {
        if (filter is null)
        {
            return query;
        }

        if (filter.ClinicId is { } clinic)
        {
            if (!GlobalId.TryDecode(clinic, "Clinic", out var clinicId))
            {
                return null;
            }

            query = query.Where(o => o.ClinicId == clinicId);
        }

        if (filter.Status is { Count: > 0 } statuses)
        {
            query = query.Where(o => statuses.Contains(o.Status));
        }

        if (filter.PaymentStatus is { Count: > 0 } payments)
        {
            query = query.Where(o => payments.Contains(o.PaymentStatus));
        }

        if (filter.PlacedFrom is { } from)
        {
            var utc = from.ToUniversalTime();
            query = query.Where(o => o.PlacedAt >= utc);
        }

        if (filter.PlacedBefore is { } before)
        {
            var utc = before.ToUniversalTime();
            query = query.Where(o => o.PlacedAt < utc);
        }

        return query;
    }

    /// <summary>
    /// The keys of the patients a name search matches, when there are at most <see cref="PatientsFirstLimit"/>; null when
    /// there are more. A narrow search then reads just those patients' lines (by the patient index) and sorts them; a
    /// broad one ("son") is left to the database as a semi-join, where walking the lines newest first finds a page
    /// quickly. Choosing here, on the real count, keeps a rare name from walking a million lines.
    /// </summary>
    private static async Task<List<long>?> MatchingPatientsAsync(HeadlessDbContext db, IReadOnlyList<string> terms, CancellationToken ct)
    {
        // Which 501 rows a broad search returns does not matter (only their count does), but a limit without an order
        // makes EF Core warn on every search; ordering by the key costs a top-N sort of integers.
        var ids = await NameMatches(db, terms).Select(p => p.Id).OrderBy(id => id).Take(PatientsFirstLimit + 1).ToListAsync(ct);
        return ids.Count > PatientsFirstLimit ? null : ids;
    }

    private const int PatientsFirstLimit = 500;

    private static IQueryable<Patients.Patient> NameMatches(HeadlessDbContext db, IReadOnlyList<string> terms)
    {
        var patients = db.Patients.AsQueryable();
        foreach (var term in terms)
        {
            var pattern = "%" + EscapeLike(term) + "%";
            patients = patients.Where(p => EF.Functions.Like(p.SearchName, pattern, LikeEscape.ToString()));
        }

        return patients;
    }

    private static IQueryable<OrderLine>? FilterLines(
        HeadlessDbContext db, IQueryable<OrderLine> query, OrderLineFilter? filter, IReadOnlyList<string> terms, List<long>? patientIds, DateTimeOffset now)
    {
        if (filter is null)
        {
            return query;
        }

        if (terms.Count > 0)
        {
            if (patientIds is { Count: 0 })
            {
                return null;
            }

            if (patientIds is not null)
            {
                query = query.Where(l => patientIds.Contains(l.PatientId));
            }
            else
            {
                var ids = NameMatches(db, terms).Select(p => p.Id);
                query = query.Where(l => ids.Contains(l.PatientId));
            }
        }

        if (filter.PatientExternalId is { } externalId)
        {
            var ids = db.Patients.Where(p => p.ExternalId == externalId).Select(p => p.Id);
            query = query.Where(l => ids.Contains(l.PatientId));
        }

        if (filter.LineNumber is { } lineNumber)
        {
            if (!OrderLine.TryParseNumber(lineNumber.Trim(), out var orderId, out var position))
            {
                return null;
            }

            query = query.Where(l => l.OrderId == orderId && l.Position == position);
        }

        if (filter.OrderNumber is { } orderNumber)
        {
            if (!Order.TryParseNumber(orderNumber.Trim(), out var orderId) || orderNumber.Trim().IndexOf('-', Order.NumberPrefix.Length) >= 0)
            {
                return null;
            }

            query = query.Where(l => l.OrderId == orderId);
        }

        if (filter.Status is { Count: > 0 } statuses)
        {
            query = query.Where(l => statuses.Contains(l.Status));
        }

        if (filter.Owner is { Count: > 0 } owners)
        {
            query = query.Where(l => owners.Contains(l.Owner));
        }

        if (filter.PharmacyId is { } pharmacy)
        {
            if (!GlobalId.TryDecode(pharmacy, "Pharmacy", out var pharmacyId))
            {
                return null;
            }

            query = query.Where(l => l.PharmacyId == pharmacyId);
        }

        if (filter.ClinicId is { } clinic)
        {
            if (!GlobalId.TryDecode(clinic, "Clinic", out var clinicId))
            {
                return null;
            }

            query = query.Where(l => l.ClinicId == clinicId);
        }

        if (filter.StuckForMinutes is { } minutes)
        {
            var since = now.ToUniversalTime().AddMinutes(-minutes);
            query = query.Where(l => l.Owner != LineOwner.None && l.StatusSince < since);
        }

        return query;
    }

    /// <summary>The lower-cased words of a name search, as the patients' search column stores names.</summary>
    private static IReadOnlyList<string> NameTerms(string? name)
    {
        if (name is null)
        {
            return [];
        }

        if (name.Length > OrderLineFilterType.MaxPatientNameLength)
        {
            throw new ExecutionError($"patientName must be at most {OrderLineFilterType.MaxPatientNameLength} characters.") { Code = "INVALID_FILTER" };
        }

        var terms = name.ToLowerInvariant().Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Distinct().ToList();
        if (terms.Count == 0 || terms.Max(t => t.Length) < OrderLineFilterType.MinPatientNameTerm)
        {
            // A shorter pattern has no trigram to look up, so it would read every patient of the organization.
            throw new ExecutionError($"patientName needs at least one word of {OrderLineFilterType.MinPatientNameTerm} or more characters.") { Code = "INVALID_FILTER" };
        }

        return terms;
    }

    private static string EscapeLike(string term) =>
        term.Replace(@"\", @"\\", StringComparison.Ordinal).Replace("%", @"\%", StringComparison.Ordinal).Replace("_", @"\_", StringComparison.Ordinal);
}
