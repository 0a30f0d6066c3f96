using System.Globalization;
using Headless.Catalog;
using Headless.Clinics;

namespace Headless.Carts;

/// <summary>Chooses a pharmacy for a line that does not name one, and says why in words a coordinator can read.</summary>
public static class PharmacyRouter
{
    public static (Offering Offering, string Reason) Choose(IReadOnlyList<Offering> offerings, string shipToState, int quantity, RoutingPreference preference, IEnumerable<CartLine> cartLines)
    {
        var claimed = cartLines.GroupBy(l => l.OfferingId).ToDictionary(g => g.Key, g => g.Sum(l => (long)(l.Quantity ?? 0)));
        var eligible = offerings
            .Where(o => o.IsAvailable && o.Pharmacy.ShipsToState(shipToState) && quantity <= o.MaxQuantity && o.Stock - claimed.GetValueOrDefault(o.Id) >= quantity)
            .ToList();

        if (eligible.Count > 0)
        {
            if (preference == RoutingPreference.Fastest)
            {
                var fastest = eligible.OrderBy(o => o.Pharmacy.TurnaroundDays).ThenBy(o => o.UnitPrice).ThenBy(o => o.Id).First();
                return (fastest, $"Fastest turnaround ({fastest.Pharmacy.TurnaroundDays} days) among {Count(eligible.Count)} in stock and licensed for {shipToState}; clinic prefers speed.");
            }

            var cheapest = eligible.OrderBy(o => o.UnitPrice).ThenBy(o => o.Pharmacy.TurnaroundDays).ThenBy(o => o.Id).First();
            return (cheapest, $"Lowest unit price ({Price(cheapest.UnitPrice)}) among {Count(eligible.Count)} in stock and licensed for {shipToState}; clinic prefers price.");
        }

        // Nothing qualifies: keep the coordinator's line on the best remaining offering so validation can
        // name the exact problem (licensure, stock, availability) instead of refusing the edit.
        var fallback = offerings.OrderByDescending(o => o.IsAvailable).ThenBy(o => o.UnitPrice).ThenBy(o => o.Id).First();
        return (fallback, $"No pharmacy licensed for {shipToState} has enough in stock; kept the lowest-priced offering for review.");
    }

    private static string Count(int n) => n == 1 ? "the only pharmacy" : $"{n} pharmacies";

    private static string Price(long minor) => string.Create(CultureInfo.InvariantCulture, $"${minor / 100}.{minor % 100:00}");
}
