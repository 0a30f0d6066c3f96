using Headless.Catalog;
using Headless.Data;
using Headless.Shared;
using Headless.Validation;
using Microsoft.EntityFrameworkCore;

namespace Headless.Carts;

/// <summary>A line with its server-computed prices: catalog unit price, total, and its share of the shipment's fee.</summary>
public sealed record PricedLine(CartLine Line, long LineTotal, long ShippingShare)
{
    public long LandedCost => LineTotal + ShippingShare;
}

/// <summary>What one pharmacy's part of the cart costs.</summary>
public sealed record PharmacyTotal(Pharmacy Pharmacy, int LineCount, int ShipmentCount, long Subtotal, long Shipping)
{
    public long Total => Subtotal + Shipping;
}

/// <summary>
/// A whole cart as read at one moment: its lines with everything they point to, their prices, the
/// totals and the latest validation. Loaded in a fixed number of queries whatever the line count.
/// </summary>
public sealed class CartSnapshot
{
    private readonly ILookup<long?, CartIssue> _issuesByLine;

    private CartSnapshot(Cart cart, IReadOnlyList<PricedLine> lines, CartValidation? validation)
    {
        Cart = cart;
        Lines = lines;
        LatestValidation = validation;
        _issuesByLine = (validation?.Issues ?? []).ToLookup(i => i.LineId);
        PharmacyTotals = lines
            .GroupBy(l => l.Line.PharmacyId)
            .Select(g => new PharmacyTotal(
                g.First().Line.Offering.Pharmacy,
                g.Count(),
                g.Select(l => ShipmentKey(l.Line)).Distinct().Count(),
                g.Sum(l => l.LineTotal),
                g.Sum(l => l.ShippingShare)))
            .OrderBy(t => t.Pharmacy.Name).ThenBy(t => t.Pharmacy.Id)
            .ToList();
    }

    public Cart Cart { get; }

    public IReadOnlyList<PricedLine> Lines { get; }

    public CartValidation? LatestValidation { get; }

    public IReadOnlyList<PharmacyTotal> PharmacyTotals { get; }

    public string Currency => Money.DefaultCurrency;

    public long Subtotal => PharmacyTotals.Sum(t => t.Subtotal);

    public long Shipping => PharmacyTotals.Sum(t => t.Shipping);

    public int PatientCount => Lines.Select(l => l.Line.PatientId).Distinct().Count();

    /// <summary>True when the latest validation saw this very version, found no errors, and the cart has lines.</summary>
    public bool CheckoutReady => Lines.Count > 0 && LatestValidation is { ErrorCount: 0 } v && v.CartVersion == Cart.Version;

    public IEnumerable<CartIssue> IssuesFor(long lineId) => _issuesByLine[lineId];

    public static async Task<CartSnapshot> LoadAsync(HeadlessDbContext db, Cart cart, CancellationToken ct)
    {
        var lines = await LoadLinesAsync(db, cart.Id, ct);
        var validation = await db.CartValidations.AsNoTracking()
            .Where(v => v.CartId == cart.Id)
            .OrderByDescending(v => v.Id)
            .FirstOrDefaultAsync(ct);
        return new CartSnapshot(cart, Price(lines), validation);
    }

    /// <summary>A snapshot from lines and a validation already loaded (by the validator), with prices computed here.</summary>
    public static CartSnapshot From(Cart cart, IReadOnlyList<CartLine> lines, CartValidation? validation) => new(cart, Price(lines), validation);

    /// <summary>Every line with patient, prescriber (and licenses), offering, product and pharmacy (and its states).</summary>
    public static Task<List<CartLine>> LoadLinesAsync(HeadlessDbContext db, long cartId, CancellationToken ct) =>
        db.CartLines.AsNoTracking()
            .Where(l => l.CartId == cartId)
            .Include(l => l.Patient)
            .Include(l => l.Prescriber)
            .Include(l => l.Offering).ThenInclude(o => o.Product)
            .Include(l => l.Offering).ThenInclude(o => o.Pharmacy).ThenInclude(p => p.ShipsTo)
            .OrderBy(l => l.Id)
            .AsSplitQuery()
            .ToListAsync(ct);

    /// <summary>
    /// Prices come only from the catalog. Each pharmacy charges its fee once per shipment (one ship-to
    /// address); the fee is split evenly over that shipment's lines, the odd cents going to the earliest lines.
    /// </summary>
    public static IReadOnlyList<PricedLine> Price(IReadOnlyList<CartLine> lines)
    {
        var shares = new Dictionary<long, long>();
        foreach (var shipment in lines.GroupBy(l => (l.PharmacyId, ShipmentKey(l))))
        {
            var members = shipment.OrderBy(l => l.Id).ToList();
            var fee = members[0].Offering.Pharmacy.ShippingFee;
            var each = fee / members.Count;
            var remainder = fee % members.Count;
            for (var i = 0; i < members.Count; i++)
            {
                shares[members[i].Id] = each + (i < remainder ? 1 : 0);
            }
        }

        return lines.Select(l => new PricedLine(l, l.Offering.UnitPrice * (l.Quantity ?? 0), shares[l.Id])).ToList();
    }

    private static string ShipmentKey(CartLine line)
    {
        var a = line.ShipTo;
        return string.Join('|', a.Line1, a.Line2, a.City, a.State, a.Zip).ToUpperInvariant();
    }
}
