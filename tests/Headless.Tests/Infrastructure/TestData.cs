namespace Headless.Tests.Infrastructure;

/// <summary>Inputs and catalog rows that tests reuse.</summary>
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

    /// <summary>Two pharmacies, three products, four offerings (NAD+ at West inactive).</summary>
    public static async Task<CatalogIds> SeedCatalogAsync(HeadlessApp app)
    {
        var c = new CatalogBuilder();
        var (semaWest, semaEast, testoEast, nadWest) = (c.SemaWest(), c.SemaEast(), c.TestoEast(), c.NadWest());
        nadWest.Deactivate();
        await c.SaveAsync(app.Database);
        return new CatalogIds(
            CatalogBuilder.Id(c.West), CatalogBuilder.Id(c.East),
            CatalogBuilder.Id(semaWest), CatalogBuilder.Id(semaEast), CatalogBuilder.Id(testoEast), CatalogBuilder.Id(nadWest));
    }
}

public sealed record CatalogIds(string WestPharmacy, string EastPharmacy, string SemaWest, string SemaEast, string TestoEast, string NadWestInactive);
