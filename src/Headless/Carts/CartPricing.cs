using Headless.Catalog;

namespace Headless.Carts;

/// <summary>A line with its server-computed prices: catalog unit price, total, and its share of the shipment's fee.</summary>
public sealed record PricedLine(CartLine Line, long LineTotal, long ShippingShare)
{
    /// <summary>The unit price <see cref="LineTotal"/> was computed from: the catalog's, unless checkout sets the validated one.</summary>
    public long UnitPrice { get; init; } = Line.Offering.UnitPrice;

    public long LandedCost => checked(LineTotal + ShippingShare);
}

/// <summary>What one pharmacy's part of the cart costs.</summary>
public sealed record PharmacyTotal(Pharmacy Pharmacy, int LineCount, int ShipmentCount, long Subtotal, long Shipping)
{
    public long Total => checked(Subtotal + Shipping);
}

/// <summary>
/// Prices come only from the catalog. Each pharmacy charges its fee once per shipment (its lines going to one
/// ship-to address, see <see cref="Shared.Address.ShipmentKey"/>); the fee is split evenly over that
/// shipment's lines, the odd cents going to the earliest lines. The cart read (in SQL, a page at a time)
/// and checkout (in memory, the whole cart) use these same two functions, so they agree to the cent.
/// </summary>
public static class CartPricing
{
    /// <summary>The share of a <paramref name="fee"/> split over <paramref name="shipmentSize"/> lines for the line at 0-based <paramref name="rank"/> (by line key).</summary>
    public static long ShippingShare(long fee, long shipmentSize, long rank) =>
        (fee / shipmentSize) + (rank < fee % shipmentSize ? 1 : 0);

    /// <summary>Unit price times quantity (zero while the quantity is empty), refusing to wrap.</summary>
    public static long LineTotal(long unitPrice, int? quantity) => checked(unitPrice * (quantity ?? 0));

    /// <summary>Prices a whole cart whose lines are loaded with their offerings, pharmacies and patients.</summary>
    public static IReadOnlyList<PricedLine> Price(IReadOnlyList<CartLine> lines)
    {
        var shares = ShippingShares(lines);
        return lines.Select(l => new PricedLine(l, LineTotal(l.Offering.UnitPrice, l.Quantity), shares[l.Id])).ToList();
    }

    /// <summary>Each line's share of its shipment's fee, by line key.</summary>
    public static Dictionary<long, long> ShippingShares(IReadOnlyList<CartLine> lines)
    {
        var shares = new Dictionary<long, long>();
        foreach (var shipment in lines.GroupBy(l => (l.PharmacyId, l.ShipmentKey)))
        {
            var members = shipment.OrderBy(l => l.Id).ToList();
            var fee = members[0].Offering.Pharmacy.ShippingFee;
            for (var i = 0; i < members.Count; i++)
            {
                shares[members[i].Id] = ShippingShare(fee, members.Count, i);
            }
        }

        return shares;
    }
}
