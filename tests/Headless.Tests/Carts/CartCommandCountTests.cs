using System.Text.Json;
using Headless.Data;
using Headless.GraphQL;
using Headless.Patients;
using Headless.Shared;
using Headless.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Xunit.Abstractions;

namespace Headless.Tests.Carts;

/// <summary>
/// DESIGN.md, preflight validation: "All rules run over every line in a constant number of database round
/// trips, whatever the line count." These tests count every SQL command the service sends for one HTTP request,
/// authentication included, and require the exact count below at every cart size: measured with the API key
/// authenticated within the last second (its row cached, README "Managing API keys": no command) and, where marked
/// "cold", with the cache expired (one more: the key lookup). README "Round trips" says where each command goes.
/// Scheme: cartLinesAdd of N lines into an open, empty cart for N = 1, 10, 100 and 250 (the per-call maximum),
/// and of 1 line into a cart already holding 400; cartValidate and cart(clinicId) on carts of 1, 10, 100, 250 and
/// 400 lines. Each size has a clinic (and so an open cart) of its own; every request returns or reads the
/// cart with all its line fields, totals, pharmacy totals and latest validation.
/// </summary>
public abstract class CartCommandCountTests(DatabaseProvider provider, PostgresServer? postgres, ITestOutputHelper output)
    : ProviderTest(provider, postgres)
{
    private const int PatientCount = 1000;
    private static readonly int[] CartSizes = [1, 10, 100, 250, 400];

    /// <summary>Commands per request with the key's row cached, the same on SQLite and PostgreSQL; a cold key adds one.</summary>
    public const int AddCommands = 5;

    public const int ValidateCommands = 4;

    public const int ReadCommands = 3;

    private CartFixture _fx = null!;
    private IReadOnlyList<string> _patients = [];
    private SqlRecorder _sql = null!;
    private int _clinics;

    // EF's command log goes only to the recorder (console stays quiet), so a failing count shows its SQL.
    protected override IDictionary<string, string?>? Settings => new Dictionary<string, string?>(SqlRecorder.Settings);

    protected override async Task InitializeAppAsync()
    {
        _fx = await CartData.CreateAsync(App, patientCount: 0, name: "Command Count Org");
        _patients = await InsertPatientsAsync(PatientCount);
        _sql = new SqlRecorder();
        App.Services.GetRequiredService<ILoggerFactory>().AddProvider(_sql);
    }

    [ProviderFact]
    public async Task Adding_lines_sends_the_same_number_of_commands_whatever_the_line_count()
    {
        var measured = new List<Measurement>();
        foreach (var size in new[] { 1, 10, 100, CartServiceMaxLinesPerCall })
        {
            var clinic = await OpenEmptyCartAsync();
            var (count, sql, data) = await MeasureAsync(CartData.Add, new { clinicId = clinic, lines = Lines(0, size) });
            var cart = AssertCart(data.GetProperty("cartLinesAdd"), size);
            Assert.Equal(Math.Min(size, 100), cart.At("lines.nodes").GetArrayLength());
            measured.Add(new Measurement($"{size} into empty", count, sql));
        }

        var full = await OpenEmptyCartAsync();
        await FillAsync(full, 400);
        var (plusOne, plusOneSql, plusOneData) = await MeasureAsync(CartData.Add, new { clinicId = full, lines = Lines(400, 1) });
        AssertCart(plusOneData.GetProperty("cartLinesAdd"), 401);
        measured.Add(new Measurement("1 into 400", plusOne, plusOneSql));
        var (cold, coldSql, coldData) = await MeasureAsync(CartData.Add, new { clinicId = full, lines = Lines(401, 1) }, coldKey: true);
        AssertCart(coldData.GetProperty("cartLinesAdd"), 402);

        AssertExactly("cartLinesAdd", measured, AddCommands);
        AssertExactly("cartLinesAdd, cold key", [new Measurement("1 into 401", cold, coldSql)], AddCommands + 1);
    }

    [ProviderFact]
    public async Task Validating_a_cart_sends_the_same_number_of_commands_whatever_the_line_count()
    {
        var measured = new List<Measurement>();
        var coldMeasured = new List<Measurement>();
        foreach (var size in CartSizes)
        {
            var clinic = await OpenEmptyCartAsync();
            var cartId = await FillAsync(clinic, size);
            var (count, sql, data) = await MeasureAsync(CartData.Validate, new { cartId });
            var payload = data.GetProperty("cartValidate");
            var cart = AssertCart(payload, size);
            Assert.True(payload.At("validation.current").GetBoolean());
            Assert.True(payload.At("validation.passed").GetBoolean(), payload.GetRawText());
            Assert.True(payload.At("validation.warningCount").GetInt32() > 0, "Expected warnings, so issues are stored and read back.");
            Assert.Equal(cart.GetProperty("version").GetInt32(), cart.At("latestValidation.cartVersion").GetInt32());
            measured.Add(new Measurement($"{size}", count, sql));
            var (cold, coldSql, _) = await MeasureAsync(CartData.Validate, new { cartId }, coldKey: true);
            coldMeasured.Add(new Measurement($"{size}", cold, coldSql));
        }

        AssertExactly("cartValidate", measured, ValidateCommands);
        AssertExactly("cartValidate, cold key", coldMeasured, ValidateCommands + 1);
    }

    [ProviderFact]
    public async Task Reading_a_cart_with_its_lines_sends_the_same_number_of_commands_whatever_the_line_count()
    {
        var measured = new List<Measurement>();
        var coldMeasured = new List<Measurement>();
        foreach (var size in CartSizes)
        {
            var clinic = await OpenEmptyCartAsync();
            var cartId = await FillAsync(clinic, size);
            await _fx.Tenant.Client.DataAsync(CartData.Validate, new { cartId });
            var (count, sql, data) = await MeasureAsync(CartData.Read, new { clinicId = clinic });
            var cart = data.GetProperty("cart");
            Assert.Equal(size, cart.GetProperty("lineCount").GetInt32());
            Assert.Equal(size, cart.GetProperty("patientCount").GetInt32());
            Assert.Equal(size, cart.At("lines.totalCount").GetInt32());
            Assert.Equal(Math.Min(size, 100), cart.At("lines.nodes").GetArrayLength());
            Assert.True(cart.At("latestValidation.current").GetBoolean());
            Assert.True(cart.GetProperty("checkoutReady").GetBoolean());
            Assert.Contains(cart.At("lines.nodes").EnumerateArray(), n => n.GetProperty("issues").GetArrayLength() > 0);
            Assert.All(cart.At("lines.nodes").EnumerateArray(), n => Assert.NotEqual(JsonValueKind.Null, n.GetProperty("prescriber").ValueKind));
            Assert.True(cart.GetProperty("pharmacyTotals").GetArrayLength() >= 1);
            measured.Add(new Measurement($"{size}", count, sql));
            var (cold, coldSql, coldData) = await MeasureAsync(CartData.Read, new { clinicId = clinic }, coldKey: true);
            Assert.Equal(data.GetRawText(), coldData.GetRawText());
            coldMeasured.Add(new Measurement($"{size}", cold, coldSql));
        }

        AssertExactly("cart(clinicId)", measured, ReadCommands);
        AssertExactly("cart(clinicId), cold key", coldMeasured, ReadCommands + 1);
    }

    /// <summary>
    /// Lines as a coordinator leaves them mid-build (only patient and offering): four REQUIRED_FIELD_MISSING errors
    /// and a cheaper-pharmacy warning each, so 400 lines store 2,000 issues.
    /// </summary>
    [ProviderFact]
    public async Task Validating_a_cart_full_of_issues_sends_the_same_number_of_commands_whatever_the_line_count()
    {
        var measured = new List<Measurement>();
        foreach (var size in CartSizes)
        {
            var clinic = await OpenEmptyCartAsync();
            string? cartId = null;
            for (var from = 0; from < size; from += 200)
            {
                var lines = Enumerable.Range(from, Math.Min(200, size - from))
                    .Select(i => new { patientId = _patients[i], offeringId = _fx.Catalog.SemaWest })
                    .ToArray();
                var payload = (await _fx.Tenant.Client.DataAsync(CartData.Add, new { clinicId = clinic, lines })).GetProperty("cartLinesAdd");
                Assert.Empty(payload.UserErrorCodes());
                cartId = payload.At("cart.id").GetString();
            }

            var (count, sql, data) = await MeasureAsync(CartData.Validate, new { cartId });
            var validation = data.At("cartValidate.validation");
            Assert.Equal(4 * size, validation.GetProperty("errorCount").GetInt32());
            Assert.Equal(size, validation.GetProperty("warningCount").GetInt32());
            measured.Add(new Measurement($"{size} ({5 * size} issues)", count, sql));
        }

        // The lines' prescribers come with the lines, so lines without prescribers cost the same.
        AssertExactly("cartValidate", measured, ValidateCommands);
    }

    /// <summary>
    /// A read costs what it asks for, not what the cart holds: counts and totals are aggregates (no line is loaded),
    /// and a page of lines loads that page only, priced and with its issues. Measured at 1, 100 and 1,000 lines.
    /// </summary>
    [ProviderFact]
    public async Task Reading_totals_or_the_first_page_loads_the_same_whatever_the_line_count()
    {
        const string totals = "query($clinicId: ID!) { cart(clinicId: $clinicId) { id lineCount totals { subtotal { amount } shipping { amount } total { amount } } } }";
        var firstPage = $$"""query($clinicId: ID!) { cart(clinicId: $clinicId) { id lineCount totals { total { amount } } lines(first: 20) { totalCount nodes { id shippingShare { amount } landedCost { amount } issues { code } } } } }""";
        var summaries = new List<Measurement>();
        var pages = new List<Measurement>();
        foreach (var size in new[] { 1, 100, 1000 })
        {
            var clinic = await OpenEmptyCartAsync();
            var cartId = await FillAsync(clinic, size);
            await _fx.Tenant.Client.DataAsync(CartData.Validate, new { cartId });

            App.Materialized.Reset();
            var (count, sql, data) = await MeasureAsync(totals, new { clinicId = clinic });
            Assert.Equal(size, data.At("cart.lineCount").GetInt32());
            Assert.Equal(0, App.Materialized.Of<Headless.Carts.CartLine>());
            summaries.Add(new Measurement($"{size}", count, sql));

            App.Materialized.Reset();
            (count, sql, data) = await MeasureAsync(firstPage, new { clinicId = clinic });
            Assert.Equal(Math.Min(size, 20), data.At("cart.lines.nodes").GetArrayLength());
            Assert.Equal(Math.Min(size, 20) + (size > 20 ? 1 : 0), App.Materialized.Of<Headless.Carts.CartLine>());
            pages.Add(new Measurement($"{size}", count, sql));
        }

        AssertConstant("cart { lineCount totals }", summaries);
        AssertConstant("cart { lines(first: 20) }", pages);
    }

    /// <summary>Paging through a 250-line cart loads each line once, and the pages' prices and totals agree with the whole.</summary>
    [ProviderFact]
    public async Task Paging_through_a_cart_loads_each_line_once_and_the_pages_add_up_to_the_totals()
    {
        var clinic = await OpenEmptyCartAsync();
        await FillAsync(clinic, 250);
        const string page = "query($clinicId: ID!, $after: String) { cart(clinicId: $clinicId) { totals { total { amount } } lines(first: 100, after: $after) { totalCount pageInfo { hasNextPage endCursor } nodes { id landedCost { amount } } } } }";
        App.Materialized.Reset();
        string? after = null;
        var seen = new List<string>();
        long landed = 0, total = 0;
        do
        {
            var cart = (await _fx.Tenant.Client.DataAsync(page, new { clinicId = clinic, after })).GetProperty("cart");
            Assert.Equal(250, cart.At("lines.totalCount").GetInt32());
            total = cart.At("totals.total.amount").GetInt64();
            foreach (var line in cart.At("lines.nodes").EnumerateArray())
            {
                seen.Add(line.GetProperty("id").GetString()!);
                landed += line.At("landedCost.amount").GetInt64();
            }

            after = cart.At("lines.pageInfo.hasNextPage").GetBoolean() ? cart.At("lines.pageInfo.endCursor").GetString() : null;
        }
        while (after is not null);

        Assert.Equal(250, seen.Distinct().Count());
        Assert.Equal(total, landed);

        // Each page reads one line past its end to know whether another page follows.
        Assert.Equal(250 + 2, App.Materialized.Of<Headless.Carts.CartLine>());
    }

    private const int CartServiceMaxLinesPerCall = Headless.Carts.CartEditing.MaxLinesPerCall;

    private sealed record Measurement(string Label, int Commands, IReadOnlyList<string> Sql);

    private void AssertExactly(string operation, IReadOnlyList<Measurement> measured, int expected)
    {
        AssertConstant(operation, measured);
        if (measured[0].Commands != expected)
        {
            Assert.Fail($"{operation} on {App.Provider}: expected exactly {expected} SQL commands, got {measured[0].Commands}:\n   " + string.Join("\n   ", measured[0].Sql));
        }
    }

    private void AssertConstant(string operation, IReadOnlyList<Measurement> measured)
    {
        var summary = $"{operation} on {App.Provider}, SQL commands by cart lines: " +
            string.Join(", ", measured.Select(m => $"{m.Label} -> {m.Commands}"));
        output.WriteLine(summary);
        var largest = measured[^1];
        output.WriteLine($"  commands for {largest.Label}:\n    " + string.Join("\n    ", largest.Sql));
        if (measured.Select(m => m.Commands).Distinct().Count() == 1)
        {
            return;
        }

        var detail = string.Join("\n", measured.Select(m => $"-- {m.Label} ({m.Commands}):\n   " + string.Join("\n   ", m.Sql)));
        Assert.Fail($"{summary}\nThe count must not depend on the line count. Commands seen (first line of each; the log misses any that failed):\n{detail}");
    }

    /// <summary>
    /// One request's commands. The key authenticated within the last second (every request here follows another);
    /// <paramref name="coldKey"/> lets its cached row expire first, so the count includes the key lookup.
    /// </summary>
    private async Task<(int Count, IReadOnlyList<string> Sql, JsonElement Data)> MeasureAsync(string document, object variables, bool coldKey = false)
    {
        if (coldKey)
        {
            App.Clock.Advance(Headless.Auth.ApiKeyCache.Lifetime);
        }

        _sql.Reset();
        App.Commands.Reset();
        var response = await _fx.Tenant.Client.PostAsync(document, variables);
        var count = App.Commands.Count;
        var sql = _sql.Take();
        Assert.True(response.Status == System.Net.HttpStatusCode.OK && !response.HasErrors, $"Expected data, got {(int)response.Status}: {response.Raw}");
        return (count, sql, response.Data);
    }

    private static JsonElement AssertCart(JsonElement payload, int lines)
    {
        Assert.Empty(payload.UserErrorCodes());
        var cart = payload.GetProperty("cart");
        Assert.Equal(lines, cart.GetProperty("lineCount").GetInt32());
        Assert.Equal(lines, cart.At("lines.totalCount").GetInt32());
        return cart;
    }

    /// <summary>A new clinic with its open cart already created (reading it creates it), so adds measure adding only.</summary>
    private async Task<string> OpenEmptyCartAsync()
    {
        var n = ++_clinics;
        var clinic = await TestData.CreateAsync(_fx.Tenant.Client, TestData.ClinicCreate, "clinicCreate", TestData.Clinic($"Count Clinic {n}"));
        var cart = (await _fx.Tenant.Client.DataAsync(CartData.Read, new { clinicId = clinic })).GetProperty("cart");
        Assert.Equal(0, cart.GetProperty("lineCount").GetInt32());
        return clinic;
    }

    /// <summary>Fills a clinic's cart with lines for the first <paramref name="count"/> patients, 200 per call. Returns the cart ID.</summary>
    private async Task<string> FillAsync(string clinic, int count)
    {
        string? cartId = null;
        for (var from = 0; from < count; from += 200)
        {
            var payload = (await _fx.Tenant.Client.DataAsync(CartData.Add, new { clinicId = clinic, lines = Lines(from, Math.Min(200, count - from)) })).GetProperty("cartLinesAdd");
            Assert.Empty(payload.UserErrorCodes());
            cartId = payload.At("cart.id").GetString();
        }

        var cart = (await _fx.Tenant.Client.DataAsync(CartData.Read, new { clinicId = clinic })).GetProperty("cart");
        Assert.Equal(count, cart.GetProperty("lineCount").GetInt32());
        return cartId!;
    }

    /// <summary>
    /// Complete, valid lines, one per patient, spread over four offerings at three pharmacies that ship to TX:
    /// West semaglutide draws a cheaper-pharmacy warning and the slow pharmacy a long-turnaround warning, so
    /// validations store issues and reads return them.
    /// </summary>
    private object[] Lines(int from, int count)
    {
        var c = _fx.Catalog;
        string[] offerings = [c.SemaWest, c.SemaEast, c.TestoEast, c.SermorelinSlow];
        return Enumerable.Range(from, count)
            .Select(i => CartData.GoodLine(_patients[i], _fx.Prescriber, offerings[i % offerings.Length]))
            .ToArray();
    }

    /// <summary>Patients straight into the database: hundreds through patientCreate would be slow.</summary>
    private async Task<IReadOnlyList<string>> InsertPatientsAsync(int count)
    {
        await using var db = App.Database.CreatePlatformContext();
        var now = App.Clock.GetUtcNow();
        var patients = Enumerable.Range(0, count)
            .Select(i => new Patient(
                _fx.Tenant.OrganizationId, $"CNT-{i:000}", $"Pat{i:000}", "Count", new DateOnly(1980, 4, 12),
                new Address { Line1 = $"{i + 1} Oak Ave", City = "Austin", State = "TX", Zip = "78702" }, now))
            .ToList();
        db.Patients.AddRange(patients);
        await db.SaveChangesAsync();
        return patients.Select(p => GlobalId.Encode("Patient", p.Id)).ToList();
    }
}

public sealed class CartCommandCountTestsOnSqlite(ITestOutputHelper output) : CartCommandCountTests(DatabaseProvider.Sqlite, null, output);

[Collection(PostgresCollection.Name)]
public sealed class CartCommandCountTestsOnPostgres(PostgresServer postgres, ITestOutputHelper output) : CartCommandCountTests(DatabaseProvider.Postgres, postgres, output);
