using Headless.Data;
using Headless.Tests.Infrastructure;

namespace Headless.Tests.Patients;

public abstract class PatientMutationTests(DatabaseProvider provider, PostgresServer? postgres) : ProviderTest(provider, postgres)
{
    private TestTenant _t = null!;

    protected override async Task InitializeAppAsync() => _t = await App.CreateTenantAsync("Patients Org");

    [ProviderFact]
    public async Task A_valid_patient_is_created_with_every_field()
    {
        var data = await _t.Client.DataAsync(TestData.PatientCreate, new { input = TestData.Patient(externalId: "  EXT-9 ") });
        var p = data.At("patientCreate.patient");

        Assert.Empty(data.GetProperty("patientCreate").UserErrorCodes());
        Assert.Equal("EXT-9", p.GetProperty("externalId").GetString());
        Assert.Equal("1980-04-12", p.GetProperty("dateOfBirth").GetString());
        Assert.Equal("TX", p.At("address.state").GetString());
    }

    [ProviderFact]
    public async Task Every_problem_in_the_input_is_reported_with_its_path_and_nothing_is_saved()
    {
        var input = new
        {
            firstName = " ",
            lastName = new string('x', 101),
            dateOfBirth = "2030-01-01",
            address = new { line1 = "", city = "Austin", state = "tx", zip = "7870" },
        };
        var data = await _t.Client.DataAsync(TestData.PatientCreate, new { input });
        var payload = data.GetProperty("patientCreate");

        Assert.Equal(["REQUIRED", "TOO_LONG", "INVALID_DATE_OF_BIRTH", "REQUIRED", "INVALID_STATE", "INVALID_ZIP"], payload.UserErrorCodes());
        Assert.Equal(["input.firstName", "input.lastName", "input.dateOfBirth", "input.address.line1", "input.address.state", "input.address.zip"], payload.UserErrorFields());
        Assert.Equal(System.Text.Json.JsonValueKind.Null, payload.GetProperty("patient").ValueKind);
        Assert.Equal(0, (await _t.Client.DataAsync("{ patients { totalCount } }")).At("patients.totalCount").GetInt32());
    }

    [ProviderTheory]
    [InlineData("2026-11-25")] // today on the fake clock
    [InlineData("2026-11-26")]
    [InlineData("1890-01-01")]
    public async Task A_date_of_birth_must_be_in_the_past_and_plausible(string dob)
    {
        var input = new { firstName = "A", lastName = "B", dateOfBirth = dob, address = new { line1 = "1 A St", city = "Reno", state = "NV", zip = "89501" } };
        var data = await _t.Client.DataAsync(TestData.PatientCreate, new { input });

        Assert.Equal(["INVALID_DATE_OF_BIRTH"], data.GetProperty("patientCreate").UserErrorCodes());
    }

    [ProviderFact]
    public async Task A_required_address_and_fields_that_are_missing_are_reported()
    {
        var data = await _t.Client.DataAsync(TestData.PatientCreate, new { input = new { firstName = "Only" } });

        Assert.Equal(["REQUIRED", "REQUIRED", "REQUIRED"], data.GetProperty("patientCreate").UserErrorCodes());
        Assert.Equal(["input.lastName", "input.dateOfBirth", "input.address"], data.GetProperty("patientCreate").UserErrorFields());
    }

    [ProviderFact]
    public async Task External_ids_are_unique_within_the_organization()
    {
        await TestData.CreateAsync(_t.Client, TestData.PatientCreate, "patientCreate", TestData.Patient(externalId: "E-1"));
        var data = await _t.Client.DataAsync(TestData.PatientCreate, new { input = TestData.Patient("Other", "Person", "E-1") });

        Assert.Equal(["DUPLICATE"], data.GetProperty("patientCreate").UserErrorCodes());
        Assert.Equal(["input.externalId"], data.GetProperty("patientCreate").UserErrorFields());
    }

    [ProviderFact]
    public async Task Update_changes_only_the_fields_given()
    {
        var id = await TestData.CreateAsync(_t.Client, TestData.PatientCreate, "patientCreate", TestData.Patient(externalId: "E-2"));
        App.Clock.Advance(TimeSpan.FromHours(1));

        var data = await _t.Client.DataAsync(TestData.PatientUpdate, new
        {
            id,
            input = new { lastName = "Lima-Souza", address = new { line1 = "9 Elm St", city = "Reno", state = "NV", zip = "89501-1234" } },
        });
        var p = data.At("patientUpdate.patient");

        Assert.Empty(data.GetProperty("patientUpdate").UserErrorCodes());
        Assert.Equal("Ana", p.GetProperty("firstName").GetString());
        Assert.Equal("Lima-Souza", p.GetProperty("lastName").GetString());
        Assert.Equal("E-2", p.GetProperty("externalId").GetString());
        Assert.Equal("NV", p.At("address.state").GetString());
        Assert.Equal("1980-04-12", p.GetProperty("dateOfBirth").GetString());
    }

    [ProviderFact]
    public async Task An_invalid_update_changes_nothing()
    {
        var id = await TestData.CreateAsync(_t.Client, TestData.PatientCreate, "patientCreate", TestData.Patient());
        var data = await _t.Client.DataAsync(TestData.PatientUpdate, new { id, input = new { firstName = "Changed", address = new { line1 = "1 X", city = "Y", state = "ZZ", zip = "00000" } } });

        Assert.Equal(["INVALID_STATE"], data.GetProperty("patientUpdate").UserErrorCodes());
        var after = await _t.Client.DataAsync("query($id: ID!) { node(id: $id) { ... on Patient { firstName address { state } } } }", new { id });
        Assert.Equal("Ana", after.At("node.firstName").GetString());
        Assert.Equal("TX", after.At("node.address.state").GetString());
    }

    [ProviderFact]
    public async Task Patients_page_forward_with_cursors_and_search_ignores_case()
    {
        foreach (var name in new[] { "Zoe", "Yusuf", "Xena", "Walter", "Vera" })
        {
            await TestData.CreateAsync(_t.Client, TestData.PatientCreate, "patientCreate", TestData.Patient(name, "Garcia"));
        }

        const string query = "query($after: String) { patients(first: 2, after: $after) { totalCount edges { cursor node { firstName } } pageInfo { hasNextPage endCursor } } }";
        var names = new List<string>();
        string? after = null;
        var pages = 0;
        do
        {
            var page = (await _t.Client.DataAsync(query, new { after })).GetProperty("patients");
            Assert.Equal(5, page.GetProperty("totalCount").GetInt32());
            names.AddRange(page.GetProperty("edges").EnumerateArray().Select(e => e.At("node.firstName").GetString()!));
            after = page.At("pageInfo.hasNextPage").GetBoolean() ? page.At("pageInfo.endCursor").GetString() : null;
            pages++;
        }
        while (after is not null);

        Assert.Equal(3, pages);
        Assert.Equal(["Zoe", "Yusuf", "Xena", "Walter", "Vera"], names);
        var search = await _t.Client.DataAsync("{ patients(search: \"XENA gar\") { totalCount nodes { firstName } } }");
        Assert.Equal(1, search.At("patients.totalCount").GetInt32());
    }
}

public sealed class PatientMutationTestsOnSqlite() : PatientMutationTests(DatabaseProvider.Sqlite, null);

[Collection(PostgresCollection.Name)]
public sealed class PatientMutationTestsOnPostgres(PostgresServer postgres) : PatientMutationTests(DatabaseProvider.Postgres, postgres);
