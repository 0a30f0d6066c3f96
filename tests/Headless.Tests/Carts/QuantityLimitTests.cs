using System.Text.Json;
using Headless.Catalog;
using Headless.Data;
using Headless.GraphQL;
using Headless.Orders;
using Headless.Orders.Lifecycle;
using Headless.Tests.Checkout;
using Headless.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Headless.Tests.Carts;

/// <summary>
/// A line's quantity is 1 to its offering's maximum however it is reached: entered, merged (within one call or
/// into a line already in the cart), changed, moved to another offering, resubmitted or reordered. Past the limit
/// it is a QUANTITY_LIMIT user error on that input, and nothing changes: no line, no version, no stock.
/// </summary>
public abstract class QuantityLimitTests(DatabaseProvider provider, PostgresServer? postgres) : ProviderTest(provider, postgres)
{
    private CartFixture _f = null!;

    private GraphQLClient C => _f.Tenant.Client;

    protected override async Task InitializeAppAsync() => _f = await CartData.CreateAsync(App, 4);

    private object Line(int patient, string offering, int? quantity) =>
        new { patientId = _f.Patients[patient], offeringId = offering, quantity, sig = CartData.GoodSig, daysSupply = 28, prescriberId = _f.Prescriber };

    private async Task<JsonElement> AddAsync(params object[] lines) =>
        (await C.DataAsync(CartData.Add, new { clinicId = _f.ClinicId, lines })).GetProperty("cartLinesAdd");

    private async Task<JsonElement> CartAsync() => (await C.DataAsync(CartData.Read, new { clinicId = _f.ClinicId })).GetProperty("cart");

    [ProviderFact]
    public async Task Two_inputs_of_int_max_for_one_line_are_refused_and_nothing_changes()
    {
        var before = await CartAsync();
        var stock = await StockAsync(_f.Catalog.SemaEast);

        // The attack: two inputs for the same patient and offering, each at int.MaxValue, used to merge into a line
        // whose quantity wrapped to -2 (a negative landed cost, a cheap checkout, and stock raised for everyone).
        var payload = await AddAsync(Line(0, _f.Catalog.SemaEast, int.MaxValue), Line(0, _f.Catalog.SemaEast, int.MaxValue));

        Assert.Equal(["QUANTITY_LIMIT", "QUANTITY_LIMIT"], payload.UserErrorCodes());
        Assert.Equal(["lines.0.quantity", "lines.1.quantity"], payload.UserErrorFields());
        Assert.Equal(JsonValueKind.Null, payload.GetProperty("cart").ValueKind);
        var after = await CartAsync();
        Assert.Equal(before.GetProperty("version").GetInt32(), after.GetProperty("version").GetInt32());
        Assert.Equal(0, after.GetProperty("lineCount").GetInt32());
        Assert.Equal(stock, await StockAsync(_f.Catalog.SemaEast));
    }

    [ProviderFact]
    public async Task Inputs_that_merge_past_the_limit_in_one_call_or_into_a_cart_line_are_refused_at_the_input_that_would_cross_it()
    {
        // Semaglutide at East allows 4 per line: 3 + 3 in one call crosses it at the second input.
        var inOneCall = await AddAsync(Line(0, _f.Catalog.SemaEast, 3), Line(0, _f.Catalog.SemaEast, 3));
        Assert.Equal(["QUANTITY_LIMIT"], inOneCall.UserErrorCodes());
        Assert.Equal(["lines.1.quantity"], inOneCall.UserErrorFields());
        Assert.Equal(0, (await CartAsync()).GetProperty("lineCount").GetInt32());

        // 3, then 2 more for the same line: the merge into the cart's line is refused, and the line keeps its 3.
        Assert.Empty((await AddAsync(Line(0, _f.Catalog.SemaEast, 3))).UserErrorCodes());
        var version = (await CartAsync()).GetProperty("version").GetInt32();
        var merge = await AddAsync(Line(1, _f.Catalog.SemaEast, 1), Line(0, _f.Catalog.SemaEast, 2));
        Assert.Equal(["QUANTITY_LIMIT"], merge.UserErrorCodes());
        Assert.Equal(["lines.1.quantity"], merge.UserErrorFields());
        var cart = await CartAsync();
        Assert.Equal(version, cart.GetProperty("version").GetInt32());
        Assert.Equal(3, cart.At("lines.nodes.0.quantity").GetInt32());
        Assert.Equal(1, cart.GetProperty("lineCount").GetInt32());

        // Up to the limit exactly is fine.
        var toTheLimit = await AddAsync(Line(0, _f.Catalog.SemaEast, 1));
        Assert.Empty(toTheLimit.UserErrorCodes());
        Assert.Equal(4, toTheLimit.At("cart.lines.nodes.0.quantity").GetInt32());
    }

    [ProviderFact]
    public async Task A_changed_quantity_and_a_move_to_an_offering_with_a_lower_limit_obey_the_limit()
    {
        var cart = (await AddAsync(Line(0, _f.Catalog.SemaEast, 3))).GetProperty("cart");
        var cartId = cart.GetProperty("id").GetString();
        var lineId = cart.At("lines.nodes.0.id").GetString();
        await SetMaxQuantityAsync(_f.Catalog.SemaWest, 2);

        var tooMany = (await C.DataAsync(CartData.Update, new { cartId, lines = new[] { new { lineId, quantity = (int?)5 } } })).GetProperty("cartLinesUpdate");
        var move = (await C.DataAsync(CartData.Update, new { cartId, lines = new[] { new { lineId, offeringId = _f.Catalog.SemaWest } } })).GetProperty("cartLinesUpdate");
        var moveAndFit = (await C.DataAsync(CartData.Update, new { cartId, lines = new[] { new { lineId, offeringId = _f.Catalog.SemaWest, quantity = 2 } } })).GetProperty("cartLinesUpdate");

        Assert.Equal(["QUANTITY_LIMIT"], tooMany.UserErrorCodes());
        Assert.Equal(["lines.0.quantity"], tooMany.UserErrorFields());
        Assert.Equal(["QUANTITY_LIMIT"], move.UserErrorCodes());
        Assert.Equal(["lines.0.offeringId"], move.UserErrorFields());
        Assert.Empty(moveAndFit.UserErrorCodes());
        Assert.Equal("West Compounding", moveAndFit.At("cart.lines.nodes.0.pharmacy.name").GetString());
        Assert.Equal(2, moveAndFit.At("cart.lines.nodes.0.quantity").GetInt32());
    }

    [ProviderFact]
    public async Task A_line_left_over_the_limit_by_a_catalog_change_is_a_validation_error_and_cannot_be_checked_out()
    {
        var cart = (await AddAsync(Line(0, _f.Catalog.SemaEast, 4))).GetProperty("cart");
        var cartId = cart.GetProperty("id").GetString();
        await SetMaxQuantityAsync(_f.Catalog.SemaEast, 2);

        // Editing something else is still possible; the quantity is reported, not silently changed.
        var sig = (await C.DataAsync(CartData.Update, new { cartId, lines = new[] { new { lineId = cart.At("lines.nodes.0.id").GetString(), sig = "Inject 0.5 mg subcutaneously once weekly" } } })).GetProperty("cartLinesUpdate");
        Assert.Empty(sig.UserErrorCodes());
        var validated = (await C.DataAsync(CartData.Validate, new { cartId })).At("cartValidate.cart");
        Assert.Equal(["QUANTITY_LIMIT"], validated.At("lines.nodes.0.issues").EnumerateArray().Where(i => i.GetProperty("severity").GetString() == "ERROR").Select(i => i.GetProperty("code").GetString()));

        var checkout = (await C.DataAsync(CheckoutTests.Checkout, new { input = new { cartId, expectedVersion = validated.GetProperty("version").GetInt32(), paymentMethodId = "pm_card_visa", idempotencyKey = "over-limit" } })).GetProperty("cartCheckout");
        Assert.Equal(["CART_HAS_ERRORS"], checkout.UserErrorCodes());
        Assert.Equal(JsonValueKind.Null, checkout.GetProperty("order").ValueKind);
    }

    [ProviderFact]
    public async Task Resubmitting_or_reordering_past_the_limit_is_refused_at_the_input()
    {
        var order = await CheckOutAsync(Line(0, _f.Catalog.SemaEast, 3), Line(1, _f.Catalog.SemaEast, 1));
        var first = order.At("lines.nodes.0.id").GetString()!;
        GlobalId.TryDecode(first, "OrderLine", out var firstKey);
        await App.Services.GetRequiredService<OrderLineDecisions>().RejectAsync(firstKey, "SIG_CLARIFICATION", "Unclear.", true, default);

        var resubmit = (await C.DataAsync("mutation($id: ID!, $changes: CartLineUpdateInput) { orderLineResubmit(lineId: $id, changes: $changes) { userErrors { code field } } }", new { id = first, changes = new { quantity = 5 } })).GetProperty("orderLineResubmit");
        Assert.Equal(["QUANTITY_LIMIT"], resubmit.UserErrorCodes());
        Assert.Equal(["changes.quantity"], resubmit.UserErrorFields());

        // The clinic's new cart already holds 3 for patient 0; reordering that patient's 3 again would make 6.
        Assert.Empty((await AddAsync(Line(0, _f.Catalog.SemaEast, 3))).UserErrorCodes());
        var reorder = (await C.DataAsync("mutation($ids: [ID!]!) { orderLinesReorder(lineIds: $ids) { userErrors { code field } } }", new { ids = new[] { order.At("lines.nodes.1.id").GetString(), first } })).GetProperty("orderLinesReorder");
        Assert.Equal(["QUANTITY_LIMIT"], reorder.UserErrorCodes());
        Assert.Equal(["lineIds.1.quantity"], reorder.UserErrorFields());
        Assert.Equal(1, (await CartAsync()).GetProperty("lineCount").GetInt32());
    }

    [ProviderFact]
    public async Task Checkout_refuses_an_order_with_a_line_of_no_value_and_creates_nothing()
    {
        // A free product from a pharmacy that ships for free: the line would cost nothing.
        string free;
        await using (var db = App.Database.CreatePlatformContext())
        {
            var pharmacy = new Pharmacy("Free Compounding", 3, 0, ["TX"]);
            var product = new Product("Saline", "0.9%", "10 mL vial", null);
            var offering = new Offering(product, pharmacy, 0, 100, 5);
            db.AddRange(pharmacy, product, offering);
            await db.SaveChangesAsync();
            free = GlobalId.Encode("Offering", offering.Id);
        }

        var cart = (await AddAsync(Line(0, _f.Catalog.SemaEast, 1), Line(1, free, 1))).GetProperty("cart");
        var cartId = cart.GetProperty("id").GetString();
        var version = (await C.DataAsync(CartData.Validate, new { cartId })).At("cartValidate.cart.version").GetInt32();
        var stock = await StockAsync(_f.Catalog.SemaEast);

        var checkout = (await C.DataAsync(CheckoutTests.Checkout, new { input = new { cartId, expectedVersion = version, paymentMethodId = "pm_card_visa", idempotencyKey = "free" } })).GetProperty("cartCheckout");

        Assert.Equal(["INVALID_VALUE"], checkout.UserErrorCodes());
        Assert.Equal([cart.At("lines.nodes.1.id").GetString()], checkout.At("userErrors.0.lineIds").EnumerateArray().Select(x => x.GetString()));
        Assert.Equal(JsonValueKind.Null, checkout.GetProperty("order").ValueKind);
        Assert.Equal("OPEN", checkout.At("cart.status").GetString());
        Assert.Equal(stock, await StockAsync(_f.Catalog.SemaEast));
        await using (var db = App.Database.CreatePlatformContext())
        {
            Assert.Equal(0, await db.Orders.IgnoreQueryFilters().CountAsync());
        }
    }

    private async Task<JsonElement> CheckOutAsync(params object[] lines)
    {
        var cartId = (await AddAsync(lines)).At("cart.id").GetString();
        var version = (await C.DataAsync(CartData.Validate, new { cartId })).At("cartValidate.cart.version").GetInt32();
        var payload = (await C.DataAsync(CheckoutTests.Checkout, new { input = new { cartId, expectedVersion = version, paymentMethodId = "pm_card_visa", idempotencyKey = Guid.NewGuid().ToString("N") } })).GetProperty("cartCheckout");
        Assert.Empty(payload.UserErrorCodes());
        return payload.GetProperty("order");
    }

    private async Task SetMaxQuantityAsync(string offering, int max)
    {
        GlobalId.TryDecode(offering, "Offering", out var id);
        await using var db = App.Database.CreatePlatformContext();
        await db.Offerings.Where(o => o.Id == id).ExecuteUpdateAsync(s => s.SetProperty(o => o.MaxQuantity, max));
    }

    private async Task<int> StockAsync(string offering)
    {
        GlobalId.TryDecode(offering, "Offering", out var id);
        await using var db = App.Database.CreatePlatformContext();
        return (await db.Offerings.AsNoTracking().SingleAsync(o => o.Id == id)).Stock;
    }
}

public sealed class QuantityLimitTestsOnSqlite() : QuantityLimitTests(DatabaseProvider.Sqlite, null);

[Collection(PostgresCollection.Name)]
public sealed class QuantityLimitTestsOnPostgres(PostgresServer postgres) : QuantityLimitTests(DatabaseProvider.Postgres, postgres);
