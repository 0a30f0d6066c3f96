using System.Text.Json;
using Headless.Data;
using Headless.GraphQL;
using Headless.Patients;
using Headless.Payments;
using Headless.Shared;
using Headless.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Headless.Tests.Checkout;

/// <summary>
/// The Friday refill day: ten clinics check out 40-line carts at the same moment, competing for the same
/// offerings. Stock is reserved by conditional decrements, so checkouts of different carts never abort each
/// other, and running out of stock between validation and reservation is an OUT_OF_STOCK refusal on the lines
/// concerned, never an internal error.
/// </summary>
public abstract class ConcurrentCheckoutTests(DatabaseProvider provider, PostgresServer? postgres) : ProviderTest(provider, postgres)
{
    private const int Clinics = 10;
    private const int SemaLines = 18;
    private const int TestoLines = 17;
    private const int SermorelinLines = 5;
    private const int LinesPerCart = SemaLines + TestoLines + SermorelinLines;

    private CartFixture _f = null!;
    private readonly List<(string CartId, int Version, HashSet<string> ScarceLines)> _carts = [];

    protected override async Task InitializeAppAsync()
    {
        _f = await CartData.CreateAsync(App, patientCount: 0, name: "Refill Day Org");
        var patients = await InsertPatientsAsync(Clinics * LinesPerCart);
        var c = _f.Catalog;
        for (var n = 0; n < Clinics; n++)
        {
            var clinic = await TestData.CreateAsync(_f.Tenant.Client, TestData.ClinicCreate, "clinicCreate", TestData.Clinic($"Clinic {n}"));
            var mine = patients.Skip(n * LinesPerCart).Take(LinesPerCart).ToList();
            var lines = mine.Select((p, i) => CartData.GoodLine(p, _f.Prescriber, i < SemaLines ? c.SemaEast : i < SemaLines + TestoLines ? c.TestoEast : c.SermorelinSlow)).ToArray();
            var cart = (await _f.Tenant.Client.DataAsync(CartData.Add, new { clinicId = clinic, lines })).At("cartLinesAdd.cart");
            var cartId = cart.GetProperty("id").GetString()!;
            var validated = (await _f.Tenant.Client.DataAsync(CartData.Validate, new { cartId })).At("cartValidate.cart");
            Assert.True(validated.GetProperty("checkoutReady").GetBoolean(), validated.GetRawText());
            var scarce = validated.At("lines.nodes").EnumerateArray()
                .Where(l => l.At("product.name").GetString() is "Semaglutide" or "Testosterone Cypionate")
                .Select(l => l.GetProperty("id").GetString()!)
                .ToHashSet();
            Assert.Equal(SemaLines + TestoLines, scarce.Count);
            _carts.Add((cartId, validated.GetProperty("version").GetInt32(), scarce));
        }
    }

    [ProviderFact]
    public async Task Ten_clinics_checking_out_at_once_all_succeed_when_stock_suffices()
    {
        var before = await StockAsync();
        var payloads = await CheckOutAllAtOnceAsync();

        Assert.All(payloads, p =>
        {
            Assert.Empty(p.UserErrorCodes());
            Assert.Equal("SUBMITTED", p.At("order.status").GetString());
            Assert.Equal(LinesPerCart, p.At("order.lineCount").GetInt32());
        });
        var after = await StockAsync();
        Assert.Equal(before.Sema - (Clinics * SemaLines), after.Sema);
        Assert.Equal(before.Testo - (Clinics * TestoLines), after.Testo);
        Assert.Equal(before.Sermorelin - (Clinics * SermorelinLines), after.Sermorelin);
        Assert.Equal(Clinics, App.Services.GetRequiredService<SandboxPaymentGateway>().IntentCount);
        Assert.Empty(App.Logs.Errors);
    }

    [ProviderFact]
    public async Task When_stock_covers_five_carts_five_check_out_and_five_are_refused_out_of_stock_on_the_right_lines()
    {
        // Enough for exactly five carts; every cart validated against the stock as it was.
        await SetStockAsync(_f.Catalog.SemaEast, 5 * SemaLines);
        await SetStockAsync(_f.Catalog.TestoEast, 5 * TestoLines);
        var sermorelinBefore = (await StockAsync()).Sermorelin;

        var payloads = await CheckOutAllAtOnceAsync();

        var paid = payloads.Where(p => p.UserErrorCodes().Count == 0).ToList();
        var refused = payloads.Where(p => p.UserErrorCodes().Count > 0).ToList();
        Assert.Equal(5, paid.Count);
        Assert.Equal(5, refused.Count);
        Assert.All(paid, p => Assert.Equal("SUBMITTED", p.At("order.status").GetString()));
        foreach (var p in refused)
        {
            Assert.Equal(["CART_HAS_ERRORS"], p.UserErrorCodes());
            Assert.Equal(JsonValueKind.Null, p.GetProperty("order").ValueKind);
            Assert.Equal("OPEN", p.At("cart.status").GetString());
            var cart = _carts.Single(c => c.CartId == p.At("cart.id").GetString());
            var outOfStock = p.At("validation.issues.nodes").EnumerateArray()
                .Where(i => i.GetProperty("code").GetString() == "OUT_OF_STOCK")
                .Select(i => i.GetProperty("lineId").GetString()!)
                .ToHashSet();
            Assert.Equal(cart.ScarceLines, outOfStock);
            Assert.Equal(cart.ScarceLines, p.At("userErrors.0.lineIds").EnumerateArray().Select(x => x.GetString()!).ToHashSet());
        }

        var after = await StockAsync();
        Assert.Equal(0, after.Sema);
        Assert.Equal(0, after.Testo);
        Assert.Equal(sermorelinBefore - (5 * SermorelinLines), after.Sermorelin);
        Assert.Equal(5, App.Services.GetRequiredService<SandboxPaymentGateway>().IntentCount);

        // Losing a race for stock is normal on a refill day: nothing about it is an error for operators.
        Assert.Empty(App.Logs.Errors);
    }

    /// <summary>All ten checkouts in flight together; every answer must be data without top-level errors.</summary>
    private async Task<List<JsonElement>> CheckOutAllAtOnceAsync()
    {
        var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var requests = _carts.Select(async (c, i) =>
        {
            await start.Task;
            var response = await _f.Tenant.Client.PostAsync(CheckoutTests.Checkout, new
            {
                input = new { cartId = c.CartId, expectedVersion = c.Version, paymentMethodId = "pm_card_visa", idempotencyKey = $"refill-{i}" },
            });
            Assert.True(response.Status == System.Net.HttpStatusCode.OK && !response.HasErrors, $"Checkout {i} answered {(int)response.Status}: {response.Raw}");
            return response.Data.GetProperty("cartCheckout");
        }).ToList();
        start.SetResult();
        return [.. await Task.WhenAll(requests)];
    }

    private async Task<(int Sema, int Testo, int Sermorelin)> StockAsync()
    {
        await using var db = App.Database.CreatePlatformContext();
        var stock = await db.Offerings.AsNoTracking().ToDictionaryAsync(o => GlobalId.Encode("Offering", o.Id), o => o.Stock);
        return (stock[_f.Catalog.SemaEast], stock[_f.Catalog.TestoEast], stock[_f.Catalog.SermorelinSlow]);
    }

    private async Task SetStockAsync(string offering, int stock)
    {
        GlobalId.TryDecode(offering, "Offering", out var id);
        await using var db = App.Database.CreatePlatformContext();
        await db.Offerings.Where(o => o.Id == id).ExecuteUpdateAsync(s => s.SetProperty(o => o.Stock, stock));
    }

    private async Task<IReadOnlyList<string>> InsertPatientsAsync(int count)
    {
        await using var db = App.Database.CreatePlatformContext();
        var now = App.Clock.GetUtcNow();
        var patients = Enumerable.Range(0, count)
            .Select(i => new Patient(_f.Tenant.OrganizationId, $"RD-{i:000}", $"Pat{i:000}", "Refill", new DateOnly(1979, 6, 2),
                new Address { Line1 = $"{i + 1} Elm St", City = "Austin", State = "TX", Zip = "78701" }, now))
            .ToList();
        db.Patients.AddRange(patients);
        await db.SaveChangesAsync();
        return patients.Select(p => GlobalId.Encode("Patient", p.Id)).ToList();
    }
}

public sealed class ConcurrentCheckoutTestsOnSqlite() : ConcurrentCheckoutTests(DatabaseProvider.Sqlite, null);

[Collection(PostgresCollection.Name)]
public sealed class ConcurrentCheckoutTestsOnPostgres(PostgresServer postgres) : ConcurrentCheckoutTests(DatabaseProvider.Postgres, postgres);
