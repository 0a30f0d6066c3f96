using Headless.Data;
using Headless.Tests.Infrastructure;

namespace Headless.Tests.Clinics;

public abstract class ClinicMutationTests(DatabaseProvider provider, PostgresServer? postgres) : ProviderTest(provider, postgres)
{
    private TestTenant _t = null!;

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
}

public sealed class ClinicMutationTestsOnSqlite() : ClinicMutationTests(DatabaseProvider.Sqlite, null);

[Collection(PostgresCollection.Name)]
public sealed class ClinicMutationTestsOnPostgres(PostgresServer postgres) : ClinicMutationTests(DatabaseProvider.Postgres, postgres);
