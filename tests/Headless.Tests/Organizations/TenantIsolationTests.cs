using System.Text.Json;
using Headless.Data;
using Headless.GraphQL;
using Headless.Tests.Infrastructure;

namespace Headless.Tests.Organizations;

/// <summary>
/// Another organization's objects are indistinguishable from missing ones: in lists, in node(id), in
/// searches and in mutations. Runs on SQLite and PostgreSQL.
/// </summary>
public abstract class TenantIsolationTests(DatabaseProvider provider, PostgresServer? postgres) : ProviderTest(provider, postgres)
{
    private TestTenant _a = null!;
    private TestTenant _b = null!;
    private (string Clinic, string Prescriber, string Patient) _bIds;

    protected override async Task InitializeAppAsync()
    {
        _a = await App.CreateTenantAsync("Alpha Health");
        _b = await App.CreateTenantAsync("Beta Health");
        _bIds = (
            await TestData.CreateAsync(_b.Client, TestData.ClinicCreate, "clinicCreate", TestData.Clinic("Beta Clinic")),
            await TestData.CreateAsync(_b.Client, TestData.PrescriberCreate, "prescriberCreate", TestData.Prescriber()),
            await TestData.CreateAsync(_b.Client, TestData.PatientCreate, "patientCreate", TestData.Patient("Bianca", "Stone", "B-1")));
    }

    [ProviderFact]
    public async Task Lists_show_only_the_callers_own_objects()
    {
        await TestData.CreateAsync(_a.Client, TestData.ClinicCreate, "clinicCreate", TestData.Clinic("Alpha Clinic"));
        var a = await _a.Client.DataAsync("{ viewer { organization { name clinics { totalCount nodes { name } } prescribers { totalCount } } } patients { totalCount nodes { id } } }");

        Assert.Equal("Alpha Health", a.At("viewer.organization.name").GetString());
        Assert.Equal(1, a.At("viewer.organization.clinics.totalCount").GetInt32());
        Assert.Equal("Alpha Clinic", a.At("viewer.organization.clinics.nodes.0.name").GetString());
        Assert.Equal(0, a.At("viewer.organization.prescribers.totalCount").GetInt32());
        Assert.Equal(0, a.At("patients.totalCount").GetInt32());
    }

    [ProviderFact]
    public async Task The_tenant_comes_from_the_credential_only_and_a_probe_through_headers_is_recorded()
    {
        // Headers a proxy or a client might send to pick a tenant are ignored: the credential decides.
        using var http = App.CreateClient();
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", _a.ApiKey);
        http.DefaultRequestHeaders.Add("X-Tenant-ID", _b.OrganizationGlobalId);
        http.DefaultRequestHeaders.Add("X-Organization-Id", _b.OrganizationId.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var client = new GraphQLClient(http, null);
        var a = await client.DataAsync("query($id: ID!) { viewer { organization { id name } } patients { totalCount } node(id: $id) { id } }", new { id = _bIds.Patient });

        Assert.Equal(_a.OrganizationGlobalId, a.At("viewer.organization.id").GetString());
        Assert.Equal("Alpha Health", a.At("viewer.organization.name").GetString());
        Assert.Equal(0, a.At("patients.totalCount").GetInt32());
        Assert.Equal(JsonValueKind.Null, a.GetProperty("node").ValueKind);

        // The attempt on B's patient is in A's audit trail, as a probe (and nowhere in B's).
        await App.DrainAuditAsync();
        var probes = (await _a.Client.DataAsync("query($id: ID!) { auditEvents(filter: { objectId: $id, outcome: NOT_FOUND }) { totalCount } }", new { id = _bIds.Patient })).At("auditEvents.totalCount").GetInt32();
        Assert.Equal(1, probes);
    }

    [ProviderTheory]
    [InlineData("Bianca")]
    [InlineData("B-1")]
    public async Task Searching_another_organizations_patient_finds_nothing(string search)
    {
        var a = await _a.Client.DataAsync("query($s: String) { patients(search: $s) { totalCount } }", new { s = search });
        var b = await _b.Client.DataAsync("query($s: String) { patients(search: $s) { totalCount } }", new { s = search });

        Assert.Equal(0, a.At("patients.totalCount").GetInt32());
        Assert.Equal(1, b.At("patients.totalCount").GetInt32());
    }

    [ProviderFact]
    public async Task Node_answers_another_organizations_ids_exactly_like_missing_ones()
    {
        const string query = "query($id: ID!) { node(id: $id) { id __typename } }";
        var missing = await _a.Client.PostAsync(query, new { id = GlobalId.Encode("Patient", 987_654) });
        foreach (var id in new[] { _bIds.Clinic, _bIds.Prescriber, _bIds.Patient, _b.OrganizationGlobalId })
        {
            var foreign = await _a.Client.PostAsync(query, new { id });
            var own = await _b.Client.DataAsync(query, new { id });

            Assert.Equal(missing.Status, foreign.Status);
            Assert.Equal(missing.Raw, foreign.Raw);
            Assert.Equal(JsonValueKind.Null, foreign.Data.GetProperty("node").ValueKind);
            Assert.Equal(id, own.At("node.id").GetString());
        }
    }

    [ProviderFact]
    public async Task Updating_another_organizations_patient_is_not_found_and_changes_nothing()
    {
        var input = new { firstName = "Hijacked" };
        var foreign = await _a.Client.DataAsync(TestData.PatientUpdate, new { id = _bIds.Patient, input });
        var missing = await _a.Client.DataAsync(TestData.PatientUpdate, new { id = GlobalId.Encode("Patient", 987_654), input });
        var wrongType = await _a.Client.DataAsync(TestData.PatientUpdate, new { id = _bIds.Clinic, input });

        Assert.Equal(["NOT_FOUND"], foreign.GetProperty("patientUpdate").UserErrorCodes());
        Assert.Equal(missing.GetRawText(), foreign.GetRawText());
        Assert.Equal(missing.GetRawText(), wrongType.GetRawText());
        var still = await _b.Client.DataAsync("query($id: ID!) { node(id: $id) { ... on Patient { firstName } } }", new { id = _bIds.Patient });
        Assert.Equal("Bianca", still.At("node.firstName").GetString());
    }

    [ProviderFact]
    public async Task Uniqueness_is_per_organization_so_it_reveals_nothing_across_tenants()
    {
        // The same NPI and external ID as Beta's rows are free in Alpha: no DUPLICATE leaks Beta's data.
        await TestData.CreateAsync(_a.Client, TestData.PrescriberCreate, "prescriberCreate", TestData.Prescriber());
        await TestData.CreateAsync(_a.Client, TestData.PatientCreate, "patientCreate", TestData.Patient("Ana", "Lima", "B-1"));

        var b = await _b.Client.DataAsync("{ patients { totalCount } viewer { organization { prescribers { totalCount } } } }");
        Assert.Equal(1, b.At("patients.totalCount").GetInt32());
        Assert.Equal(1, b.At("viewer.organization.prescribers.totalCount").GetInt32());
    }

    [ProviderFact]
    public async Task Objects_created_by_one_organization_never_appear_in_another()
    {
        var clinicId = await TestData.CreateAsync(_a.Client, TestData.ClinicCreate, "clinicCreate", TestData.Clinic("Alpha Only"));
        var b = await _b.Client.DataAsync("query($id: ID!) { node(id: $id) { id } viewer { organization { clinics { nodes { id } } } } }", new { id = clinicId });

        Assert.Equal(JsonValueKind.Null, b.GetProperty("node").ValueKind);
        Assert.DoesNotContain(b.At("viewer.organization.clinics.nodes").EnumerateArray(), n => n.GetProperty("id").GetString() == clinicId);
    }

    [ProviderFact]
    public async Task Audit_events_are_kept_with_the_caller_and_probes_with_another_organizations_ids_are_recorded()
    {
        const string events = "{ auditEvents(first: 100) { totalCount nodes { id objectType objectIds outcome actor rootFields } } }";
        await _a.Client.DataAsync("query($id: ID!) { node(id: $id) { ... on Patient { firstName } } }", new { id = _bIds.Patient });
        await _a.Client.DataAsync(TestData.PatientUpdate, new { id = _bIds.Patient, input = new { firstName = "Hijacked" } });
        var cart = await _a.Client.PostAsync("query($id: ID!) { cart(clinicId: $id) { id } }", new { id = _bIds.Clinic });
        Assert.Equal(["NOT_FOUND"], cart.ErrorCodes);
        await App.DrainAuditAsync();

        // Alpha's trail holds its three probes, each naming the Beta ID it tried; nothing of Beta's own trail.
        var a = await _a.Client.DataAsync(events);
        var probes = a.At("auditEvents.nodes").EnumerateArray().ToList();
        Assert.Equal(3, probes.Count);
        Assert.All(probes, p => Assert.Equal("NOT_FOUND", p.GetProperty("outcome").GetString()));
        Assert.All(probes, p => Assert.Equal("api_key:" + _a.ApiKey[..11], p.GetProperty("actor").GetString()));
        Assert.Equal(
            [$"Clinic {_bIds.Clinic}", $"Patient {_bIds.Patient}", $"Patient {_bIds.Patient}"],
            probes.Select(p => $"{p.GetProperty("objectType").GetString()} {p.GetProperty("objectIds")[0].GetString()}").Order());

        // Beta sees only its own three creations, and Alpha cannot fetch them by ID.
        var b = await _b.Client.DataAsync(events);
        Assert.Equal(3, b.At("auditEvents.totalCount").GetInt32());
        Assert.All(b.At("auditEvents.nodes").EnumerateArray(), n => Assert.Equal("api_key:" + _b.ApiKey[..11], n.GetProperty("actor").GetString()));
        foreach (var node in b.At("auditEvents.nodes").EnumerateArray())
        {
            var id = node.GetProperty("id").GetString();
            var foreign = await _a.Client.DataAsync("query($id: ID!) { node(id: $id) { id } }", new { id });
            Assert.Equal(JsonValueKind.Null, foreign.GetProperty("node").ValueKind);
            Assert.Equal(id, (await _b.Client.DataAsync("query($id: ID!) { node(id: $id) { id } }", new { id })).At("node.id").GetString());
        }

        var bIds = b.At("auditEvents.nodes").EnumerateArray().Select(n => n.GetProperty("id").GetString()).ToHashSet();
        Assert.DoesNotContain(probes, p => bIds.Contains(p.GetProperty("id").GetString()));
    }

    [ProviderFact]
    public async Task The_partner_catalog_is_shared_by_every_organization()
    {
        await TestData.SeedCatalogAsync(App);
        const string query = "{ pharmacies { name } catalog { totalCount } }";
        var a = await _a.Client.DataAsync(query);
        var b = await _b.Client.DataAsync(query);

        Assert.Equal(a.GetRawText(), b.GetRawText());
        Assert.Equal(2, a.GetProperty("pharmacies").GetArrayLength());
    }
}

public sealed class TenantIsolationTestsOnSqlite() : TenantIsolationTests(DatabaseProvider.Sqlite, null);

[Collection(PostgresCollection.Name)]
public sealed class TenantIsolationTestsOnPostgres(PostgresServer postgres) : TenantIsolationTests(DatabaseProvider.Postgres, postgres);
