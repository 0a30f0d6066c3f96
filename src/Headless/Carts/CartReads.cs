using Headless.Carts.Validation;
using Headless.Catalog;
using Headless.Data;
using Microsoft.EntityFrameworkCore;

namespace Headless.Carts;

/// <summary>
/// Reads a cart from the database a part at a time, so a read costs what it asks for, not what the cart holds:
/// counts, totals and pharmacy totals are aggregates computed by the database (one query, with the latest validation's
/// header), lines come one keyset page at a time with their shipping positions, and a page's issues are read for that
/// page only. Each part is read at most once per cart object, on a context of its own (GraphQL resolves sibling fields
/// in parallel).
/// </summary>
public sealed class CartReads : ICartContents
{
    private readonly IDbContextFactory<HeadlessDbContext> _contexts;
    private readonly Cart _cart;
    private readonly CancellationToken _ct;
    private readonly Lazy<Task<CartHeader>> _header;

    /// <param name="header">The cart's totals and latest validation when the cart's own query already read them (<see cref="OpenCarts.ReadAsync"/>); read on demand otherwise.</param>
    public CartReads(IDbContextFactory<HeadlessDbContext> contexts, Cart cart, CancellationToken ct, CartHeader? header = null)
    {
        _contexts = contexts;
        _cart = cart;
        _ct = ct;
        _header = header is { } known ? new(Task.FromResult(known)) : new(ReadOwnHeaderAsync);
    }

    /// <summary>A cart with what one query reads beside it: its latest validation (null before the first), counts, totals and pharmacy totals.</summary>
    public sealed record CartHeader(Cart Cart, ValidationRun? LatestValidation, CartSummary Summary, IReadOnlyList<PharmacyTotal> PharmacyTotals)
    {
        /// <summary>The header of a cart without lines or validations (one just opened).</summary>
        public static CartHeader Empty(Cart cart) => new(cart, null, CartSummary.Empty, []);
    }

    /// <summary>
    /// The cart of <paramref name="carts"/> (at most one) with its header in one query: the latest validation by a left
    /// join, and one row per pharmacy the cart's lines go to (left joined, so a cart without lines still has its row),
    /// each with the pharmacy's line count, shipments and subtotal and the cart's patient count as scalar subqueries.
    /// A pharmacy's shipments are its lines' distinct shipment keys (the override's, else the patient's), each charged
    /// the pharmacy's fee once. <paramref name="lines"/> are the same cart's lines, named by the same parameters rather
    /// than by the outer row: EF needs a lateral join (APPLY, which SQLite lacks) for a subquery reaching the outer row.
    /// </summary>
    public static async Task<CartHeader?> ReadHeaderAsync(HeadlessDbContext db, IQueryable<Cart> carts, IQueryable<CartLine> lines, CancellationToken ct)
    {
        var rows = await (
            from c in carts.AsNoTracking()
            join v in db.CartValidations.Where(v => v.Id == db.CartValidations.Where(w => w.CartId == v.CartId).Max(w => w.Id))
                on c.Id equals v.CartId into runs
            from v in runs.DefaultIfEmpty()
            from p in db.Pharmacies.Where(p => lines.Any(l => l.PharmacyId == p.Id)).DefaultIfEmpty()
            orderby c.Id
            select new
            {
                Cart = c,
                Run = v == null ? null : new ValidationRun(v.Id, v.CartVersion, v.ErrorCount, v.WarningCount, v.ValidatedAt),
                Patients = lines.Select(l => l.PatientId).Distinct().Count(),
                Pharmacy = p,
                Lines = lines.Count(l => l.PharmacyId == p!.Id),
                Shipments = lines.Where(l => l.PharmacyId == p!.Id).Select(l => l.ShipToKey ?? l.Patient.AddressKey).Distinct().Count(),
                Subtotal = lines.Where(l => l.PharmacyId == p!.Id).Sum(l => (long)(l.Quantity ?? 0) * l.Offering.UnitPrice),
            }).ToListAsync(ct);
        if (rows.Count == 0)
        {
            return null;
        }

        var row = rows[0];
        var totals = rows
            .Where(r => r.Pharmacy is not null)
            .Select(r => new PharmacyTotal(r.Pharmacy!, r.Lines, r.Shipments, r.Subtotal, checked(r.Pharmacy!.ShippingFee * r.Shipments)))
            .OrderBy(t => t.Pharmacy.Name).ThenBy(t => t.Pharmacy.Id)
            .ToList();
        var summary = totals.Count == 0
            ? CartSummary.Empty
            : new CartSummary(
                totals.Aggregate(0, (sum, p) => checked(sum + p.LineCount)),
                row.Patients,
                totals.Aggregate(0L, (sum, p) => checked(sum + p.Subtotal)),
                totals.Aggregate(0L, (sum, p) => checked(sum + p.Shipping)),
                totals.Select(t => new PharmacySubtotal(t.Pharmacy.Id, t.LineCount, t.ShipmentCount, t.Subtotal, t.Shipping)).ToList());
        return new CartHeader(row.Cart, row.Run, summary, totals);
    }

    public async Task<CartSummary> SummaryAsync() => (await _header.Value).Summary;

    public async Task<IReadOnlyList<PharmacyTotal>> PharmacyTotalsAsync() => (await _header.Value).PharmacyTotals;

    public async Task<CartValidationView?> LatestValidationAsync() =>
        (await _header.Value).LatestValidation is { } run
            ? new CartValidationView(run, _cart.Version, () => ReadIssuesAsync(run.Id))
            : null;

    /// <summary>
    /// One query for the page (and one line past it, which tells whether another page follows): each line with its
    /// patient, prescriber, offering, product and pharmacy (a prescriber's licenses and a pharmacy's states are JSON in
    /// their rows, so nothing multiplies), and where it sits in its shipment (the shipment's size and the line's
    /// 0-based rank in it, counted over the whole cart by scalar subqueries). The query tracks, so the context
    /// connects each line to what it points to.
    /// </summary>
    public async Task<CartLinePage> LinesAsync(int first, long? after)
    {
        var cartId = _cart.Id;
        await using var db = await _contexts.CreateDbContextAsync(_ct);
        var rows = await db.CartLines
            .Where(l => l.CartId == cartId && (after == null || l.Id > after))
            .OrderBy(l => l.Id)
            .Take(first + 1)
            .Select(l => new
            {
                Line = l,
                l.Patient,
                l.Prescriber,
                l.Offering,
                l.Offering.Product,
                l.Offering.Pharmacy,
                Size = db.CartLines.Count(x => x.CartId == cartId && x.PharmacyId == l.PharmacyId
                    && (x.ShipToKey ?? x.Patient.AddressKey) == (l.ShipToKey ?? l.Patient.AddressKey)),
                Rank = db.CartLines.Count(x => x.CartId == cartId && x.PharmacyId == l.PharmacyId && x.Id < l.Id
                    && (x.ShipToKey ?? x.Patient.AddressKey) == (l.ShipToKey ?? l.Patient.AddressKey)),
            })
            .ToListAsync(_ct);
        var page = rows.Take(first).ToList();
        var issues = await IssuesForAsync(page.Select(r => r.Line).ToList());
        var views = page
            .Select(r =>
            {
                var l = r.Line;
                var priced = new PricedLine(l, CartPricing.LineTotal(l.Offering.UnitPrice, l.Quantity), CartPricing.ShippingShare(l.Offering.Pharmacy.ShippingFee, r.Size, r.Rank));
                return new CartLineView(priced, issues[l.Id].ToList());
            })
            .ToList();
        return new CartLinePage(views, rows.Count > first);
    }

    private async Task<CartHeader> ReadOwnHeaderAsync()
    {
        await using var db = await _contexts.CreateDbContextAsync(_ct);
        var cartId = _cart.Id;
        return await ReadHeaderAsync(db, db.Carts.Where(c => c.Id == cartId), db.CartLines.Where(l => l.CartId == cartId), _ct) ?? CartHeader.Empty(_cart);
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
        if (page.Count == 0 || (await _header.Value).LatestValidation is not { } run)
        {
            return Array.Empty<CartIssue>().ToLookup(i => i.LineId ?? 0);
        }

        await using var db = await _contexts.CreateDbContextAsync(_ct);
        var (from, to) = (page[0].Id, page[^1].Id);
        var issues = await CartValidationReads.IssuesOnLinesAsync(db, run.Id, from, to, _ct);
        return issues.ToLookup(i => i.LineId ?? 0);
    }
}
