using Headless.Catalog;
using Headless.GraphQL;

namespace Headless.Tests.Infrastructure;

/// <summary>A clinic with prescribers, patients and a catalog, ready to fill a cart. Built through the API except the catalog.</summary>
public sealed record CartFixture(
    TestTenant Tenant,
    string ClinicId,
    string Prescriber,
    string PrescriberNoDea,
    string PrescriberExpiredInNy,
    IReadOnlyList<string> Patients,
    CartCatalog Catalog);

/// <summary>Catalog ids for cart tests.</summary>
public sealed record CartCatalog(
    string Semaglutide,
    string Testosterone,
    string Nad,
    string Sermorelin,
    string SemaWest,
    string SemaEast,
    string TestoEast,
    string NadWest,
    string SermorelinSlow,
    string Oxytocin,
    string OxytocinWestInactive,
    string OxytocinEast,
    string WestPharmacy,
    string EastPharmacy,
    string SlowPharmacy);

public static class CartData
{
    public const string GoodSig = "Inject 0.25 mg subcutaneously once weekly";

    public const string CartFields = """
        id version status lineCount patientCount checkoutReady
        totals { subtotal { amount } shipping { amount } total { amount } }
        pharmacyTotals { pharmacy { name } lineCount shipmentCount subtotal { amount } shipping { amount } total { amount } }
        latestValidation { cartVersion current errorCount warningCount passed }
        lines(first: 100) { totalCount nodes { id quantity sig daysSupply routingReason shipToOverridden
          patient { id } product { id name } pharmacy { id name } prescriber { id }
          shipTo { state zip } unitPrice { amount } lineTotal { amount } shippingShare { amount } landedCost { amount }
          issues { code severity field message } } }
        """;

    public static readonly string Add = $$"""
        mutation($clinicId: ID!, $lines: [CartLineInput!]!, $v: Int) {
          cartLinesAdd(clinicId: $clinicId, lines: $lines, expectedVersion: $v) { cart { {{CartFields}} } userErrors { code field message } }
        }
        """;

    public static readonly string Update = $$"""
        mutation($cartId: ID!, $lines: [CartLineUpdateInput!]!, $v: Int) {
          cartLinesUpdate(cartId: $cartId, lines: $lines, expectedVersion: $v) { cart { {{CartFields}} } userErrors { code field message } }
        }
        """;

    public static readonly string Remove = $$"""
        mutation($cartId: ID!, $ids: [ID!]!, $v: Int) {
          cartLinesRemove(cartId: $cartId, lineIds: $ids, expectedVersion: $v) { cart { {{CartFields}} } userErrors { code field message } }
        }
        """;

    public static readonly string Validate = $$"""
        mutation($cartId: ID!) {
          cartValidate(cartId: $cartId) { validation { cartVersion current errorCount warningCount passed issues(first: 100) { totalCount nodes { lineId code severity field } } } cart { {{CartFields}} } userErrors { code field message } }
        }
        """;

    public static readonly string Read = $$"""
        query($clinicId: ID!) { cart(clinicId: $clinicId) { {{CartFields}} } }
        """;

    public static async Task<CartFixture> CreateAsync(HeadlessApp app, int patientCount = 20, string name = "Refill Org")
    {
        var tenant = await app.CreateTenantAsync(name);
        var catalog = await SeedCatalogAsync(app);
        var client = tenant.Client;
        var clinic = await TestData.CreateAsync(client, TestData.ClinicCreate, "clinicCreate", TestData.Clinic());
        var prescriber = await TestData.CreateAsync(client, TestData.PrescriberCreate, "prescriberCreate", new
        {
            firstName = "Maya", lastName = "Okafor", npi = TestData.ValidNpi, dea = TestData.ValidDea,
            licenses = new[] { new { state = "TX", number = "TX-1", expiresOn = "2028-01-31" }, new { state = "CA", number = "CA-1", expiresOn = "2028-01-31" }, new { state = "NY", number = "NY-1", expiresOn = "2028-01-31" } },
        });
        var noDea = await TestData.CreateAsync(client, TestData.PrescriberCreate, "prescriberCreate", new
        {
            firstName = "Sam", lastName = "Reyes", npi = TestData.OtherValidNpi,
            licenses = new[] { new { state = "TX", number = "TX-2", expiresOn = "2028-01-31" } },
        });

        // Licensed in NY until tomorrow; tests move the clock to expire it.
        var expiring = await TestData.CreateAsync(client, TestData.PrescriberCreate, "prescriberCreate", new
        {
            firstName = "Ida", lastName = "Berg", npi = "1316025760", dea = "BB1234563",
            licenses = new[] { new { state = "NY", number = "NY-3", expiresOn = "2026-11-26" }, new { state = "TX", number = "TX-3", expiresOn = "2028-01-31" } },
        });
        var patients = new List<string>();
        for (var i = 0; i < patientCount; i++)
        {
            patients.Add(await TestData.CreateAsync(client, TestData.PatientCreate, "patientCreate", TestData.Patient($"Pat{i:00}", "Doe", $"P-{i:000}", "TX")));
        }

        return new CartFixture(tenant, clinic, prescriber, noDea, expiring, patients, catalog);
    }

    /// <summary>Three pharmacies, five products. Sermorelin is only at the slow pharmacy; NAD+ has little stock; oxytocin is paused at West.</summary>
    public static async Task<CartCatalog> SeedCatalogAsync(HeadlessApp app)
    {
        await using var db = app.Database.CreatePlatformContext();
        var west = new Pharmacy("West Compounding", 3, 1500, ["CA", "NV", "TX"]);
        var east = new Pharmacy("East Compounding", 5, 1200, ["NY", "NJ", "TX"]);
        var slow = new Pharmacy("Slow Compounding", 9, 600, ["TX", "FL"]);
        var sema = new Product("Semaglutide", "2.5 mg/mL", "2 mL vial", null);
        var testo = new Product("Testosterone Cypionate", "200 mg/mL", "10 mL vial", "III");
        var nad = new Product("NAD+", "200 mg/mL", "5 mL vial", null);
        var serm = new Product("Sermorelin", "9 mg", "vial", null);
        var semaWest = new Offering(sema, west, 19900, 500, 4);
        var semaEast = new Offering(sema, east, 18900, 500, 4);
        var testoEast = new Offering(testo, east, 8900, 500, 2);
        var nadWest = new Offering(nad, west, 12900, 5, 3);
        var sermSlow = new Offering(serm, slow, 9900, 500, 3);
        var oxy = new Product("Oxytocin", "10 IU/mL", "5 mL vial", null);
        var oxyWest = new Offering(oxy, west, 5000, 500, 3);
        oxyWest.Deactivate();
        var oxyEast = new Offering(oxy, east, 6000, 500, 3);
        db.AddRange(west, east, slow, sema, testo, nad, serm, oxy, semaWest, semaEast, testoEast, nadWest, sermSlow, oxyWest, oxyEast);
        await db.SaveChangesAsync();
        return new CartCatalog(
            GlobalId.Encode("Product", sema.Id), GlobalId.Encode("Product", testo.Id), GlobalId.Encode("Product", nad.Id), GlobalId.Encode("Product", serm.Id),
            GlobalId.Encode("Offering", semaWest.Id), GlobalId.Encode("Offering", semaEast.Id), GlobalId.Encode("Offering", testoEast.Id),
            GlobalId.Encode("Offering", nadWest.Id), GlobalId.Encode("Offering", sermSlow.Id),
            GlobalId.Encode("Product", oxy.Id), GlobalId.Encode("Offering", oxyWest.Id), GlobalId.Encode("Offering", oxyEast.Id),
            GlobalId.Encode("Pharmacy", west.Id), GlobalId.Encode("Pharmacy", east.Id), GlobalId.Encode("Pharmacy", slow.Id));
    }

    /// <summary>A complete, valid line for a patient.</summary>
    public static object GoodLine(string patientId, string prescriberId, string offeringId, int quantity = 1) => new
    {
        patientId,
        offeringId,
        quantity,
        sig = GoodSig,
        daysSupply = 28,
        prescriberId,
    };
}
