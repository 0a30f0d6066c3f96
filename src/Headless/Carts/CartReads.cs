using Headless.Carts.Validation;
using Headless.Catalog;
using Headless.Data;
using Microsoft.EntityFrameworkCore;

namespace Headless.Carts;

/// <summary>
/// Reads a cart from the database a part at a time, so a read costs what it asks for, not what the cart holds:
/// counts and totals are aggregates computed by the database, lines come one keyset page at a time, and a
/// page's shipping shares and issues are read for that page only. Each part is read at most once per cart
/// object, on a context of its own (GraphQL resolves sibling fields in parallel).
/// </summary>
public sealed class CartReads : ICartContents
{
    private readonly IDbContextFactory<HeadlessDbContext> _contexts;
    private readonly Cart _cart;
    private readonly CancellationToken _ct;
    private readonly Lazy<Task<CartSummary>> _summary;
    private readonly Lazy<Task<ValidationRun?>> _latestValidation;

    /// <param name="latestValidation">The cart's latest validation when the cart's own query already read it (<see cref="OpenCarts.ReadAsync"/>); read on demand otherwise.</param>
    public CartReads(IDbContextFactory<HeadlessDbContext> contexts, Cart cart, CancellationToken ct, LatestValidation? latestValidation = null)
    {
        _contexts = contexts;
        _cart = cart;
        _ct = ct;
        _summary = new(ReadSummaryAsync);
        _latestValidation = latestValidation is { } known ? new(Task.FromResult(known.Run)) : new(ReadLatestValidationAsync);
    }

    /// <summary>A cart's latest validation as read with the cart: null when it has none.</summary>
    public sealed record LatestValidation(ValidationRun? Run);

    /// <summary>
    /// Lines with everything the rules, prices and line fields need in two queries: the lines with patient, offering,
    /// product and pharmacy (and its states), then the prescribers they name (and their licenses). Both track on the
    /// caller's context, which connects each line to its prescriber; a prescriber's licenses are read once, not per line.
    /// </summary>
    public static async Task<List<CartLine>> LoadWithEverythingAsync(HeadlessDbContext db, IQueryable<CartLine> lines, CancellationToken ct)
    {
        var loaded = await lines
            .Include(l => l.Patient)
            .Include(l => l.Offering).ThenInclude(o => o.Product)
            .Include(l => l.Offering).ThenInclude(o => o.Pharmacy)
            .AsSingleQuery()
            .ToListAsync(ct);
        var prescriberIds = loaded.Select(l => l.PrescriberId).OfType<long>().Distinct().ToList();
        if (prescriberIds.Count > 0)
        {
            await db.Prescribers.Where(p => prescriberIds.Contains(p.Id)).AsSingleQuery().LoadAsync(ct);
        }

        return loaded;
    }

    public Task<CartSummary> SummaryAsync() => _summary.Value;

    public async Task<IReadOnlyList<PharmacyTotal>> PharmacyTotalsAsync()
    {
        var summary = await SummaryAsync();
        if (summary.Pharmacies.Count == 0)
        {
            return [];
        }

        var ids = summary.Pharmacies.Select(p => p.PharmacyId).ToList();
        await using var db = await _contexts.CreateDbContextAsync(_ct);
        var pharmacies = await db.Pharmacies.AsNoTracking().Where(p => ids.Contains(p.Id)).ToDictionaryAsync(p => p.Id, _ct);
        return summary.Pharmacies
            .Select(p => new PharmacyTotal(pharmacies[p.PharmacyId], p.LineCount, p.ShipmentCount, p.Subtotal, p.Shipping))
            .OrderBy(t => t.Pharmacy.Name).ThenBy(t => t.Pharmacy.Id)
            .ToList();
    }

    public async Task<CartValidationView?> LatestValidationAsync() =>
        await _latestValidation.Value is { } run
            ? new CartValidationView(run, _cart.Version, () => ReadIssuesAsync(run.Id))
            : null;

    public async Task<CartLinePage> LinesAsync(int first, long? after)
    {
        List<CartLine> lines;
        Dictionary<long, ShipmentPosition> positions;
        await using (var db = await _contexts.CreateDbContextAsync(_ct))
        {
            // One line past the page tells whether another page follows.
            lines = await LoadWithEverythingAsync(
                db,
                db.CartLines.Where(l => l.CartId == _cart.Id && (after == null || l.Id > after)).OrderBy(l => l.Id).Take(first + 1),
                _ct);
            var page = lines.Take(first).ToList();
            positions = page.Count == 0 ? [] : await ShipmentPositionsAsync(db, page[0].Id, page[^1].Id);
        }

        var hasNext = lines.Count > first;
        var pageLines = lines.Take(first).ToList();
        var issues = await IssuesForAsync(pageLines);
        var views = pageLines
            .Select(l =>
            {
                var position = positions[l.Id];
                var priced = new PricedLine(l, CartPricing.LineTotal(l.Offering.UnitPrice, l.Quantity), CartPricing.ShippingShare(l.Offering.Pharmacy.ShippingFee, position.Size, position.Rank));
                return new CartLineView(priced, issues[l.Id].ToList());
            })
            .ToList();
        return new CartLinePage(views, hasNext);
    }

    /// <summary>
    /// Counts, totals and per-pharmacy figures in one aggregate query. A pharmacy's shipments are its lines'
    /// distinct shipment keys (the override's, else the patient's), each charged the pharmacy's fee once.
    /// </summary>
    private async Task<CartSummary> ReadSummaryAsync()
    {
        await using var db = await _contexts.CreateDbContextAsync(_ct);
        var cartId = _cart.Id;
        var rows = await db.CartLines.AsNoTracking()
            .Where(l => l.CartId == cartId)
            .GroupBy(l => new { l.PharmacyId, l.Offering.Pharmacy.ShippingFee })
            .Select(g => new
            {
                g.Key.PharmacyId,
                g.Key.ShippingFee,
                Lines = g.Count(),
                Shipments = g.Select(l => l.ShipToKey ?? l.Patient.AddressKey).Distinct().Count(),
                Subtotal = g.Sum(l => (long)(l.Quantity ?? 0) * l.Offering.UnitPrice),
                Patients = db.CartLines.Where(x => x.CartId == cartId).Select(x => x.PatientId).Distinct().Count(),
            })
            .ToListAsync(_ct);
        if (rows.Count == 0)
        {
            return CartSummary.Empty;
        }

        var pharmacies = rows.Select(r => new PharmacySubtotal(r.PharmacyId, r.Lines, r.Shipments, r.Subtotal, checked(r.ShippingFee * r.Shipments))).ToList();
        return new CartSummary(
            pharmacies.Aggregate(0, (sum, p) => checked(sum + p.LineCount)),
            rows[0].Patients,
            pharmacies.Aggregate(0L, (sum, p) => checked(sum + p.Subtotal)),
            pharmacies.Aggregate(0L, (sum, p) => checked(sum + p.Shipping)),
            pharmacies);
    }

    private async Task<ValidationRun?> ReadLatestValidationAsync()
    {
        await using var db = await _contexts.CreateDbContextAsync(_ct);
        return await db.CartValidations.AsNoTracking()
            .Where(v => v.CartId == _cart.Id)
            .OrderByDescending(v => v.Id)
            .Select(v => new ValidationRun(v.Id, v.CartVersion, v.ErrorCount, v.WarningCount, v.ValidatedAt))
            .FirstOrDefaultAsync(_ct);
    }

    private async Task<IReadOnlyList<CartIssue>> ReadIssuesAsync(long validationId)
    {
        await using var db = await _contexts.CreateDbContextAsync(_ct);
        var validation = await db.CartValidations.AsNoTracking().FirstAsync(v => v.Id == validationId, _ct);
        return validation.Issues;
    }

    /// <summary>The latest validation's issues on the page's lines only (the lines are consecutive keys of this cart).</summary>
    private async Task<ILookup<long, CartIssue>> IssuesForAsync(List<CartLine> page)
    {
        if (page.Count == 0 || await _latestValidation.Value is not { } run)
        {
            return Array.Empty<CartIssue>().ToLookup(i => i.LineId ?? 0);
        }

        await using var db = await _contexts.CreateDbContextAsync(_ct);
        var (from, to) = (page[0].Id, page[^1].Id);
        var issues = await CartValidationReads.IssuesOnLinesAsync(db, run.Id, from, to, _ct);
        return issues.ToLookup(i => i.LineId ?? 0);
    }

    /// <summary>
    /// Where each line of a page sits in its shipment: the shipment's size and the line's 0-based rank in it, by line
    /// key, computed by the database over the whole cart with window functions and returned for the page only.
    /// </summary>
    private async Task<Dictionary<long, ShipmentPosition>> ShipmentPositionsAsync(HeadlessDbContext db, long fromLineId, long toLineId)
    {
        var cartId = _cart.Id;
        var organizationId = _cart.OrganizationId;
        var rows = await db.Database.SqlQuery<ShipmentPosition>($"""
            SELECT s."Id", s."Size", s."Rank" FROM (
                SELECT l."Id" AS "Id",
                    CAST(COUNT(*) OVER (PARTITION BY l."PharmacyId", COALESCE(l."ShipToKey", p."AddressKey")) AS BIGINT) AS "Size",
                    CAST(ROW_NUMBER() OVER (PARTITION BY l."PharmacyId", COALESCE(l."ShipToKey", p."AddressKey") ORDER BY l."Id") - 1 AS BIGINT) AS "Rank"
                FROM "CartLines" AS l
                INNER JOIN "Patients" AS p ON p."Id" = l."PatientId"
                WHERE l."CartId" = {cartId} AND l."OrganizationId" = {organizationId}
            ) AS s
            WHERE s."Id" >= {fromLineId} AND s."Id" <= {toLineId}
            """).ToListAsync(_ct);
        return rows.ToDictionary(r => r.Id);
    }

    /// <summary>A row of <see cref="ShipmentPositionsAsync"/>.</summary>
    public sealed class ShipmentPosition
    {
        public long Id { get; init; }

        public long Size { get; init; }

        public long Rank { get; init; }
    }
}
