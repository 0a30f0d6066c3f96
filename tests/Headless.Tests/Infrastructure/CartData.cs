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
            firstName = "Maya",
            lastName = "Okafor",
            npi = TestData.ValidNpi,
            dea = TestData.ValidDea,
            licenses = new[] { new { state = "TX", number = "TX-1", expiresOn = "2028-01-31" }, new { state = "CA", number = "CA-1", expiresOn = "2028-01-31" }, new { state = "NY", number = "NY-1", expiresOn = "2028-01-31" } },
        });
        var noDea = await TestData.CreateAsync(client, TestData.PrescriberCreate, "prescriberCreate", new
        {
            firstName = "Sam",
            lastName = "Reyes",
            npi = TestData.OtherValidNpi,
            licenses = new[] { new { state = "TX", number = "TX-2", expiresOn = "2028-01-31" } },
        });

        // Licensed in NY until tomorrow; tests move the clock to expire it.
        var expiring = await TestData.CreateAsync(client, TestData.PrescriberCreate, "prescriberCreate", new
        {
            firstName = "Ida",
            lastName = "Berg",
            npi = "1316025760",
            dea = "BB1234563",
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
        var c = new CatalogBuilder();
        var (semaWest, semaEast, testoEast, nadWest, sermSlow) = (c.SemaWest(), c.SemaEast(), c.TestoEast(), c.NadWest(), c.SermorelinSlow());
        var (oxyWest, oxyEast) = (c.OxytocinWest(), c.OxytocinEast());
        oxyWest.Deactivate();
        await c.SaveAsync(app.Database);
        return new CartCatalog(
            CatalogBuilder.Id(c.Semaglutide), CatalogBuilder.Id(c.Testosterone), CatalogBuilder.Id(c.Nad), CatalogBuilder.Id(c.Sermorelin),
            CatalogBuilder.Id(semaWest), CatalogBuilder.Id(semaEast), CatalogBuilder.Id(testoEast), CatalogBuilder.Id(nadWest), CatalogBuilder.Id(sermSlow),
            CatalogBuilder.Id(c.Oxytocin), CatalogBuilder.Id(oxyWest), CatalogBuilder.Id(oxyEast),
            CatalogBuilder.Id(c.West), CatalogBuilder.Id(c.East), CatalogBuilder.Id(c.Slow));
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
