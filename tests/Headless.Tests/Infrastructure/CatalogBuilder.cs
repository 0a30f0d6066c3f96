using Headless.Catalog;
using Headless.Data;
using Headless.GraphQL;

namespace Headless.Tests.Infrastructure;

/// <summary>
/// The partner catalog that tests and benchmarks build on (this file is linked into Headless.Benchmarks): the same
/// pharmacies, products, prices and quantity limits everywhere. A catalog holds only the offerings asked for, with
/// the pharmacies and products they name; catalog rows go straight to the database because there is no catalog API.
/// </summary>
/// <param name="stock">Stock of every offering except NAD+ at West, which has little.</param>
public sealed class CatalogBuilder(int stock = CatalogBuilder.AmpleStock)
{
    public const int AmpleStock = 500;
    public const int NadWestStock = 5;

    private readonly List<Offering> _offerings = [];

    public Pharmacy West { get; } = new("West Compounding", 3, 1500, ["CA", "NV", "TX"]);

    public Pharmacy East { get; } = new("East Compounding", 5, 1200, ["NY", "NJ", "TX"]);

    public Pharmacy Slow { get; } = new("Slow Compounding", 9, 600, ["TX", "FL"]);

    public Product Semaglutide { get; } = new("Semaglutide", "2.5 mg/mL", "2 mL vial", null);

    public Product Testosterone { get; } = new("Testosterone Cypionate", "200 mg/mL", "10 mL vial", "III");

    public Product Nad { get; } = new("NAD+", "200 mg/mL", "5 mL vial", null);

    public Product Sermorelin { get; } = new("Sermorelin", "9 mg", "vial", null);

    public Product Oxytocin { get; } = new("Oxytocin", "10 IU/mL", "5 mL vial", null);

    public Offering SemaWest() => Offer(Semaglutide, West, 19900, stock, 4);

    public Offering SemaEast() => Offer(Semaglutide, East, 18900, stock, 4);

    public Offering TestoEast() => Offer(Testosterone, East, 8900, stock, 2);

    public Offering NadWest() => Offer(Nad, West, 12900, NadWestStock, 3);

    public Offering SermorelinSlow() => Offer(Sermorelin, Slow, 9900, stock, 3);

    public Offering OxytocinWest() => Offer(Oxytocin, West, 5000, stock, 3);

    public Offering OxytocinEast() => Offer(Oxytocin, East, 6000, stock, 3);

    /// <summary>Inserts the offerings asked for, with their pharmacies and products; ids are set afterwards.</summary>
    public async Task SaveAsync(HeadlessDatabase database)
    {
        await using var db = database.CreatePlatformContext();
        db.AddRange(_offerings);
        await db.SaveChangesAsync();
    }

    public static string Id(Pharmacy pharmacy) => GlobalId.Encode("Pharmacy", pharmacy.Id);

    public static string Id(Product product) => GlobalId.Encode("Product", product.Id);

    public static string Id(Offering offering) => GlobalId.Encode("Offering", offering.Id);

    private Offering Offer(Product product, Pharmacy pharmacy, long unitPrice, int offeringStock, int maxQuantity)
    {
        var offering = new Offering(product, pharmacy, unitPrice, offeringStock, maxQuantity);
        _offerings.Add(offering);
        return offering;
    }
}
