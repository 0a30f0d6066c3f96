using Headless.Data;
using Headless.Tests.Infrastructure;

namespace Headless.Tests.Prescribers;

public abstract class PrescriberMutationTests(DatabaseProvider provider, PostgresServer? postgres) : ProviderTest(provider, postgres)
{
    private TestTenant _t = null!;

    protected override async Task InitializeAppAsync() => _t = await App.CreateTenantAsync("Prescribers Org");

    [ProviderFact]
    public async Task A_prescriber_is_created_with_licenses_and_dea()
    {
        var data = await _t.Client.DataAsync(TestData.PrescriberCreate, new { input = TestData.Prescriber() });
        var p = data.At("prescriberCreate.prescriber");

        Assert.Equal("AB1234563", p.GetProperty("deaNumber").GetString());
        Assert.Equal("TX", p.At("licenses.0.state").GetString());
        Assert.Equal("2028-01-31", p.At("licenses.0.expiresOn").GetString());
        Assert.True(p.At("licenses.0.active").GetBoolean());
    }

    [ProviderFact]
    public async Task Npi_dea_license_state_expiry_and_repeats_are_checked_together()
    {
        var input = new
        {
            firstName = "Lee",
            lastName = "Park",
            npi = "1234567890",
            dea = "AB1234567",
            licenses = new object[]
            {
                new { state = "CA", number = "A1", expiresOn = "2027-01-01" },
                new { state = "CA", number = "A2", expiresOn = "2027-01-01" },
                new { state = "XX", number = "A3", expiresOn = "2027-01-01" },
                new { state = "NY", number = "", expiresOn = "2026-11-24" },
                new { state = "NV", number = "A5" },
            },
        };
        var payload = (await _t.Client.DataAsync(TestData.PrescriberCreate, new { input })).GetProperty("prescriberCreate");

        Assert.Equal(["INVALID_NPI", "INVALID_DEA", "DUPLICATE", "INVALID_STATE", "REQUIRED", "LICENSE_EXPIRED", "REQUIRED"], payload.UserErrorCodes());
        Assert.Equal(
            ["input.npi", "input.dea", "input.licenses.1.state", "input.licenses.2.state", "input.licenses.3.number", "input.licenses.3.expiresOn", "input.licenses.4.expiresOn"],
            payload.UserErrorFields());
        Assert.Equal(0, (await _t.Client.DataAsync("{ viewer { organization { prescribers { totalCount } } } }")).At("viewer.organization.prescribers.totalCount").GetInt32());
    }

    [ProviderFact]
    public async Task A_license_expiring_today_is_still_accepted_and_active()
    {
        var input = new { firstName = "A", lastName = "B", npi = TestData.ValidNpi, licenses = new[] { new { state = "CA", number = "1", expiresOn = "2026-11-25" } } };
        var data = await _t.Client.DataAsync(TestData.PrescriberCreate, new { input });

        Assert.True(data.At("prescriberCreate.prescriber.licenses.0.active").GetBoolean());

        App.Clock.Advance(TimeSpan.FromDays(1));
        var later = await _t.Client.DataAsync("{ viewer { organization { prescribers { nodes { licenses { active } } } } } }");
        Assert.False(later.At("viewer.organization.prescribers.nodes.0.licenses.0.active").GetBoolean());
    }

    [ProviderFact]
    public async Task The_same_npi_twice_in_one_organization_is_a_duplicate()
    {
        await TestData.CreateAsync(_t.Client, TestData.PrescriberCreate, "prescriberCreate", TestData.Prescriber());
        var payload = (await _t.Client.DataAsync(TestData.PrescriberCreate, new { input = TestData.Prescriber() })).GetProperty("prescriberCreate");

        Assert.Equal(["DUPLICATE"], payload.UserErrorCodes());
        Assert.Equal(["input.npi"], payload.UserErrorFields());
    }

    [ProviderFact]
    public async Task A_prescriber_without_dea_has_a_null_dea_number()
    {
        var input = new { firstName = "No", lastName = "Dea", npi = TestData.OtherValidNpi, dea = "" };
        var data = await _t.Client.DataAsync(TestData.PrescriberCreate, new { input });

        Assert.Equal(System.Text.Json.JsonValueKind.Null, data.At("prescriberCreate.prescriber.deaNumber").ValueKind);
    }
}

public sealed class PrescriberMutationTestsOnSqlite() : PrescriberMutationTests(DatabaseProvider.Sqlite, null);

[Collection(PostgresCollection.Name)]
public sealed class PrescriberMutationTestsOnPostgres(PostgresServer postgres) : PrescriberMutationTests(DatabaseProvider.Postgres, postgres);
