using System.Text.Json;
using Headless.Data;
using Headless.Tests.Audit;
using Headless.Tests.Infrastructure;

namespace Headless.Tests.Clinics;

public abstract class ClinicMutationTests(DatabaseProvider provider, PostgresServer? postgres) : ProviderTest(provider, postgres)
{
    private const string Update = """
        mutation($id: ID!, $input: ClinicUpdateInput!) {
          clinicUpdate(id: $id, input: $input) { clinic { id name npi shipTo { line1 city state zip } billingAddress { line1 state zip } routingPreference } userErrors { code field message lineIds } }
        }
        """;

    private const string Node = """
        query($id: ID!) { node(id: $id) { ... on Clinic { name npi shipTo { line1 state zip } billingAddress { line1 state zip } routingPreference } } }
        """;

    private TestTenant _t = null!;

    private async Task<JsonElement> UpdateAsync(string id, object input, TestTenant? tenant = null) =>
        (await (tenant ?? _t).Client.DataAsync(Update, new { id, input })).GetProperty("clinicUpdate");

    protected override async Task InitializeAppAsync() => _t = await App.CreateTenantAsync("Clinics Org");

    [ProviderFact]
    public async Task A_clinic_is_created_with_cheapest_routing_by_default()
    {
        var data = await _t.Client.DataAsync(TestData.ClinicCreate, new { input = TestData.Clinic() });

        Assert.Empty(data.GetProperty("clinicCreate").UserErrorCodes());
        Assert.Equal("CHEAPEST", data.At("clinicCreate.clinic.routingPreference").GetString());
        Assert.Equal("78701", data.At("clinicCreate.clinic.shipTo.zip").GetString());
    }

    [ProviderFact]
    public async Task Bad_npi_name_and_address_are_reported_with_paths()
    {
        var input = new
        {
            name = "",
            npi = "12345",
            shipTo = new { line1 = "1 A", city = "", state = "Texas", zip = "ABCDE" },
            billingAddress = new { line1 = "1 B", city = "Dallas", state = "TX", zip = "75201-12" },
            routingPreference = "FASTEST",
        };
        var payload = (await _t.Client.DataAsync(TestData.ClinicCreate, new { input })).GetProperty("clinicCreate");

        Assert.Equal(["REQUIRED", "INVALID_NPI", "REQUIRED", "INVALID_STATE", "INVALID_ZIP", "INVALID_ZIP"], payload.UserErrorCodes());
        Assert.Equal(["input.name", "input.npi", "input.shipTo.city", "input.shipTo.state", "input.shipTo.zip", "input.billingAddress.zip"], payload.UserErrorFields());
        Assert.All(payload.GetProperty("userErrors").EnumerateArray(), e => Assert.Equal(0, e.GetProperty("lineIds").GetArrayLength()));
        Assert.Equal(0, (await _t.Client.DataAsync("{ viewer { organization { clinics { totalCount } } } }")).At("viewer.organization.clinics.totalCount").GetInt32());
    }

    [ProviderFact]
    public async Task An_unknown_routing_preference_is_refused_before_anything_runs()
    {
        var r = await _t.Client.PostAsync(TestData.ClinicCreate, new { input = new { name = "X", npi = TestData.ValidNpi, routingPreference = "RANDOM" } });

        Assert.Equal(System.Net.HttpStatusCode.BadRequest, r.Status);
        Assert.Equal(["INVALID_VALUE"], r.ErrorCodes);
    }

    [ProviderFact]
    public async Task Update_changes_only_the_fields_given()
    {
        var id = await TestData.CreateAsync(_t.Client, TestData.ClinicCreate, "clinicCreate", TestData.Clinic());

        var routed = await UpdateAsync(id, new { routingPreference = "FASTEST", billingAddress = new { line1 = "9 Bill Rd", city = "Dallas", state = "TX", zip = "75201" } });
        Assert.Empty(routed.UserErrorCodes());
        Assert.Equal("FASTEST", routed.At("clinic.routingPreference").GetString());
        Assert.Equal("9 Bill Rd", routed.At("clinic.billingAddress.line1").GetString());
        Assert.Equal("Main Street Clinic", routed.At("clinic.name").GetString());
        Assert.Equal("100 Main St", routed.At("clinic.shipTo.line1").GetString());

        var moved = await UpdateAsync(id, new { name = " Uptown Clinic ", npi = TestData.OtherValidNpi, shipTo = new { line1 = "5 High St", city = "Reno", state = "NV", zip = "89501" } });
        Assert.Empty(moved.UserErrorCodes());
        Assert.Equal("Uptown Clinic", moved.At("clinic.name").GetString());
        Assert.Equal(TestData.OtherValidNpi, moved.At("clinic.npi").GetString());
        Assert.Equal("NV", moved.At("clinic.shipTo.state").GetString());
        Assert.Equal("9 Bill Rd", moved.At("clinic.billingAddress.line1").GetString());
        Assert.Equal("FASTEST", moved.At("clinic.routingPreference").GetString());

        // billingAddress given as null clears it; left out it stays.
        var cleared = await UpdateAsync(id, new { billingAddress = (object?)null });
        Assert.Empty(cleared.UserErrorCodes());
        Assert.Equal(JsonValueKind.Null, cleared.At("clinic.billingAddress").ValueKind);
        var node = (await _t.Client.DataAsync(Node, new { id })).GetProperty("node");
        Assert.Equal("Uptown Clinic", node.GetProperty("name").GetString());
        Assert.Equal("89501", node.At("shipTo.zip").GetString());
        Assert.Equal(JsonValueKind.Null, node.GetProperty("billingAddress").ValueKind);
    }

    [ProviderFact]
    public async Task Bad_update_input_is_reported_with_paths_and_nothing_is_half_applied()
    {
        var id = await TestData.CreateAsync(_t.Client, TestData.ClinicCreate, "clinicCreate", TestData.Clinic());
        var input = new
        {
            name = "Renamed",
            npi = "12345",
            shipTo = new { line1 = "", city = "Austin", state = "TX", zip = "78701" },
            billingAddress = new { line1 = "1 B", city = "Dallas", state = "tx", zip = "75201" },
            routingPreference = (string?)null,
        };

        var payload = await UpdateAsync(id, input);

        Assert.Equal(["INVALID_NPI", "REQUIRED", "INVALID_STATE", "REQUIRED"], payload.UserErrorCodes());
        Assert.Equal(["input.npi", "input.shipTo.line1", "input.billingAddress.state", "input.routingPreference"], payload.UserErrorFields());
        Assert.Equal(JsonValueKind.Null, payload.GetProperty("clinic").ValueKind);
        var nulls = await UpdateAsync(id, new { name = (string?)null, npi = (string?)null, shipTo = (object?)null });
        Assert.Equal(["REQUIRED", "REQUIRED", "REQUIRED"], nulls.UserErrorCodes());
        Assert.Equal(["input.name", "input.npi", "input.shipTo"], nulls.UserErrorFields());

        var node = (await _t.Client.DataAsync(Node, new { id })).GetProperty("node");
        Assert.Equal("Main Street Clinic", node.GetProperty("name").GetString());
        Assert.Equal(TestData.ValidNpi, node.GetProperty("npi").GetString());
        Assert.Equal("CHEAPEST", node.GetProperty("routingPreference").GetString());
    }

    [ProviderFact]
    public async Task Another_organizations_clinic_answers_not_found_like_a_missing_one_and_is_not_changed()
    {
        var other = await App.CreateTenantAsync("Other Clinics Org");
        var theirs = await TestData.CreateAsync(other.Client, TestData.ClinicCreate, "clinicCreate", TestData.Clinic("Their Clinic"));
        var missing = Headless.GraphQL.GlobalId.Encode("Clinic", 9_000_000_000_123);

        var foreign = await UpdateAsync(theirs, new { name = "Taken over", npi = "1" });
        var unknown = await UpdateAsync(missing, new { name = "Taken over", npi = "1" });

        Assert.Equal(["NOT_FOUND", "INVALID_NPI"], foreign.UserErrorCodes());
        Assert.Equal(["id", "input.npi"], foreign.UserErrorFields());
        Assert.Equal(unknown.GetRawText(), foreign.GetRawText());
        Assert.Equal("Their Clinic", (await other.Client.DataAsync(Node, new { id = theirs })).At("node.name").GetString());
    }

    [ProviderFact]
    public async Task Clinic_updates_are_in_the_audit_trail_under_the_clinic()
    {
        var id = await TestData.CreateAsync(_t.Client, TestData.ClinicCreate, "clinicCreate", TestData.Clinic());
        await UpdateAsync(id, new { name = "Audited Clinic" });
        await UpdateAsync(id, new { npi = "12345" });

        await App.DrainAuditAsync();
        var events = await AuditTrailTests.QueryAsync(_t, new { objectId = id, operationType = "MUTATION" });

        Assert.Equal(["clinicUpdate", "clinicUpdate", "clinicCreate"], events.Select(e => AuditTrailTests.Strings(e, "rootFields").Single()));
        Assert.All(events, e => Assert.Equal("Clinic", e.GetProperty("objectType").GetString()));
    }
}

public sealed class ClinicMutationTestsOnSqlite() : ClinicMutationTests(DatabaseProvider.Sqlite, null);

[Collection(PostgresCollection.Name)]
public sealed class ClinicMutationTestsOnPostgres(PostgresServer postgres) : ClinicMutationTests(DatabaseProvider.Postgres, postgres);
