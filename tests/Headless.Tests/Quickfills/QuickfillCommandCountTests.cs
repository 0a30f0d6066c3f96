using System.Text.Json;
using Headless.Data;
using Headless.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Headless.Tests.Quickfills;

/// <summary>
/// A quickfill for 40 patients costs what a quickfill for one costs: every SQL command of the request is counted (the
/// API key lookup included) at 1, 10 and 40 patients, into an empty cart and again into the cart it filled (every line
/// merges). Each count is exactly cartLinesAdd's for the same lines plus one, the read of the quickfill: the lines go
/// through cartLinesAdd's own path and nothing else is added per patient.
/// </summary>
public abstract class QuickfillCommandCountTests(DatabaseProvider provider, PostgresServer? postgres, ITestOutputHelper output)
    : ProviderTest(provider, postgres)
{
    private static readonly int[] Sizes = [1, 10, 40];

    /// <summary>
    /// Measured on SQLite and PostgreSQL alike: cartLinesAdd's count for the same lines and cart selection, and the
    /// quickfill read. A change to cartLinesAdd's cost moves this number; the relation above still holds.
    /// </summary>
    private const int ExpectedCommands = Carts.CartCommandCountTests.AddCommands + 1;

    private CartFixture _f = null!;
    private IReadOnlyList<string> _patients = [];
    private int _clinics;

    private GraphQLClient C => _f.Tenant.Client;

    protected override async Task InitializeAppAsync()
    {
        _f = await CartData.CreateAsync(App, patientCount: 0, name: "Quickfill Count Org");
        _patients = await QuickfillData.InsertPatientsAsync(App, _f.Tenant.OrganizationId, 40);
    }

    [ProviderFact]
    public async Task Applying_a_quickfill_sends_the_same_commands_for_1_10_and_40_patients_one_more_than_cartLinesAdd()
    {
        var into = new List<int>();
        var merging = new List<int>();
        foreach (var size in Sizes)
        {
            var patients = _patients.Take(size).ToArray();
            var lines = patients.Select(p => CartData.GoodLine(p, _f.Prescriber, _f.Catalog.SemaEast, 2)).ToArray();
            var clinic = await OpenEmptyCartAsync();
            var quickfill = await QuickfillData.CreateAsync(C, new { clinicId = clinic, name = "Count", offeringId = _f.Catalog.SemaEast, quantity = 2, sig = CartData.GoodSig, daysSupply = 28, prescriberId = _f.Prescriber });
            var twin = await OpenEmptyCartAsync();
            var apply = new { clinicId = clinic, quickfillId = quickfill, patientIds = patients };

            var (applied, cart) = await MeasureAsync(QuickfillData.Apply, apply, "cartLinesAddFromQuickfill");
            var (added, _) = await MeasureAsync(CartData.Add, new { clinicId = twin, lines }, "cartLinesAdd");
            Assert.Equal(size, cart.GetProperty("lineCount").GetInt32());
            Assert.Equal(added + 1, applied);
            into.Add(applied);

            var (reapplied, merged) = await MeasureAsync(QuickfillData.Apply, apply, "cartLinesAddFromQuickfill");
            var (readded, _) = await MeasureAsync(CartData.Add, new { clinicId = twin, lines }, "cartLinesAdd");
            Assert.Equal(size, merged.GetProperty("lineCount").GetInt32());
            Assert.All(merged.At("lines.nodes").EnumerateArray(), l => Assert.Equal(4, l.GetProperty("quantity").GetInt32()));
            Assert.Equal(readded + 1, reapplied);
            merging.Add(reapplied);
        }

        output.WriteLine($"cartLinesAddFromQuickfill on {App.Provider}, SQL commands at {string.Join("/", Sizes)} patients: into an empty cart {string.Join("/", into)}, merging {string.Join("/", merging)}");
        Assert.Equal([ExpectedCommands, ExpectedCommands, ExpectedCommands], into);
        Assert.Equal([ExpectedCommands, ExpectedCommands, ExpectedCommands], merging);
    }

    private async Task<(int Commands, JsonElement Cart)> MeasureAsync(string document, object variables, string field)
    {
        await App.DrainAuditAsync();
        App.Commands.Reset();
        var response = await C.PostAsync(document, variables);
        var count = App.Commands.Count;
        Assert.True(response.Status == System.Net.HttpStatusCode.OK && !response.HasErrors, $"Expected data, got {(int)response.Status}: {response.Raw}");
        var payload = response.Data.GetProperty(field);
        Assert.Empty(payload.UserErrorCodes());
        return (count, payload.GetProperty("cart"));
    }

    /// <summary>A new clinic with its open cart already created (reading it creates it), so adds measure adding only.</summary>
    private async Task<string> OpenEmptyCartAsync()
    {
        var clinic = await TestData.CreateAsync(C, TestData.ClinicCreate, "clinicCreate", TestData.Clinic($"Count Clinic {++_clinics}"));
        Assert.Equal(0, (await C.DataAsync(CartData.Read, new { clinicId = clinic })).At("cart.lineCount").GetInt32());
        return clinic;
    }
}

public sealed class QuickfillCommandCountTestsOnSqlite(ITestOutputHelper output) : QuickfillCommandCountTests(DatabaseProvider.Sqlite, null, output);

[Collection(PostgresCollection.Name)]
public sealed class QuickfillCommandCountTestsOnPostgres(PostgresServer postgres, ITestOutputHelper output) : QuickfillCommandCountTests(DatabaseProvider.Postgres, postgres, output);
