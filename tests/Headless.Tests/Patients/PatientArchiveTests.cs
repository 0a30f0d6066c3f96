using System.Text.Json;
using Headless.Data;
using Headless.Tests.Audit;
using Headless.Tests.Infrastructure;
using Headless.Tests.Quickfills;

namespace Headless.Tests.Patients;

/// <summary>
/// patientArchive and patientRestore: an archived patient leaves the patient list and its search (unless
/// includeArchived), new cart lines refuse them with PATIENT_ARCHIVED at their patientId, and what already exists
/// (cart lines, orders) keeps them.
/// </summary>
public abstract class PatientArchiveTests(DatabaseProvider provider, PostgresServer? postgres) : ProviderTest(provider, postgres)
{
    private const string Archive = """
        mutation($id: ID!) { patientArchive(id: $id) { patient { id archived archivedAt updatedAt } userErrors { code field message } } }
        """;

    private const string Restore = """
        mutation($id: ID!) { patientRestore(id: $id) { patient { id archived archivedAt updatedAt } userErrors { code field message } } }
        """;

    private CartFixture _f = null!;

    private GraphQLClient C => _f.Tenant.Client;

    protected override async Task InitializeAppAsync() => _f = await CartData.CreateAsync(App, patientCount: 3, name: "Archive Org");

    private async Task<JsonElement> RunAsync(string document, string id, string field) =>
        (await C.DataAsync(document, new { id })).GetProperty(field);

    private async Task<List<string>> ListAsync(string arguments)
    {
        var data = await C.DataAsync($"{{ patients{arguments} {{ totalCount nodes {{ id }} }} }}");
        var ids = data.At("patients.nodes").EnumerateArray().Select(n => n.GetProperty("id").GetString()!).ToList();
        Assert.Equal(ids.Count, data.At("patients.totalCount").GetInt32());
        return ids;
    }

    private static DateTimeOffset At(JsonElement payload, string path) =>
        DateTimeOffset.Parse(payload.At(path).GetString()!, System.Globalization.CultureInfo.InvariantCulture);

    [ProviderFact]
    public async Task An_archived_patient_leaves_the_list_and_search_until_restored()
    {
        var p = _f.Patients;
        var archivedAt = App.Clock.GetUtcNow();
        var archived = await RunAsync(Archive, p[1], "patientArchive");

        Assert.Empty(archived.UserErrorCodes());
        Assert.True(archived.At("patient.archived").GetBoolean());
        Assert.Equal(archivedAt, At(archived, "patient.archivedAt"));
        Assert.Equal([p[0], p[2]], await ListAsync(""));
        Assert.Empty(await ListAsync("(search: \"pat01\")"));
        Assert.Empty(await ListAsync("(search: \"P-001\")"));
        Assert.Equal([p[0], p[1], p[2]], await ListAsync("(includeArchived: true)"));
        Assert.Equal([p[1]], await ListAsync("(search: \"pat01 doe\", includeArchived: true)"));

        // Archiving twice keeps the first time.
        App.Clock.Advance(TimeSpan.FromHours(1));
        var again = await RunAsync(Archive, p[1], "patientArchive");
        Assert.Empty(again.UserErrorCodes());
        Assert.Equal(archivedAt, At(again, "patient.archivedAt"));

        var restored = await RunAsync(Restore, p[1], "patientRestore");
        Assert.Empty(restored.UserErrorCodes());
        Assert.False(restored.At("patient.archived").GetBoolean());
        Assert.Equal(JsonValueKind.Null, restored.At("patient.archivedAt").ValueKind);
        Assert.Equal(archivedAt.AddHours(1), At(restored, "patient.updatedAt"));
        Assert.Equal([p[0], p[1], p[2]], await ListAsync(""));
        Assert.Equal([p[1]], await ListAsync("(search: \"P-001\")"));
    }

    [ProviderFact]
    public async Task New_cart_lines_refuse_an_archived_patient_at_their_patient_id_and_add_nothing()
    {
        var p = _f.Patients;
        await RunAsync(Archive, p[1], "patientArchive");
        var lines = new[] { CartData.GoodLine(p[0], _f.Prescriber, _f.Catalog.SemaEast), CartData.GoodLine(p[1], _f.Prescriber, _f.Catalog.SemaEast) };

        var add = (await C.DataAsync(CartData.Add, new { clinicId = _f.ClinicId, lines })).GetProperty("cartLinesAdd");

        Assert.Equal(["PATIENT_ARCHIVED"], add.UserErrorCodes());
        Assert.Equal(["lines.1.patientId"], add.UserErrorFields());
        Assert.Equal(0, (await C.DataAsync(CartData.Read, new { clinicId = _f.ClinicId })).At("cart.lineCount").GetInt32());

        var quickfill = await QuickfillData.CreateAsync(C, new
        {
            clinicId = _f.ClinicId,
            name = "Sema weekly",
            offeringId = _f.Catalog.SemaEast,
            quantity = 1,
            sig = CartData.GoodSig,
            daysSupply = 28,
            prescriberId = _f.Prescriber,
        });
        var apply = (await C.DataAsync(QuickfillData.Apply, new { clinicId = _f.ClinicId, quickfillId = quickfill, patientIds = new[] { p[0], p[2], p[1] } }))
            .GetProperty("cartLinesAddFromQuickfill");

        Assert.Equal(["PATIENT_ARCHIVED"], apply.UserErrorCodes());
        Assert.Equal(["patientIds.2"], apply.UserErrorFields());
        Assert.Equal(0, (await C.DataAsync(CartData.Read, new { clinicId = _f.ClinicId })).At("cart.lineCount").GetInt32());

        await RunAsync(Restore, p[1], "patientRestore");
        var added = (await C.DataAsync(CartData.Add, new { clinicId = _f.ClinicId, lines })).GetProperty("cartLinesAdd");
        Assert.Empty(added.UserErrorCodes());
        Assert.Equal(2, added.At("cart.lineCount").GetInt32());
    }

    [ProviderFact]
    public async Task Lines_already_in_the_cart_keep_an_archived_patient_and_still_check_out()
    {
        var p = _f.Patients;
        var add = (await C.DataAsync(CartData.Add, new { clinicId = _f.ClinicId, lines = new[] { CartData.GoodLine(p[0], _f.Prescriber, _f.Catalog.SemaEast) } }))
            .GetProperty("cartLinesAdd");
        var cartId = add.At("cart.id").GetString();

        await RunAsync(Archive, p[0], "patientArchive");
        var validated = (await C.DataAsync(CartData.Validate, new { cartId })).GetProperty("cartValidate");

        Assert.Empty(validated.UserErrorCodes());
        Assert.Equal(1, validated.At("cart.lineCount").GetInt32());
        Assert.Equal(p[0], validated.At("cart.lines.nodes.0.patient.id").GetString());
        Assert.Equal(0, validated.At("validation.errorCount").GetInt32());
        Assert.True(validated.At("validation.passed").GetBoolean());
    }

    [ProviderFact]
    public async Task Another_organizations_patient_answers_not_found_like_a_missing_one_and_stays_active()
    {
        var other = await App.CreateTenantAsync("Other Archive Org");
        var theirs = await TestData.CreateAsync(other.Client, TestData.PatientCreate, "patientCreate", TestData.Patient("Bea", "Other"));
        var missing = Headless.GraphQL.GlobalId.Encode("Patient", 9_000_000_000_123);

        foreach (var (document, field) in new[] { (Archive, "patientArchive"), (Restore, "patientRestore") })
        {
            var foreign = await RunAsync(document, theirs, field);
            var unknown = await RunAsync(document, missing, field);
            var garbage = await RunAsync(document, "not-an-id", field);

            Assert.Equal(["NOT_FOUND"], foreign.UserErrorCodes());
            Assert.Equal(["id"], foreign.UserErrorFields());
            Assert.Equal(unknown.GetRawText(), foreign.GetRawText());
            Assert.Equal(unknown.GetRawText(), garbage.GetRawText());
        }

        var stillThere = await other.Client.DataAsync("{ patients { totalCount nodes { archived } } }");
        Assert.Equal(1, stillThere.At("patients.totalCount").GetInt32());
        Assert.False(stillThere.At("patients.nodes.0.archived").GetBoolean());
    }

    [ProviderFact]
    public async Task Archive_and_restore_are_in_the_audit_trail_under_the_patient()
    {
        var patient = _f.Patients[2];
        await RunAsync(Archive, patient, "patientArchive");
        await RunAsync(Restore, patient, "patientRestore");

        await App.DrainAuditAsync();
        var events = await AuditTrailTests.QueryAsync(_f.Tenant, new { objectId = patient, operationType = "MUTATION" });

        Assert.Equal(["patientRestore", "patientArchive", "patientCreate"], events.Select(e => AuditTrailTests.Strings(e, "rootFields").Single()));
        Assert.All(events, e => Assert.Equal("Patient", e.GetProperty("objectType").GetString()));
        Assert.All(events, e => Assert.Equal([patient], AuditTrailTests.Strings(e, "objectIds")));
        Assert.All(events.Take(2), e => Assert.Equal("OK", e.GetProperty("outcome").GetString()));
    }
}

public sealed class PatientArchiveTestsOnSqlite() : PatientArchiveTests(DatabaseProvider.Sqlite, null);

[Collection(PostgresCollection.Name)]
public sealed class PatientArchiveTestsOnPostgres(PostgresServer postgres) : PatientArchiveTests(DatabaseProvider.Postgres, postgres);
