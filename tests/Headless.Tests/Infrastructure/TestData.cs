using Headless.Catalog;
using Headless.GraphQL;

namespace Headless.Tests.Infrastructure;

/// <summary>Inputs and catalog rows that tests reuse. Catalog rows go straight to the database: there is no catalog API.</summary>
public static class TestData
{
    public const string ValidNpi = "1234567893";
    public const string OtherValidNpi = "1245319599";
    public const string ValidDea = "AB1234563";

    public const string ClinicCreate = """
        mutation($input: ClinicInput!) { clinicCreate(input: $input) { clinic { id name npi shipTo { state zip } routingPreference } userErrors { code field message lineIds } } }
        """;

    public const string PrescriberCreate = """
        mutation($input: PrescriberInput!) { prescriberCreate(input: $input) { prescriber { id npi deaNumber licenses { state number expiresOn active } } userErrors { code field message } } }
        """;

    public const string PatientCreate = """
        mutation($input: PatientInput!) { patientCreate(input: $input) { patient { id externalId firstName lastName dateOfBirth address { line1 city state zip } } userErrors { code field message } } }
        """;

    public const string PatientUpdate = """
        mutation($id: ID!, $input: PatientInput!) { patientUpdate(id: $id, input: $input) { patient { id externalId firstName lastName dateOfBirth address { line1 city state zip } } userErrors { code field message } } }
        """;

    public static object Clinic(string name = "Main Street Clinic", string npi = ValidNpi) => new
    {
        name,
        npi,
        shipTo = new { line1 = "100 Main St", city = "Austin", state = "TX", zip = "78701" },
    };

    public static object Prescriber(string npi = ValidNpi) => new
    {
        firstName = "Maya",
        lastName = "Okafor",
        npi,
        dea = ValidDea,
        licenses = new[] { new { state = "TX", number = "TX-1001", expiresOn = "2028-01-31" } },
    };

    public static object Patient(string firstName = "Ana", string lastName = "Lima", string? externalId = null, string state = "TX") => new
    {
        externalId,
        firstName,
        lastName,
        dateOfBirth = "1980-04-12",
        address = new { line1 = "12 Oak Ave", city = "Austin", state, zip = "78702" },
    };

    public static async Task<string> CreateAsync(GraphQLClient client, string mutation, string field, object input)
    {
        var data = await client.DataAsync(mutation, new { input });
        var payload = data.GetProperty(field);
        Assert.Empty(payload.UserErrorCodes());
        return payload.EnumerateObject().First(p => p.Name != "userErrors").Value.GetProperty("id").GetString()!;
    }

    /// <summary>Two pharmacies, three products, four offerings (one inactive).</summary>
    public static async Task<CatalogIds> SeedCatalogAsync(HeadlessApp app)
    {
        await using var db = app.Database.CreatePlatformContext();
        var west = new Pharmacy("West Compounding", 3, 1500, ["CA", "NV", "TX"]);
        var east = new Pharmacy("East Compounding", 5, 1200, ["NY", "NJ", "TX"]);
        var sema = new Product("Semaglutide", "2.5 mg/mL", "2 mL vial", null);
        var testo = new Product("Testosterone Cypionate", "200 mg/mL", "10 mL vial", "III");
        var nad = new Product("NAD+", "200 mg/mL", "5 mL vial", null);
        var semaWest = new Offering(sema, west, 19900, 50, 4);
        var semaEast = new Offering(sema, east, 18900, 10, 4);
        var testoEast = new Offering(testo, east, 8900, 20, 2);
        var nadWest = new Offering(nad, west, 12900, 5, 3);
        nadWest.Deactivate();
        db.AddRange(west, east, sema, testo, nad, semaWest, semaEast, testoEast, nadWest);
        await db.SaveChangesAsync();
        return new CatalogIds(
            GlobalId.Encode("Pharmacy", west.Id), GlobalId.Encode("Pharmacy", east.Id),
            GlobalId.Encode("Offering", semaWest.Id), GlobalId.Encode("Offering", semaEast.Id),
            GlobalId.Encode("Offering", testoEast.Id), GlobalId.Encode("Offering", nadWest.Id));
    }
}

public sealed record CatalogIds(string WestPharmacy, string EastPharmacy, string SemaWest, string SemaEast, string TestoEast, string NadWestInactive);
