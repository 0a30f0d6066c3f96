using System.Net;
using System.Text.Json;
using Headless.Data;
using Headless.GraphQL;
using Headless.Tests.Infrastructure;
using Headless.Tests.Partners;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Headless.Tests.Checkout;

/// <summary>Checkout charges the prices the last validation showed, or refuses with PRICES_CHANGED and changes nothing.</summary>
public abstract class PricesChangedTests(DatabaseProvider provider, PostgresServer? postgres) : ProviderTest(provider, postgres)
{
    private readonly RecordingGateway _gateway = new();
    private CartFixture _f = null!;
    private HttpClient _http = null!;
    private Dictionary<string, string> _secrets = null!;

    protected override void ConfigureServices(IServiceCollection services) => _gateway.AddTo(services);

    protected override async Task InitializeAppAsync()
    {
        _f = await CartData.CreateAsync(App, 2);
        _http = App.CreateClient();
        _secrets = await PartnerCallbacks.GiveSecretsAsync(App, _f.Catalog.EastPharmacy);
    }

    private GraphQLClient C => _f.Tenant.Client;

    private async Task<JsonElement> CheckoutAsync(string cartId, int version, string key) =>
        (await C.DataAsync(CheckoutTests.Checkout, new { input = new { cartId, expectedVersion = version, paymentMethodId = "pm_card_visa", idempotencyKey = key } })).GetProperty("cartCheckout");

    private async Task<int> OrderCountAsync()
    {
        await using var db = App.Database.CreatePlatformContext();
        return await db.Orders.IgnoreQueryFilters().CountAsync();
    }

    [ProviderFact]
    public async Task A_price_changed_since_validation_is_refused_and_the_next_validation_shows_and_charges_the_new_one()
    {
        var lines = new[]
        {
            CartData.GoodLine(_f.Patients[0], _f.Prescriber, _f.Catalog.SemaEast, 2),
            CartData.GoodLine(_f.Patients[1], _f.Prescriber, _f.Catalog.TestoEast),
        };
        var cartId = (await C.DataAsync(CartData.Add, new { clinicId = _f.ClinicId, lines })).At("cartLinesAdd.cart.id").GetString()!;
        var cart = (await C.DataAsync(CartData.Validate, new { cartId })).At("cartValidate.cart");
        Assert.True(cart.GetProperty("checkoutReady").GetBoolean(), cart.GetRawText());
        var version = cart.GetProperty("version").GetInt32();
        var semaLine = cart.At("lines.nodes").EnumerateArray().Single(l => l.At("product.name").GetString() == "Semaglutide").GetProperty("id").GetString()!;
        Assert.Equal(18900, cart.At("lines.nodes").EnumerateArray().Single(l => l.GetProperty("id").GetString() == semaLine).At("unitPrice.amount").GetInt64());

        // East raises its price after the coordinator looked.
        var body = PartnerOfferingUpdatesTests.UpdateBody(_f.Catalog.SemaEast, App.Clock.GetUtcNow(), new { unitPrice = 19550L });
        using (var response = await PartnerCallbacks.PostAsync(_http, _f.Catalog.EastPharmacy, _secrets[_f.Catalog.EastPharmacy], body, App.Clock.GetUtcNow()))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        var refused = await CheckoutAsync(cartId, version, "prices-1");
        var error = Assert.Single(refused.GetProperty("userErrors").EnumerateArray());
        Assert.Equal("PRICES_CHANGED", error.GetProperty("code").GetString());
        Assert.Equal([semaLine], error.GetProperty("lineIds").EnumerateArray().Select(l => l.GetString()));
        Assert.Equal(
            $"Prices changed since the cart was validated: line {semaLine} unit price 189.00 USD -> 195.50 USD. Nothing was charged; validate the cart again and check out.",
            error.GetProperty("message").GetString());
        Assert.Equal(JsonValueKind.Null, refused.GetProperty("order").ValueKind);
        Assert.Equal("OPEN", refused.At("cart.status").GetString());
        Assert.Equal(version, refused.At("cart.version").GetInt32());
        Assert.Equal(0, await OrderCountAsync());
        Assert.Empty(_gateway.Calls);

        // Checking out again without looking is refused again: the prices shown are still the old ones.
        Assert.Equal("PRICES_CHANGED", (await CheckoutAsync(cartId, version, "prices-2")).At("userErrors.0.code").GetString());

        cart = (await C.DataAsync(CartData.Validate, new { cartId })).At("cartValidate.cart");
        Assert.Equal(19550, cart.At("lines.nodes").EnumerateArray().Single(l => l.GetProperty("id").GetString() == semaLine).At("unitPrice.amount").GetInt64());
        var total = cart.At("totals.total.amount").GetInt64();
        var paid = await CheckoutAsync(cartId, cart.GetProperty("version").GetInt32(), "prices-3");
        Assert.Empty(paid.UserErrorCodes());
        Assert.Equal(total, paid.At("order.total.amount").GetInt64());
        var authorize = Assert.Single(_gateway.Calls);
        Assert.Equal(("authorize", total), (authorize.Operation, authorize.Amount));

        await using var db = App.Database.CreatePlatformContext();
        var orderLine = await db.OrderLines.IgnoreQueryFilters().SingleAsync(l => l.Quantity == 2);
        Assert.Equal((19550L, 39100L), (orderLine.UnitPrice, orderLine.LineTotal));
    }
}

public sealed class PricesChangedTestsOnSqlite() : PricesChangedTests(DatabaseProvider.Sqlite, null);

[Collection(PostgresCollection.Name)]
public sealed class PricesChangedTestsOnPostgres(PostgresServer postgres) : PricesChangedTests(DatabaseProvider.Postgres, postgres);
