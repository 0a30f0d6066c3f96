using System.Data.Common;
using System.Text.Json;
using Headless.Audit;
using Headless.Data;
using Headless.GraphQL;
using Headless.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection;

namespace Headless.Tests.Audit;

/// <summary>
/// What the audit trail records for which requests, read back through auditEvents: one row per request and object
/// type (and outcome), IDs only. Runs on SQLite and PostgreSQL.
/// </summary>
public abstract class AuditTrailTests(DatabaseProvider provider, PostgresServer? postgres) : ProviderTest(provider, postgres)
{
    // Sentinel patient data: none of it may appear in any audit column.
    private const string FirstName = "Zephyrine";
    private const string LastName = "Quillfeather";
    private const string ExternalId = "EXT-SENTINEL-7";
    private const string DateOfBirth = "1971-03-09";
    private const string Line1 = "4417 Sentinel Way";
    private const string City = "Ravenmoor";
    private const string Zip = "73344";

    internal const string Events = """
        query($filter: AuditEventFilter, $first: Int, $after: String) {
          auditEvents(filter: $filter, first: $first, after: $after) {
            totalCount pageInfo { hasNextPage hasPreviousPage endCursor }
            nodes { id occurredAt actor clientAddress operationType operationName rootFields objectType objectIds objectIdCount objectIdsTruncated outcome correlationId }
          }
        }
        """;

    private readonly AuditSqlCounter _auditSql = new();
    private TestTenant _t = null!;
    private string _patient = "";

    protected override void ConfigureServices(IServiceCollection services) => services.AddSingleton<IInterceptor>(_auditSql);

    protected override async Task InitializeAppAsync()
    {
        _t = await App.CreateTenantAsync("Audit Org");
        _patient = await TestData.CreateAsync(_t.Client, TestData.PatientCreate, "patientCreate", new
        {
            externalId = ExternalId,
            firstName = FirstName,
            lastName = LastName,
            dateOfBirth = DateOfBirth,
            address = new { line1 = Line1, city = City, state = "TX", zip = Zip },
        });
        await App.DrainAuditAsync();
    }

    [ProviderFact]
    public async Task Reading_a_patient_adds_exactly_one_row_with_the_id_and_no_patient_data()
    {
        var before = await CountAsync();
        App.Clock.Advance(TimeSpan.FromMinutes(3));
        var read = await _t.Client.DataAsync(
            "query ReadPatient($id: ID!) { node(id: $id) { ... on Patient { id externalId firstName lastName dateOfBirth address { line1 line2 city state zip } } } }",
            new { id = _patient });
        Assert.Equal(FirstName, read.At("node.firstName").GetString());
        await App.DrainAuditAsync();

        Assert.Equal(before + 1, await CountAsync());
        var row = (await QueryAsync(_t, new { operationType = "QUERY" })).Single();
        Assert.Equal("Patient", row.GetProperty("objectType").GetString());
        Assert.Equal([_patient], Strings(row, "objectIds"));
        Assert.Equal(1, row.GetProperty("objectIdCount").GetInt32());
        Assert.False(row.GetProperty("objectIdsTruncated").GetBoolean());
        Assert.Equal("OK", row.GetProperty("outcome").GetString());
        Assert.Equal("QUERY", row.GetProperty("operationType").GetString());
        Assert.Equal("ReadPatient", row.GetProperty("operationName").GetString());
        Assert.Equal(["node"], Strings(row, "rootFields"));
        Assert.Equal("api_key:" + _t.ApiKey[..11], row.GetProperty("actor").GetString());
        Assert.Equal(HeadlessApp.Now.AddMinutes(3), row.GetProperty("occurredAt").GetDateTimeOffset());
        Assert.False(string.IsNullOrEmpty(row.GetProperty("correlationId").GetString()));
        Assert.True(GlobalId.TryDecode(row.GetProperty("id").GetString(), "AuditEvent", out _));

        // Not one audit column of any row (the patientCreate row included) holds a value of the patient.
        await using var db = App.Database.CreatePlatformContext();
        var texts = (await db.AuditEvents.IgnoreQueryFilters().ToListAsync())
            .SelectMany(e => typeof(AuditEvent).GetProperties().Select(p => p.GetValue(e)?.ToString() ?? ""))
            .ToList();
        Assert.NotEmpty(texts);
        foreach (var sentinel in new[] { FirstName, LastName, ExternalId, DateOfBirth, Line1, "Sentinel", City, Zip, _t.ApiKey[12..] })
        {
            Assert.DoesNotContain(texts, t => t.Contains(sentinel, StringComparison.OrdinalIgnoreCase));
        }
    }

    [ProviderFact]
    public async Task Queries_that_read_no_patient_data_leave_no_row_and_the_request_sends_no_audit_sql()
    {
        var clinic = await TestData.CreateAsync(_t.Client, TestData.ClinicCreate, "clinicCreate", TestData.Clinic());
        await App.DrainAuditAsync();
        var before = await CountAsync();

        _auditSql.Reset();
        await _t.Client.DataAsync("query($id: ID!) { viewer { organization { name } } patients { totalCount } node(id: $id) { id } }", new { id = clinic });
        await _t.Client.DataAsync("query($id: ID!) { node(id: $id) { ... on Patient { firstName } } }", new { id = _patient });
        Assert.Equal(0, _auditSql.Count); // nothing is written inside a request

        await App.DrainAuditAsync();
        Assert.Equal(1, _auditSql.Count); // one insert for the batch
        Assert.Equal(before + 1, await CountAsync());
        Assert.Equal("Patient", (await QueryAsync(_t, new { operationType = "QUERY" })).Single().GetProperty("objectType").GetString());
    }

    [ProviderFact]
    public async Task A_request_gets_one_row_per_object_type_for_every_patient_line_and_field_it_read()
    {
        var fx = await CartData.CreateAsync(App, patientCount: 3, name: "Cart Audit Org");
        var lines = fx.Patients.Select(p => CartData.GoodLine(p, fx.Prescriber, fx.Catalog.SemaWest)).ToArray();
        var added = await fx.Tenant.Client.DataAsync(CartData.Add, new { clinicId = fx.ClinicId, lines });
        var lineIds = added.At("cartLinesAdd.cart.lines.nodes").EnumerateArray().Select(l => l.GetProperty("id").GetString()!).Order().ToList();
        await App.DrainAuditAsync();

        var read = await fx.Tenant.Client.DataAsync(
            "query($c: ID!) { cart(clinicId: $c) { lines { nodes { sig shipTo { zip } patient { firstName } } } } again: cart(clinicId: $c) { lines { nodes { patient { lastName } } } } }",
            new { c = fx.ClinicId });
        Assert.Equal(3, read.At("cart.lines.nodes").GetArrayLength());
        await App.DrainAuditAsync();

        var rows = await QueryAsync(fx.Tenant, new { operationType = "QUERY" });
        Assert.Equal(["CartLine", "Patient"], rows.Select(r => r.GetProperty("objectType").GetString()).Order());
        var lineRow = rows.Single(r => r.GetProperty("objectType").GetString() == "CartLine");
        Assert.Equal(lineIds, Strings(lineRow, "objectIds").Order());
        var patientRow = rows.Single(r => r.GetProperty("objectType").GetString() == "Patient");
        Assert.Equal(fx.Patients.Order(), Strings(patientRow, "objectIds").Order());
        Assert.Equal(3, patientRow.GetProperty("objectIdCount").GetInt32());
        Assert.All(rows, r => Assert.Equal(["cart"], Strings(r, "rootFields")));

        // The mutation that added the lines names the clinic, patients, prescriber and offering it was given, and the
        // lines whose SIG and ship-to its payload read.
        var mutation = await QueryAsync(fx.Tenant, new { rootField = "cartLinesAdd" });
        Assert.Equal(["CartLine", "Clinic", "Offering", "Patient", "Prescriber"], mutation.Select(r => r.GetProperty("objectType").GetString()).Order());
        Assert.All(mutation, r => Assert.Equal("OK", r.GetProperty("outcome").GetString()));
        Assert.Equal(fx.Patients.Order(), Strings(mutation.Single(r => r.GetProperty("objectType").GetString() == "Patient"), "objectIds").Order());
    }

    [ProviderFact]
    public async Task Mutations_record_their_ids_and_outcome_even_when_they_name_no_object()
    {
        // The created patient is recorded from the payload, even when the client selects only userErrors.
        var created = await _t.Client.DataAsync("mutation($input: PatientInput!) { patientCreate(input: $input) { userErrors { code } } }", new { input = TestData.Patient("Ana", "Lima") });
        Assert.Empty(created.GetProperty("patientCreate").UserErrorCodes());
        var rejected = await _t.Client.DataAsync(TestData.PatientUpdate, new { id = _patient, input = new { address = new { line1 = "1 A St", city = "X", state = "ZZ", zip = "1" } } });
        Assert.NotEmpty(rejected.GetProperty("patientUpdate").UserErrorCodes());
        var invalid = await _t.Client.DataAsync("mutation { clinicCreate(input: { name: \"\", npi: \"1\", shipTo: { line1: \"\", city: \"\", state: \"TX\", zip: \"78701\" } }) { userErrors { code } } }");
        Assert.NotEmpty(invalid.GetProperty("clinicCreate").UserErrorCodes());
        await App.DrainAuditAsync();

        var create = (await QueryAsync(_t, new { rootField = "patientCreate" })).First();
        Assert.Equal("Patient", create.GetProperty("objectType").GetString());
        Assert.Equal("OK", create.GetProperty("outcome").GetString());
        Assert.Equal("MUTATION", create.GetProperty("operationType").GetString());
        Assert.NotEqual(_patient, Strings(create, "objectIds").Single());

        var update = (await QueryAsync(_t, new { rootField = "patientUpdate" })).Single();
        Assert.Equal("REJECTED", update.GetProperty("outcome").GetString());
        Assert.Equal([_patient], Strings(update, "objectIds"));

        var clinic = (await QueryAsync(_t, new { rootField = "clinicCreate" })).Single();
        Assert.Equal(JsonValueKind.Null, clinic.GetProperty("objectType").ValueKind);
        Assert.Empty(Strings(clinic, "objectIds"));
        Assert.Equal(0, clinic.GetProperty("objectIdCount").GetInt32());
        Assert.Equal("REJECTED", clinic.GetProperty("outcome").GetString());
    }

    [ProviderFact]
    public async Task Missing_ids_are_recorded_as_not_found_for_queries_and_mutations()
    {
        var missingPatient = GlobalId.Encode("Patient", 987_654);
        var missingClinic = GlobalId.Encode("Clinic", 987_655);
        var missingOrder = GlobalId.Encode("Order", 987_656);
        await _t.Client.DataAsync("query($id: ID!) { node(id: $id) { id } }", new { id = missingPatient });
        await _t.Client.DataAsync("query($id: ID!) { order(id: $id) { number } }", new { id = missingOrder });
        var cart = await _t.Client.PostAsync("query($id: ID!) { cart(clinicId: $id) { id } }", new { id = missingClinic });
        Assert.Equal(["NOT_FOUND"], cart.ErrorCodes);
        var update = await _t.Client.DataAsync(TestData.PatientUpdate, new { id = missingPatient, input = new { firstName = "X" } });
        Assert.Equal(["NOT_FOUND"], update.GetProperty("patientUpdate").UserErrorCodes());

        // Text that is no ID of this API, or names no type of it, is not an object and is not stored.
        await _t.Client.DataAsync("query($id: ID!) { node(id: $id) { id } }", new { id = "not-an-id" });
        await _t.Client.DataAsync("query($id: ID!) { node(id: $id) { id } }", new { id = GlobalId.Encode("AnaLima", 1) });
        await App.DrainAuditAsync();

        var probes = await QueryAsync(_t, new { outcome = "NOT_FOUND" });
        Assert.Equal(
            ["Clinic cart QUERY", "Order order QUERY", "Patient node QUERY", "Patient patientUpdate MUTATION"],
            probes.Select(r => $"{r.GetProperty("objectType").GetString()} {Strings(r, "rootFields").Single()} {r.GetProperty("operationType").GetString()}").Order());
        Assert.Equal([missingPatient], Strings(probes.First(r => r.GetProperty("operationType").GetString() == "MUTATION"), "objectIds"));
        Assert.DoesNotContain(await QueryAsync(_t, null), r => r.GetRawText().Contains("AnaLima", StringComparison.Ordinal));
    }

    [ProviderFact]
    public async Task A_patient_search_records_the_patients_it_matched_even_when_only_counted()
    {
        await TestData.CreateAsync(_t.Client, TestData.PatientCreate, "patientCreate", TestData.Patient("Other", "Person"));
        await App.DrainAuditAsync();

        var found = await _t.Client.DataAsync("{ patients(search: \"zephyr\") { totalCount } all: patients { totalCount } }");
        Assert.Equal(1, found.At("patients.totalCount").GetInt32());
        await App.DrainAuditAsync();

        var row = (await QueryAsync(_t, new { operationType = "QUERY" })).Single();
        Assert.Equal("Patient", row.GetProperty("objectType").GetString());
        Assert.Equal([_patient], Strings(row, "objectIds"));
        Assert.Equal(["patients"], Strings(row, "rootFields"));
    }

    [ProviderFact]
    public async Task Events_page_newest_first_with_keyset_cursors_and_every_filter()
    {
        var other = await TestData.CreateAsync(_t.Client, TestData.PatientCreate, "patientCreate", TestData.Patient("Other", "Person"));
        App.Clock.Advance(TimeSpan.FromHours(1));
        var t1 = App.Clock.GetUtcNow();
        await _t.Client.DataAsync("query($id: ID!) { node(id: $id) { ... on Patient { firstName } } }", new { id = _patient });
        App.Clock.Advance(TimeSpan.FromHours(1));
        var t2 = App.Clock.GetUtcNow();
        await _t.Client.DataAsync("query($id: ID!) { node(id: $id) { ... on Patient { lastName } } }", new { id = other });
        await _t.Client.DataAsync(TestData.PatientUpdate, new { id = other, input = new { firstName = "Renamed" } });
        await App.DrainAuditAsync();

        // Newest first: the update, the second read, the first read, the second create, the first create.
        var all = await _t.Client.DataAsync(Events, new { first = 2 });
        Assert.Equal(5, all.At("auditEvents.totalCount").GetInt32());
        Assert.Equal(["patientUpdate", "node"], all.At("auditEvents.nodes").EnumerateArray().Select(n => Strings(n, "rootFields").Single()));
        Assert.True(all.At("auditEvents.pageInfo.hasNextPage").GetBoolean());
        var next = await _t.Client.DataAsync(Events, new { first = 10, after = all.At("auditEvents.pageInfo.endCursor").GetString() });
        Assert.Equal(["node", "patientCreate", "patientCreate"], next.At("auditEvents.nodes").EnumerateArray().Select(n => Strings(n, "rootFields").Single()));
        Assert.False(next.At("auditEvents.pageInfo.hasNextPage").GetBoolean());
        Assert.True(next.At("auditEvents.pageInfo.hasPreviousPage").GetBoolean());

        Assert.Equal(5, (await QueryAsync(_t, new { objectType = "Patient" })).Count);
        Assert.Equal(2, (await QueryAsync(_t, new { operationType = "QUERY" })).Count);
        Assert.Equal(3, (await QueryAsync(_t, new { operationType = "MUTATION" })).Count);
        Assert.Equal(3, (await QueryAsync(_t, new { objectId = other })).Count);
        Assert.Equal(2, (await QueryAsync(_t, new { objectId = _patient })).Count);
        Assert.Empty(await QueryAsync(_t, new { objectId = "garbage" }));
        Assert.Single(await QueryAsync(_t, new { rootField = "patientUpdate" }));
        Assert.Empty(await QueryAsync(_t, new { rootField = "patient" })); // whole names only
        Assert.Equal(5, (await QueryAsync(_t, new { actor = "api_key:" + _t.ApiKey[..11] })).Count);
        Assert.Empty(await QueryAsync(_t, new { actor = "api_key:hk_00000000" }));
        Assert.Equal(5, (await QueryAsync(_t, new { outcome = "OK" })).Count);
        Assert.Equal(3, (await QueryAsync(_t, new { occurredFrom = t1 })).Count);
        Assert.Equal(2, (await QueryAsync(_t, new { occurredFrom = t2 })).Count);
        Assert.Equal(3, (await QueryAsync(_t, new { occurredBefore = t2 })).Count);
        Assert.Single(await QueryAsync(_t, new { occurredFrom = t1, occurredBefore = t2 }));
        Assert.Single(await QueryAsync(_t, new { operationType = "QUERY", objectId = other, occurredFrom = t2 }));

        var bad = await _t.Client.PostAsync(Events, new { after = "nonsense" });
        Assert.Equal(["INVALID_CURSOR"], bad.ErrorCodes);
    }

    [ProviderFact]
    public async Task The_append_only_table_refuses_updates_and_deletes()
    {
        await using var db = App.Database.CreatePlatformContext();
        Assert.True(await db.AuditEvents.IgnoreQueryFilters().AnyAsync());
        await Assert.ThrowsAnyAsync<DbException>(() => db.Database.ExecuteSqlRawAsync("UPDATE \"AuditEvents\" SET \"Credential\" = 'x'"));
        await Assert.ThrowsAnyAsync<DbException>(() => db.Database.ExecuteSqlRawAsync("DELETE FROM \"AuditEvents\""));
        Assert.False(await db.AuditEvents.IgnoreQueryFilters().AnyAsync(e => e.Credential == "x"));
        Assert.True(await db.AuditEvents.IgnoreQueryFilters().AnyAsync());
    }

    internal static async Task<List<JsonElement>> QueryAsync(TestTenant tenant, object? filter)
    {
        var data = await tenant.Client.DataAsync(Events, new { filter, first = 100 });
        return data.At("auditEvents.nodes").EnumerateArray().ToList();
    }

    internal static IReadOnlyList<string> Strings(JsonElement node, string property) =>
        node.GetProperty(property).EnumerateArray().Select(e => e.GetString()!).ToList();

    private async Task<int> CountAsync()
    {
        await using var db = App.Database.CreatePlatformContext();
        return await db.AuditEvents.IgnoreQueryFilters().CountAsync();
    }

    /// <summary>Counts SQL commands that touch the audit table.</summary>
    private sealed class AuditSqlCounter : DbCommandInterceptor
    {
        private int _count;

        public int Count => Volatile.Read(ref _count);

        public void Reset() => Interlocked.Exchange(ref _count, 0);

        public override ValueTask<InterceptionResult<DbDataReader>> ReaderExecutingAsync(DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result, CancellationToken cancellationToken = default)
        {
            if (command.CommandText.Contains("INSERT INTO \"AuditEvents\"", StringComparison.Ordinal))
            {
                Interlocked.Increment(ref _count);
            }

            return ValueTask.FromResult(result);
        }
    }
}

public sealed class AuditTrailTestsOnSqlite() : AuditTrailTests(DatabaseProvider.Sqlite, null);

[Collection(PostgresCollection.Name)]
public sealed class AuditTrailTestsOnPostgres(PostgresServer postgres) : AuditTrailTests(DatabaseProvider.Postgres, postgres);
