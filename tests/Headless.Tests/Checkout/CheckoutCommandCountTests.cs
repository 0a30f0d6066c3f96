using System.Text.Json;
using Headless.Data;
using Headless.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Xunit.Abstractions;

namespace Headless.Tests.Checkout;

/// <summary>
/// cartCheckout costs the same number of SQL commands for 1, 10, 100 and 250 lines: every command of the HTTP request
/// is counted, authentication included (the key authenticated within the last second, so its row is cached; a cold key
/// adds one lookup), from the idempotency lookup to the payload with the order's lines. Each size checks out a
/// validated cart of its own clinic with patients of its own (so no line is a duplicate fill of another's order), all
/// on one offering: reserving stock is one statement per offering, so a cart on k offerings costs k - 1 more.
/// README "Round trips" says where each command goes.
/// </summary>
public abstract class CheckoutCommandCountTests(DatabaseProvider provider, PostgresServer? postgres, ITestOutputHelper output)
    : ProviderTest(provider, postgres)
{
    /// <summary>Measured on SQLite and PostgreSQL alike, the key's row cached.</summary>
    public const int CheckoutCommands = 12;

    private static readonly int[] Sizes = [1, 10, 100, 250];

    private CartFixture _f = null!;
    private IReadOnlyList<string> _patients = [];
    private SqlRecorder _sql = null!;
    private int _clinics;

    private GraphQLClient C => _f.Tenant.Client;

    protected override IDictionary<string, string?>? Settings => new Dictionary<string, string?>(SqlRecorder.Settings);

    protected override async Task InitializeAppAsync()
    {
        _f = await CartData.CreateAsync(App, patientCount: 0, name: "Checkout Count Org");
        _patients = await Quickfills.QuickfillData.InsertPatientsAsync(App, _f.Tenant.OrganizationId, Sizes.Sum());
        _sql = new SqlRecorder();
        App.Services.GetRequiredService<ILoggerFactory>().AddProvider(_sql);
    }

    [ProviderFact]
    public async Task Checking_out_sends_the_same_number_of_commands_whatever_the_line_count()
    {
        var counts = new List<(int Size, int Commands, IReadOnlyList<string> Sql)>();
        var used = 0;
        foreach (var size in Sizes)
        {
            var (cartId, version) = await ValidCartAsync(_patients.Skip(used).Take(size).ToList());
            used += size;

            await App.DrainAuditAsync();
            _sql.Reset();
            App.Commands.Reset();
            var response = await C.PostAsync(CheckoutTests.Checkout, new { input = new { cartId, expectedVersion = version, paymentMethodId = "pm_card_visa", idempotencyKey = $"count-{size}" } });
            var count = App.Commands.Count;
            var sql = _sql.Take();

            Assert.True(response.Status == System.Net.HttpStatusCode.OK && !response.HasErrors, response.Raw);
            var payload = response.Data.GetProperty("cartCheckout");
            Assert.Empty(payload.UserErrorCodes());
            Assert.Equal("SUBMITTED", payload.At("order.status").GetString());
            Assert.Equal(size, payload.At("order.lines.totalCount").GetInt32());
            Assert.Equal(Math.Min(size, 100), payload.At("order.lines.nodes").GetArrayLength());
            counts.Add((size, count, sql));
        }

        var summary = $"cartCheckout on {App.Provider}, SQL commands by cart lines: " + string.Join(", ", counts.Select(c => $"{c.Size} -> {c.Commands}"));
        output.WriteLine(summary);
        output.WriteLine("  commands for 250:\n    " + string.Join("\n    ", counts[^1].Sql));
        Assert.True(
            counts.All(c => c.Commands == CheckoutCommands),
            $"{summary}; expected {CheckoutCommands} at every size.\n" + string.Join("\n", counts.Select(c => $"-- {c.Size} ({c.Commands}):\n   " + string.Join("\n   ", c.Sql))));
    }

    /// <summary>A validated cart of the next clinic with one good line per patient, all at East's semaglutide.</summary>
    private async Task<(string CartId, int Version)> ValidCartAsync(IReadOnlyList<string> patients)
    {
        var clinic = await TestData.CreateAsync(C, TestData.ClinicCreate, "clinicCreate", TestData.Clinic($"Checkout Count Clinic {++_clinics}"));
        string cartId = "";
        foreach (var chunk in patients.Chunk(200))
        {
            var lines = chunk.Select(p => CartData.GoodLine(p, _f.Prescriber, _f.Catalog.SemaEast)).ToArray();
            var added = (await C.DataAsync(CartData.Add, new { clinicId = clinic, lines })).GetProperty("cartLinesAdd");
            Assert.Empty(added.UserErrorCodes());
            cartId = added.At("cart.id").GetString()!;
        }

        JsonElement cart = (await C.DataAsync(CartData.Validate, new { cartId })).At("cartValidate.cart");
        Assert.True(cart.GetProperty("checkoutReady").GetBoolean(), cart.GetRawText());
        return (cartId, cart.GetProperty("version").GetInt32());
    }
}

public sealed class CheckoutCommandCountTestsOnSqlite(ITestOutputHelper output) : CheckoutCommandCountTests(DatabaseProvider.Sqlite, null, output);

[Collection(PostgresCollection.Name)]
public sealed class CheckoutCommandCountTestsOnPostgres(PostgresServer postgres, ITestOutputHelper output) : CheckoutCommandCountTests(DatabaseProvider.Postgres, postgres, output);
