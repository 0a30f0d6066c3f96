using Headless.Carts.Validation;
using Headless.Catalog;
using Headless.Data;
using Microsoft.EntityFrameworkCore;

namespace Headless.Carts;

/// <summary>
/// A whole cart in memory: every line with everything it points to, priced, and the validation run over it.
/// Validation and checkout need the whole cart anyway; cartValidate answers from this snapshot without reading
/// the cart again.
/// </summary>
public sealed class CartSnapshot : ICartContents
{
    private readonly IReadOnlyList<PricedLine> _lines;
    private readonly CartValidation? _validation;
    private readonly ILookup<long?, CartIssue> _issuesByLine;

    private CartSnapshot(Cart cart, IReadOnlyList<PricedLine> lines, CartValidation? validation)
    {
        Cart = cart;
        _lines = lines;
        _validation = validation;
        _issuesByLine = (validation?.Issues ?? []).ToLookup(i => i.LineId);
    }

    public Cart Cart { get; }

    public CartValidation? Validation => _validation;

    public static CartSnapshot From(Cart cart, IReadOnlyList<CartLine> lines, CartValidation? validation) => new(cart, CartPricing.Price(lines), validation);

    /// <summary>
    /// The cart, every line with patient, prescriber (and licenses), offering, product and pharmacy (and its states), and
    /// every offering of the cart's products (the lines' own among them: validation compares them as alternatives), in
    /// two queries whatever the line count: the lines with their cart, patients and prescribers (the cart alone when it
    /// has no line; licenses are JSON in the prescriber's row, so nothing multiplies), then the offerings. The queries
    /// track, so the context connects each line to its offering, and a pharmacy's states are read once rather than per line.
    /// The cart is null when no cart has this ID.
    /// </summary>
    public static async Task<(Cart? Cart, List<CartLine> Lines, List<Offering> Offerings)> LoadAsync(HeadlessDbContext db, long cartId, CancellationToken ct)
    {
        var lines = await db.CartLines.Where(l => l.CartId == cartId)
            .Include(l => l.Cart).Include(l => l.Patient).Include(l => l.Prescriber)
            .OrderBy(l => l.Id)
            .AsSingleQuery()
            .ToListAsync(ct);
        if (lines.Count == 0)
        {
            return (await db.Carts.FirstOrDefaultAsync(c => c.Id == cartId, ct), [], []);
        }

        var productIds = lines.Select(l => l.ProductId).Distinct().ToList();
        var offerings = await db.Offerings
            .Include(o => o.Product).Include(o => o.Pharmacy)
            .Where(o => productIds.Contains(o.ProductId))
            .AsSingleQuery()
            .ToListAsync(ct);
        return (lines[0].Cart, lines, offerings);
    }

    public Task<CartSummary> SummaryAsync()
    {
        var pharmacies = Totals().Select(t => new PharmacySubtotal(t.Pharmacy.Id, t.LineCount, t.ShipmentCount, t.Subtotal, t.Shipping)).ToList();
        return Task.FromResult(new CartSummary(
            _lines.Count,
            _lines.Select(l => l.Line.PatientId).Distinct().Count(),
            pharmacies.Aggregate(0L, (sum, p) => checked(sum + p.Subtotal)),
            pharmacies.Aggregate(0L, (sum, p) => checked(sum + p.Shipping)),
            pharmacies));
    }

    public Task<IReadOnlyList<PharmacyTotal>> PharmacyTotalsAsync() => Task.FromResult<IReadOnlyList<PharmacyTotal>>(Totals());

    public Task<CartValidationView?> LatestValidationAsync() =>
        Task.FromResult(_validation is null ? null : new CartValidationView(_validation, Cart.Version));

    public Task<CartLinePage> LinesAsync(int first, long? after)
    {
        var rest = _lines.Where(l => after is null || l.Line.Id > after).OrderBy(l => l.Line.Id).ToList();
        var page = rest.Take(first).Select(l => new CartLineView(l, _issuesByLine[l.Line.Id].ToList())).ToList();
        return Task.FromResult(new CartLinePage(page, rest.Count > first));
    }

    private List<PharmacyTotal> Totals() => _lines
        .GroupBy(l => l.Line.PharmacyId)
        .Select(g => new PharmacyTotal(
            g.First().Line.Offering.Pharmacy,
            g.Count(),
            g.Select(l => l.Line.ShipmentKey).Distinct().Count(),
            g.Aggregate(0L, (sum, l) => checked(sum + l.LineTotal)),
            g.Aggregate(0L, (sum, l) => checked(sum + l.ShippingShare))))
        .OrderBy(t => t.Pharmacy.Name).ThenBy(t => t.Pharmacy.Id)
        .ToList();
}
