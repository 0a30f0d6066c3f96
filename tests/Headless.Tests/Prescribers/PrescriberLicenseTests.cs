using System.Text.Json;
using Headless.Data;
using Headless.Tests.Audit;
using Headless.Tests.Infrastructure;

namespace Headless.Tests.Prescribers;

/// <summary>
/// prescriberUpdate, prescriberLicenseUpsert and prescriberLicenseRemove, and what cartValidate makes of them: a
/// renewal is a new expiry for the state's one license, and it clears PRESCRIBER_NOT_LICENSED on the next run.
/// </summary>
public abstract class PrescriberLicenseTests(DatabaseProvider provider, PostgresServer? postgres) : ProviderTest(provider, postgres)
{
    private const string PrescriberFields = "id firstName lastName npi deaNumber licenses { state number expiresOn active }";

    private const string Update = $$"""
        mutation($id: ID!, $input: PrescriberUpdateInput!) { prescriberUpdate(id: $id, input: $input) { prescriber { {{PrescriberFields}} } userErrors { code field message } } }
        """;

    private const string Upsert = $$"""
        mutation($id: ID!, $license: PrescriberLicenseInput!) { prescriberLicenseUpsert(prescriberId: $id, license: $license) { prescriber { {{PrescriberFields}} } userErrors { code field message } } }
        """;

    private const string Remove = $$"""
        mutation($id: ID!, $state: String!) { prescriberLicenseRemove(prescriberId: $id, state: $state) { prescriber { {{PrescriberFields}} } userErrors { code field message } } }
        """;

    private const string Node = $$"""
        query($id: ID!) { node(id: $id) { ... on Prescriber { {{PrescriberFields}} } } }
        """;

    private static readonly object NewYork = new { line1 = "1 Broadway", city = "New York", state = "NY", zip = "10004" };

    private CartFixture _f = null!;

    private GraphQLClient C => _f.Tenant.Client;

    protected override async Task InitializeAppAsync() => _f = await CartData.CreateAsync(App, patientCount: 1, name: "Licenses Org");

    private async Task<JsonElement> UpsertAsync(string id, object license) =>
        (await C.DataAsync(Upsert, new { id, license })).GetProperty("prescriberLicenseUpsert");

    private async Task<JsonElement> NodeAsync(string id) => (await C.DataAsync(Node, new { id })).GetProperty("node");

    private static IEnumerable<string> Licenses(JsonElement prescriber) =>
        prescriber.GetProperty("licenses").EnumerateArray().Select(l => $"{l.GetProperty("state").GetString()} {l.GetProperty("number").GetString()} {l.GetProperty("expiresOn").GetString()}");

    private async Task<JsonElement> ValidateAsync(string cartId) =>
        (await C.DataAsync(CartData.Validate, new { cartId })).GetProperty("cartValidate");

    private static string[] Codes(JsonElement validated) =>
        validated.At("validation.issues.nodes").EnumerateArray()
            .Where(i => i.GetProperty("severity").GetString() == "ERROR").Select(i => i.GetProperty("code").GetString()!).ToArray();

    [ProviderFact]
    public async Task Renewing_an_expired_license_clears_prescriber_not_licensed_on_the_next_validation()
    {
        var line = new { patientId = _f.Patients[0], offeringId = _f.Catalog.SemaEast, quantity = 1, sig = CartData.GoodSig, daysSupply = 28, prescriberId = _f.PrescriberExpiredInNy, shipTo = NewYork };
        var cartId = (await C.DataAsync(CartData.Add, new { clinicId = _f.ClinicId, lines = new[] { line } })).At("cartLinesAdd.cart.id").GetString()!;
        App.Clock.Advance(TimeSpan.FromDays(2));
        Assert.Equal(["PRESCRIBER_NOT_LICENSED"], Codes(await ValidateAsync(cartId)));

        var renewed = await UpsertAsync(_f.PrescriberExpiredInNy, new { state = "NY", number = "NY-3R", expiresOn = "2028-11-26" });

        Assert.Empty(renewed.UserErrorCodes());
        Assert.Equal(["NY NY-3R 2028-11-26", "TX TX-3 2028-01-31"], Licenses(renewed.GetProperty("prescriber")).Order());
        Assert.All(renewed.At("prescriber.licenses").EnumerateArray(), l => Assert.True(l.GetProperty("active").GetBoolean()));
        var after = await ValidateAsync(cartId);
        Assert.Empty(Codes(after));
        Assert.True(after.At("validation.passed").GetBoolean());
    }

    [ProviderFact]
    public async Task Upsert_adds_a_state_and_remove_takes_it_away_so_validation_flags_it()
    {
        var id = _f.PrescriberNoDea;
        var added = await UpsertAsync(id, new { state = "NY", number = "NY-9", expiresOn = "2027-06-30" });
        Assert.Empty(added.UserErrorCodes());
        Assert.Equal(["NY NY-9 2027-06-30", "TX TX-2 2028-01-31"], Licenses(added.GetProperty("prescriber")).Order());

        var line = new { patientId = _f.Patients[0], offeringId = _f.Catalog.SemaEast, quantity = 1, sig = CartData.GoodSig, daysSupply = 28, prescriberId = id, shipTo = NewYork };
        var cartId = (await C.DataAsync(CartData.Add, new { clinicId = _f.ClinicId, lines = new[] { line } })).At("cartLinesAdd.cart.id").GetString()!;
        Assert.Empty(Codes(await ValidateAsync(cartId)));

        var removed = (await C.DataAsync(Remove, new { id, state = "NY" })).GetProperty("prescriberLicenseRemove");
        Assert.Empty(removed.UserErrorCodes());
        Assert.Equal(["TX TX-2 2028-01-31"], Licenses(removed.GetProperty("prescriber")));
        Assert.Equal(["PRESCRIBER_NOT_LICENSED"], Codes(await ValidateAsync(cartId)));

        var again = (await C.DataAsync(Remove, new { id, state = "NY" })).GetProperty("prescriberLicenseRemove");
        Assert.Equal(["NOT_FOUND"], again.UserErrorCodes());
        Assert.Equal(["state"], again.UserErrorFields());
        var bad = (await C.DataAsync(Remove, new { id, state = "ny" })).GetProperty("prescriberLicenseRemove");
        Assert.Equal(["INVALID_STATE"], bad.UserErrorCodes());
        Assert.Equal(["state"], bad.UserErrorFields());
    }

    [ProviderFact]
    public async Task A_bad_license_is_refused_with_paths_and_changes_nothing()
    {
        var before = Licenses(await NodeAsync(_f.PrescriberExpiredInNy)).ToList();

        var bad = await UpsertAsync(_f.PrescriberExpiredInNy, new { state = "XX", number = " ", expiresOn = "2026-11-24" });
        var missing = await UpsertAsync(_f.PrescriberExpiredInNy, new { state = "NY", number = "NY-4" });

        Assert.Equal(["INVALID_STATE", "REQUIRED", "LICENSE_EXPIRED"], bad.UserErrorCodes());
        Assert.Equal(["license.state", "license.number", "license.expiresOn"], bad.UserErrorFields());
        Assert.Equal(JsonValueKind.Null, bad.GetProperty("prescriber").ValueKind);
        Assert.Equal(["REQUIRED"], missing.UserErrorCodes());
        Assert.Equal(["license.expiresOn"], missing.UserErrorFields());
        Assert.Equal(before, Licenses(await NodeAsync(_f.PrescriberExpiredInNy)));
    }

    [ProviderFact]
    public async Task Update_changes_only_the_fields_given_and_dea_can_be_cleared()
    {
        var id = _f.Prescriber;
        var renamed = (await C.DataAsync(Update, new { id, input = new { lastName = "Okafor-Lee" } })).GetProperty("prescriberUpdate");
        Assert.Empty(renamed.UserErrorCodes());
        Assert.Equal("Maya", renamed.At("prescriber.firstName").GetString());
        Assert.Equal("Okafor-Lee", renamed.At("prescriber.lastName").GetString());
        Assert.Equal(TestData.ValidNpi, renamed.At("prescriber.npi").GetString());
        Assert.Equal(TestData.ValidDea, renamed.At("prescriber.deaNumber").GetString());
        Assert.Equal(3, renamed.At("prescriber.licenses").GetArrayLength());

        var newDea = (await C.DataAsync(Update, new { id, input = new { dea = " BB1234563 " } })).GetProperty("prescriberUpdate");
        Assert.Equal("BB1234563", newDea.At("prescriber.deaNumber").GetString());

        // A controlled product needs the DEA number the update just cleared.
        var cleared = (await C.DataAsync(Update, new { id, input = new { dea = (string?)null } })).GetProperty("prescriberUpdate");
        Assert.Empty(cleared.UserErrorCodes());
        Assert.Equal(JsonValueKind.Null, cleared.At("prescriber.deaNumber").ValueKind);
        Assert.Equal("Okafor-Lee", cleared.At("prescriber.lastName").GetString());
        var line = new { patientId = _f.Patients[0], offeringId = _f.Catalog.TestoEast, quantity = 1, sig = "Inject 100 mg IM every 7 days", daysSupply = 28, prescriberId = id };
        var cartId = (await C.DataAsync(CartData.Add, new { clinicId = _f.ClinicId, lines = new[] { line } })).At("cartLinesAdd.cart.id").GetString()!;
        Assert.Equal(["DEA_REQUIRED"], Codes(await ValidateAsync(cartId)));

        var emptied = (await C.DataAsync(Update, new { id, input = new { dea = TestData.ValidDea } })).GetProperty("prescriberUpdate");
        Assert.Equal(TestData.ValidDea, emptied.At("prescriber.deaNumber").GetString());
        emptied = (await C.DataAsync(Update, new { id, input = new { dea = "" } })).GetProperty("prescriberUpdate");
        Assert.Equal(JsonValueKind.Null, emptied.At("prescriber.deaNumber").ValueKind);
    }

    [ProviderFact]
    public async Task Bad_update_input_is_refused_with_paths_and_changes_nothing()
    {
        var id = _f.Prescriber;
        var bad = (await C.DataAsync(Update, new { id, input = new { firstName = "Changed", lastName = (string?)null, npi = "1234567890", dea = "AB1234567" } }))
            .GetProperty("prescriberUpdate");

        Assert.Equal(["REQUIRED", "INVALID_NPI", "INVALID_DEA"], bad.UserErrorCodes());
        Assert.Equal(["input.lastName", "input.npi", "input.dea"], bad.UserErrorFields());
        var node = await NodeAsync(id);
        Assert.Equal("Maya", node.GetProperty("firstName").GetString());
        Assert.Equal(TestData.ValidDea, node.GetProperty("deaNumber").GetString());

        var taken = (await C.DataAsync(Update, new { id, input = new { npi = TestData.OtherValidNpi } })).GetProperty("prescriberUpdate");
        Assert.Equal(["DUPLICATE"], taken.UserErrorCodes());
        Assert.Equal(["input.npi"], taken.UserErrorFields());
        var same = (await C.DataAsync(Update, new { id, input = new { npi = TestData.ValidNpi } })).GetProperty("prescriberUpdate");
        Assert.Empty(same.UserErrorCodes());
    }

    [ProviderFact]
    public async Task Another_organizations_prescriber_answers_not_found_like_a_missing_one()
    {
        var other = await App.CreateTenantAsync("Other Licenses Org");
        var theirs = await TestData.CreateAsync(other.Client, TestData.PrescriberCreate, "prescriberCreate", TestData.Prescriber());
        var missing = Headless.GraphQL.GlobalId.Encode("Prescriber", 9_000_000_000_123);
        var license = new { state = "NY", number = "NY-1", expiresOn = "2028-01-31" };

        foreach (var id in new[] { theirs, missing })
        {
            var update = (await C.DataAsync(Update, new { id, input = new { dea = "" } })).GetProperty("prescriberUpdate");
            var upsert = await UpsertAsync(id, license);
            var remove = (await C.DataAsync(Remove, new { id, state = "TX" })).GetProperty("prescriberLicenseRemove");
            Assert.Equal(["NOT_FOUND"], update.UserErrorCodes());
            Assert.Equal(["id"], update.UserErrorFields());
            Assert.Equal(["NOT_FOUND"], upsert.UserErrorCodes());
            Assert.Equal(["prescriberId"], upsert.UserErrorFields());
            Assert.Equal(["NOT_FOUND"], remove.UserErrorCodes());
            Assert.Equal(["prescriberId"], remove.UserErrorFields());
            Assert.Equal("No prescriber with this ID exists in your organization.", remove.At("userErrors.0.message").GetString());
        }

        var untouched = (await other.Client.DataAsync(Node, new { id = theirs })).GetProperty("node");
        Assert.Equal(TestData.ValidDea, untouched.GetProperty("deaNumber").GetString());
        Assert.Equal(["TX TX-1001 2028-01-31"], Licenses(untouched));
    }

    [ProviderFact]
    public async Task Prescriber_changes_are_in_the_audit_trail_under_the_prescriber()
    {
        var id = _f.PrescriberNoDea;
        await C.DataAsync(Update, new { id, input = new { firstName = "Samuel" } });
        await UpsertAsync(id, new { state = "CA", number = "CA-2", expiresOn = "2027-01-31" });
        await C.DataAsync(Remove, new { id, state = "CA" });

        await App.DrainAuditAsync();
        var events = await AuditTrailTests.QueryAsync(_f.Tenant, new { objectId = id, operationType = "MUTATION" });

        Assert.Equal(
            ["prescriberLicenseRemove", "prescriberLicenseUpsert", "prescriberUpdate", "prescriberCreate"],
            events.Select(e => AuditTrailTests.Strings(e, "rootFields").Single()));
        Assert.All(events, e => Assert.Equal("Prescriber", e.GetProperty("objectType").GetString()));
        Assert.All(events, e => Assert.Equal("OK", e.GetProperty("outcome").GetString()));
    }
}

public sealed class PrescriberLicenseTestsOnSqlite() : PrescriberLicenseTests(DatabaseProvider.Sqlite, null);

[Collection(PostgresCollection.Name)]
public sealed class PrescriberLicenseTestsOnPostgres(PostgresServer postgres) : PrescriberLicenseTests(DatabaseProvider.Postgres, postgres);
