using System.Text.Json;
using Headless.Data;
using Headless.Tests.Checkout;
using Headless.Tests.Infrastructure;

namespace Headless.Tests.Carts.Validation;

/// <summary>
/// What <see cref="Headless.Carts.Validation.CartValidator"/> reads from the database before the rules run, through
/// cartValidate: the competing offerings of the cart's products (the cheaper-pharmacy warning), the earlier fills of
/// placed orders (DUPLICATE_FILL), and the validation stored with the cart version it saw. CartValidatorRulesTests
/// pins the rules themselves.
/// </summary>
public abstract class ValidationFrontDoorTests(DatabaseProvider provider, PostgresServer? postgres) : ProviderTest(provider, postgres)
{
    private CartFixture _f = null!;

    protected override async Task InitializeAppAsync() => _f = await CartData.CreateAsync(App, 3);

    private GraphQLClient C => _f.Tenant.Client;

    private async Task<JsonElement> AddAsync(params object[] lines) =>
        (await C.DataAsync(CartData.Add, new { clinicId = _f.ClinicId, lines })).At("cartLinesAdd.cart");

    private async Task<JsonElement> ValidateAsync(string cartId) =>
        (await C.DataAsync(CartData.Validate, new { cartId })).GetProperty("cartValidate");

    private static string[] LineIds(JsonElement cart) =>
        [.. cart.At("lines.nodes").EnumerateArray().Select(l => l.GetProperty("id").GetString()!)];

    private static (string, string, string, string)[] Issues(JsonElement validation) =>
        [.. validation.At("issues.nodes").EnumerateArray()
            .Select(i => (i.GetProperty("lineId").GetString()!, i.GetProperty("code").GetString()!, i.GetProperty("severity").GetString()!, string.Join('.', i.GetProperty("field").EnumerateArray().Select(f => f.GetString()))))
            .Order()];

    [ProviderFact]
    public async Task A_cart_is_judged_against_the_other_offerings_of_its_products_and_the_fills_of_earlier_orders_and_the_result_is_kept()
    {
        // An earlier order: patient 0 has semaglutide for 28 days from today.
        var first = await AddAsync(CartData.GoodLine(_f.Patients[0], _f.Prescriber, _f.Catalog.SemaEast));
        var firstCart = first.GetProperty("id").GetString()!;
        var clean = await ValidateAsync(firstCart);
        Assert.Equal([], Issues(clean.GetProperty("validation")));
        var placed = (await C.DataAsync(CheckoutTests.Checkout, new { input = new { cartId = firstCart, expectedVersion = clean.At("cart.version").GetInt32(), paymentMethodId = "pm_card_visa", idempotencyKey = "earlier-fill" } })).GetProperty("cartCheckout");
        Assert.Empty(placed.UserErrorCodes());

        // The new cart: the same patient and product again, and another patient, both at the dearer of two pharmacies.
        var cart = await AddAsync(
            CartData.GoodLine(_f.Patients[0], _f.Prescriber, _f.Catalog.SemaWest),
            CartData.GoodLine(_f.Patients[1], _f.Prescriber, _f.Catalog.SemaWest));
        var (cartId, version) = (cart.GetProperty("id").GetString()!, cart.GetProperty("version").GetInt32());
        Assert.NotEqual(firstCart, cartId);
        var ids = LineIds(cart);

        var validated = await ValidateAsync(cartId);

        var validation = validated.GetProperty("validation");
        Assert.Empty(validated.GetProperty("userErrors").EnumerateArray());
        Assert.Equal(
            new[]
            {
                (ids[0], "CHEAPER_PHARMACY_AVAILABLE", "WARNING", "pharmacyId"),
                (ids[0], "DUPLICATE_FILL", "ERROR", "productId"),
                (ids[1], "CHEAPER_PHARMACY_AVAILABLE", "WARNING", "pharmacyId"),
            }.Order(),
            Issues(validation));
        Assert.Equal((version, true, 1, 2, false), Summary(validation));

        // Kept with the version it saw: reading the cart later shows the same validation as the latest.
        var read = (await C.DataAsync(CartData.Read, new { clinicId = _f.ClinicId })).GetProperty("cart");
        Assert.Equal((cartId, version), (read.GetProperty("id").GetString(), read.GetProperty("version").GetInt32()));
        Assert.Equal((version, true, 1, 2, false), Summary(read.GetProperty("latestValidation")));
        Assert.False(read.GetProperty("checkoutReady").GetBoolean());
    }

    private static (int, bool, int, int, bool) Summary(JsonElement validation) =>
        (validation.GetProperty("cartVersion").GetInt32(), validation.GetProperty("current").GetBoolean(),
            validation.GetProperty("errorCount").GetInt32(), validation.GetProperty("warningCount").GetInt32(), validation.GetProperty("passed").GetBoolean());
}

public sealed class ValidationFrontDoorTestsOnSqlite() : ValidationFrontDoorTests(DatabaseProvider.Sqlite, null);

[Collection(PostgresCollection.Name)]
public sealed class ValidationFrontDoorTestsOnPostgres(PostgresServer postgres) : ValidationFrontDoorTests(DatabaseProvider.Postgres, postgres);
