using System.Text.Json;
using Headless.Data;
using Headless.GraphQL;
using Headless.Orders;
using Headless.Orders.Lifecycle;
using Headless.Payments;
using Headless.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Headless.Tests.Checkout;

/// <summary>One payment for the whole cart on the sandbox gateway: orders, numbers, declines, idempotency, capture policy.</summary>
public abstract class CheckoutTests(DatabaseProvider provider, PostgresServer? postgres) : ProviderTest(provider, postgres)
{
    public const string OrderFields = """
        id number status paymentStatus paymentFailure { code message } total { amount currencyCode } capturedAmount { amount } refundedAmount { amount }
        placedAt captureDeadline clinic { id } lineCount
        lines(first: 100) { totalCount nodes { id number status paymentStatus amount { amount } capturedAmount { amount } refundedAmount { amount } quantity statusReason { code message fixable } patient { id } product { name } pharmacy { name } } }
        """;

    public static readonly string Checkout = $$"""
        mutation($input: CartCheckoutInput!) {
          cartCheckout(input: $input) {
            order { {{OrderFields}} }
            cart { id version status lineCount }
            validation { errorCount issues(first: 100) { nodes { code lineId } } }
            userErrors { code field message lineIds }
          }
        }
        """;

    public static readonly string OrderByNumber = $$"""query($n: String) { order(number: $n) { {{OrderFields}} } }""";

    private CartFixture _f = null!;

    protected override async Task InitializeAppAsync() => _f = await CartData.CreateAsync(App, 20);

    private GraphQLClient C => _f.Tenant.Client;

    /// <summary>Fills the cart with valid lines for the first <paramref name="count"/> patients and validates it.</summary>
    private async Task<(string CartId, int Version, long Total)> ValidCartAsync(int count, int skip = 0)
    {
        var lines = _f.Patients.Skip(skip).Take(count).Select((p, i) => CartData.GoodLine(p, _f.Prescriber, i % 2 == 0 ? _f.Catalog.SemaEast : _f.Catalog.TestoEast)).ToArray();
        var cartId = (await C.DataAsync(CartData.Add, new { clinicId = _f.ClinicId, lines })).At("cartLinesAdd.cart.id").GetString()!;
        var cart = (await C.DataAsync(CartData.Validate, new { cartId })).At("cartValidate.cart");
        Assert.True(cart.GetProperty("checkoutReady").GetBoolean(), cart.GetRawText());
        return (cartId, cart.GetProperty("version").GetInt32(), cart.At("totals.total.amount").GetInt64());
    }

    private async Task<JsonElement> CheckoutAsync(string cartId, int version, string key, string pm = "pm_card_visa") =>
        (await C.DataAsync(Checkout, new { input = new { cartId, expectedVersion = version, paymentMethodId = pm, idempotencyKey = key } })).GetProperty("cartCheckout");

    private async Task<int> StockAsync(string offeringGlobalId)
    {
        GlobalId.TryDecode(offeringGlobalId, "Offering", out var id);
        await using var db = App.Database.CreatePlatformContext();
        return (await db.Offerings.AsNoTracking().SingleAsync(o => o.Id == id)).Stock;
    }

    [ProviderFact]
    public async Task A_refill_day_cart_checks_out_in_one_call_with_a_number_per_line()
    {
        var (cartId, version, total) = await ValidCartAsync(20);
        var stockBefore = await StockAsync(_f.Catalog.SemaEast);

        var payload = await CheckoutAsync(cartId, version, "refill-day-1");
        var order = payload.GetProperty("order");

        Assert.Empty(payload.UserErrorCodes());
        Assert.Equal("SUBMITTED", order.GetProperty("status").GetString());
        Assert.Equal("AUTHORIZED", order.GetProperty("paymentStatus").GetString());
        Assert.Equal(total, order.At("total.amount").GetInt64());
        var number = order.GetProperty("number").GetString()!;
        Assert.Matches("^HX-1[0-9]{4,}$", number);
        var lines = order.At("lines.nodes").EnumerateArray().ToList();
        Assert.Equal(20, lines.Count);
        Assert.Equal(Enumerable.Range(1, 20).Select(i => $"{number}-{i:00}"), lines.Select(l => l.GetProperty("number").GetString()));
        Assert.All(lines, l => Assert.Equal("SUBMITTED", l.GetProperty("status").GetString()));
        Assert.Equal(total, lines.Sum(l => l.At("amount.amount").GetInt64()));
        Assert.Equal(stockBefore - 10, await StockAsync(_f.Catalog.SemaEast));

        // The clinic has a fresh, empty cart; the old one is history.
        var fresh = payload.GetProperty("cart");
        Assert.NotEqual(cartId, fresh.GetProperty("id").GetString());
        Assert.Equal(0, fresh.GetProperty("lineCount").GetInt32());
        Assert.Equal(fresh.GetProperty("id").GetString(), (await C.DataAsync(CartData.Read, new { clinicId = _f.ClinicId })).At("cart.id").GetString());
        var old = await C.DataAsync("query($id: ID!) { node(id: $id) { ... on Cart { status } } }", new { id = cartId });
        Assert.Equal("CHECKED_OUT", old.At("node.status").GetString());

        // The order reads back by number and by ID, with the same lines.
        var byNumber = (await C.DataAsync(OrderByNumber, new { n = number })).GetProperty("order");
        Assert.Equal(order.GetRawText(), byNumber.GetRawText());
        var lineNode = await C.DataAsync("query($id: ID!) { node(id: $id) { ... on OrderLine { number } } }", new { id = lines[2].GetProperty("id").GetString() });
        Assert.Equal($"{number}-03", lineNode.At("node.number").GetString());
    }

    [ProviderFact]
    public async Task A_declined_card_keeps_the_order_as_a_payment_failure_and_the_cart_as_it_was()
    {
        var (cartId, version, _) = await ValidCartAsync(4);
        var stockBefore = await StockAsync(_f.Catalog.SemaEast);

        var declined = await CheckoutAsync(cartId, version, "try-1", "pm_card_chargeDeclined");

        Assert.Equal(["PAYMENT_DECLINED"], declined.UserErrorCodes());
        Assert.Equal("PAYMENT_FAILED", declined.At("order.status").GetString());
        Assert.Equal("FAILED", declined.At("order.paymentStatus").GetString());
        Assert.Equal("card_declined", declined.At("order.paymentFailure.code").GetString());
        Assert.All(declined.At("order.lines.nodes").EnumerateArray(), l => Assert.Equal("PAYMENT_FAILED", l.GetProperty("status").GetString()));
        Assert.Equal(cartId, declined.At("cart.id").GetString());
        Assert.Equal("OPEN", declined.At("cart.status").GetString());
        Assert.Equal(4, declined.At("cart.lineCount").GetInt32());
        Assert.Equal(stockBefore, await StockAsync(_f.Catalog.SemaEast));

        // Another card, another key: the same cart goes through.
        var cart = (await C.DataAsync(CartData.Validate, new { cartId })).At("cartValidate.cart");
        var paid = await CheckoutAsync(cartId, cart.GetProperty("version").GetInt32(), "try-2");
        Assert.Empty(paid.UserErrorCodes());
        Assert.Equal("SUBMITTED", paid.At("order.status").GetString());
        Assert.NotEqual(declined.At("order.number").GetString(), paid.At("order.number").GetString());
    }

    [ProviderFact]
    public async Task Insufficient_funds_is_reported_with_its_own_code()
    {
        var (cartId, version, _) = await ValidCartAsync(1);
        var payload = await CheckoutAsync(cartId, version, "nsf", "pm_card_insufficientFunds");

        Assert.Equal("insufficient_funds", payload.At("order.paymentFailure.code").GetString());
    }

    [ProviderFact]
    public async Task A_cart_changed_since_the_clients_version_is_refused_and_nothing_is_created()
    {
        var (cartId, version, _) = await ValidCartAsync(2);
        await C.DataAsync(CartData.Add, new { clinicId = _f.ClinicId, lines = new[] { CartData.GoodLine(_f.Patients[5], _f.Prescriber, _f.Catalog.SemaEast) } });

        var payload = await CheckoutAsync(cartId, version, "stale");

        Assert.Equal(["CART_VERSION_MISMATCH"], payload.UserErrorCodes());
        Assert.Equal(JsonValueKind.Null, payload.GetProperty("order").ValueKind);
        Assert.Equal(JsonValueKind.Null, (await C.DataAsync(OrderByNumber, new { n = "HX-10001" })).GetProperty("order").ValueKind);
    }

    [ProviderFact]
    public async Task A_cart_with_errors_is_refused_with_its_issues()
    {
        var cart = (await C.DataAsync(CartData.Add, new
        {
            clinicId = _f.ClinicId,
            lines = new object[] { CartData.GoodLine(_f.Patients[0], _f.Prescriber, _f.Catalog.SemaEast), new { patientId = _f.Patients[1], offeringId = _f.Catalog.SemaEast, quantity = 1 } },
        })).At("cartLinesAdd.cart");

        var payload = await CheckoutAsync(cart.GetProperty("id").GetString()!, cart.GetProperty("version").GetInt32(), "errors");

        Assert.Equal(["CART_HAS_ERRORS"], payload.UserErrorCodes());
        Assert.Equal([cart.At("lines.nodes.1.id").GetString()], payload.At("userErrors.0.lineIds").EnumerateArray().Select(x => x.GetString()));
        Assert.Equal(3, payload.At("validation.errorCount").GetInt32());
        Assert.Equal(JsonValueKind.Null, payload.GetProperty("order").ValueKind);
        Assert.Equal("OPEN", payload.At("cart.status").GetString());
    }

    [ProviderFact]
    public async Task The_same_idempotency_key_returns_the_same_order_and_authorizes_once()
    {
        var sandbox = App.Services.GetRequiredService<SandboxPaymentGateway>();
        var before = sandbox.IntentCount;
        var (cartId, version, _) = await ValidCartAsync(3);

        var first = await CheckoutAsync(cartId, version, "same-key");
        var again = await CheckoutAsync(cartId, version, "same-key");

        Assert.Equal(first.At("order.number").GetString(), again.At("order.number").GetString());
        Assert.Equal(before + 1, sandbox.IntentCount);
        var other = await CheckoutAsync((await C.DataAsync(CartData.Read, new { clinicId = _f.ClinicId })).At("cart.id").GetString()!, 1, "same-key");
        Assert.Equal(["IDEMPOTENCY_KEY_REUSED"], other.UserErrorCodes());
    }

    [ProviderFact]
    public async Task The_same_key_sent_concurrently_yields_one_order_and_one_payment_intent()
    {
        var sandbox = App.Services.GetRequiredService<SandboxPaymentGateway>();
        var before = sandbox.IntentCount;
        var (cartId, version, _) = await ValidCartAsync(3);

        var results = await Task.WhenAll(Enumerable.Range(0, 5).Select(_ =>
            C.PostAsync(Checkout, new { input = new { cartId, expectedVersion = version, paymentMethodId = "pm_card_visa", idempotencyKey = "burst" } })));

        Assert.All(results, r => Assert.False(r.HasErrors, r.Raw));
        var numbers = results.Select(r => r.Data.At("cartCheckout.order.number").GetString()).Distinct().ToList();
        Assert.Single(numbers);
        Assert.All(results, r => Assert.Equal("SUBMITTED", r.Data.At("cartCheckout.order.status").GetString()));
        Assert.Equal(before + 1, sandbox.IntentCount);
        await using var db = App.Database.CreatePlatformContext();
        Assert.Equal(1, await db.Orders.IgnoreQueryFilters().CountAsync(o => o.OrganizationId == _f.Tenant.OrganizationId));
    }

    [ProviderFact]
    public async Task The_client_cannot_send_an_amount()
    {
        var (cartId, version, _) = await ValidCartAsync(1);
        var r = await C.PostAsync(Checkout, new { input = new { cartId, expectedVersion = version, paymentMethodId = "pm_card_visa", idempotencyKey = "k", amount = 1 } });

        Assert.Equal(System.Net.HttpStatusCode.BadRequest, r.Status);
    }

    [ProviderFact]
    public async Task A_four_line_order_with_one_rejected_line_captures_the_other_three()
    {
        var (cartId, version, _) = await ValidCartAsync(4);
        var order = (await CheckoutAsync(cartId, version, "four")).GetProperty("order");
        var lineIds = LineKeys(order);
        var decisions = App.Services.GetRequiredService<OrderLineDecisions>();

        await decisions.AcceptAsync(lineIds[0], default);
        await decisions.AcceptAsync(lineIds[1], default);
        await decisions.RejectAsync(lineIds[2], "SIG_CLARIFICATION", "The pharmacy needs clearer directions.", true, default);
        var midway = (await C.DataAsync(OrderByNumber, new { n = order.GetProperty("number").GetString() })).GetProperty("order");
        Assert.Equal("AUTHORIZED", midway.GetProperty("paymentStatus").GetString());

        await decisions.AcceptAsync(lineIds[3], default);
        var after = (await C.DataAsync(OrderByNumber, new { n = order.GetProperty("number").GetString() })).GetProperty("order");
        var lines = after.At("lines.nodes").EnumerateArray().ToList();
        var accepted = new[] { 0, 1, 3 }.Sum(i => lines[i].At("amount.amount").GetInt64());

        Assert.Equal("CAPTURED", after.GetProperty("paymentStatus").GetString());
        Assert.Equal(accepted, after.At("capturedAmount.amount").GetInt64());
        Assert.Equal(["CAPTURED", "CAPTURED", "VOIDED", "CAPTURED"], lines.Select(l => l.GetProperty("paymentStatus").GetString()));
        Assert.Equal(0L, lines[2].At("capturedAmount.amount").GetInt64());
        Assert.Equal("REJECTED", lines[2].GetProperty("status").GetString());
        Assert.Equal("SIG_CLARIFICATION", lines[2].At("statusReason.code").GetString());
        Assert.True(lines[2].At("statusReason.fixable").GetBoolean());
    }

    [ProviderFact]
    public async Task A_line_rejected_after_capture_is_refunded_for_exactly_its_amount()
    {
        var (cartId, version, _) = await ValidCartAsync(4);
        var order = (await CheckoutAsync(cartId, version, "refund")).GetProperty("order");
        var lineIds = LineKeys(order);
        var decisions = App.Services.GetRequiredService<OrderLineDecisions>();
        foreach (var id in lineIds)
        {
            await decisions.AcceptAsync(id, default);
        }

        await decisions.RejectAsync(lineIds[1], "OUT_OF_STOCK", "Ran out while compounding.", false, default);
        var after = (await C.DataAsync(OrderByNumber, new { n = order.GetProperty("number").GetString() })).GetProperty("order");
        var lines = after.At("lines.nodes").EnumerateArray().ToList();

        Assert.Equal("PARTIALLY_REFUNDED", after.GetProperty("paymentStatus").GetString());
        Assert.Equal(after.At("total.amount").GetInt64(), after.At("capturedAmount.amount").GetInt64());
        Assert.Equal(lines[1].At("amount.amount").GetInt64(), after.At("refundedAmount.amount").GetInt64());
        Assert.Equal(lines[1].At("amount.amount").GetInt64(), lines[1].At("refundedAmount.amount").GetInt64());
        Assert.Equal(["CAPTURED", "REFUNDED", "CAPTURED", "CAPTURED"], lines.Select(l => l.GetProperty("paymentStatus").GetString()));
    }

    [ProviderFact]
    public async Task At_the_deadline_what_was_accepted_is_captured_and_when_nothing_was_the_hold_is_released()
    {
        var (cartId, version, _) = await ValidCartAsync(2);
        var order = (await CheckoutAsync(cartId, version, "deadline")).GetProperty("order");
        var lineIds = LineKeys(order);
        await App.Services.GetRequiredService<OrderLineDecisions>().AcceptAsync(lineIds[0], default);

        var sweep = App.Services.GetRequiredService<CaptureSweep>();
        await sweep.SweepOnceAsync(default);
        Assert.Equal("AUTHORIZED", (await C.DataAsync(OrderByNumber, new { n = order.GetProperty("number").GetString() })).At("order.paymentStatus").GetString());

        App.Clock.Advance(TimeSpan.FromDays(5));
        await sweep.SweepOnceAsync(default);
        var after = (await C.DataAsync(OrderByNumber, new { n = order.GetProperty("number").GetString() })).GetProperty("order");
        var lines = after.At("lines.nodes").EnumerateArray().ToList();
        Assert.Equal("CAPTURED", after.GetProperty("paymentStatus").GetString());
        Assert.Equal(lines[0].At("amount.amount").GetInt64(), after.At("capturedAmount.amount").GetInt64());
        Assert.Equal("NOT_CAPTURED", lines[1].GetProperty("paymentStatus").GetString());

        // Every line rejected: nothing to charge, the authorization is released.
        var (cart2, v2, _) = await ValidCartAsync(2, skip: 2);
        var order2 = (await CheckoutAsync(cart2, v2, "all-rejected")).GetProperty("order");
        foreach (var id in LineKeys(order2))
        {
            await App.Services.GetRequiredService<OrderLineDecisions>().RejectAsync(id, "LICENSE", "Not licensed.", false, default);
        }

        Assert.Equal("CANCELED", (await C.DataAsync(OrderByNumber, new { n = order2.GetProperty("number").GetString() })).At("order.paymentStatus").GetString());
    }

    [ProviderFact]
    public async Task Earlier_order_lines_count_as_duplicate_fills_until_their_days_supply_runs_out()
    {
        var (cartId, version, _) = await ValidCartAsync(1);
        var number = (await CheckoutAsync(cartId, version, "first-fill")).At("order.number").GetString();

        var again = (await C.DataAsync(CartData.Add, new { clinicId = _f.ClinicId, lines = new[] { CartData.GoodLine(_f.Patients[0], _f.Prescriber, _f.Catalog.SemaWest) } })).At("cartLinesAdd.cart.id").GetString();
        var issues = (await C.DataAsync(CartData.Validate, new { cartId = again })).At("cartValidate.cart.lines.nodes.0.issues").EnumerateArray().ToList();
        var duplicate = Assert.Single(issues, i => i.GetProperty("code").GetString() == "DUPLICATE_FILL");
        Assert.Contains($"{number}-01", duplicate.GetProperty("message").GetString(), StringComparison.Ordinal);

        App.Clock.Advance(TimeSpan.FromDays(28));
        var later = (await C.DataAsync(CartData.Validate, new { cartId = again })).At("cartValidate.cart.lines.nodes.0.issues").EnumerateArray();
        Assert.DoesNotContain(later, i => i.GetProperty("code").GetString() == "DUPLICATE_FILL");
    }

    [ProviderFact]
    public async Task Another_organizations_order_is_invisible()
    {
        var (cartId, version, _) = await ValidCartAsync(1);
        var order = (await CheckoutAsync(cartId, version, "mine")).GetProperty("order");
        var other = await App.CreateTenantAsync("Other Org");

        var byNumber = await other.Client.DataAsync(OrderByNumber, new { n = order.GetProperty("number").GetString() });
        var byNode = await other.Client.DataAsync("query($id: ID!) { node(id: $id) { id } o: order(id: $id) { id } }", new { id = order.GetProperty("id").GetString() });
        var line = await other.Client.DataAsync("query($id: ID!) { node(id: $id) { id } }", new { id = order.At("lines.nodes.0.id").GetString() });

        Assert.Equal(JsonValueKind.Null, byNumber.GetProperty("order").ValueKind);
        Assert.Equal(JsonValueKind.Null, byNode.GetProperty("node").ValueKind);
        Assert.Equal(JsonValueKind.Null, byNode.GetProperty("o").ValueKind);
        Assert.Equal(JsonValueKind.Null, line.GetProperty("node").ValueKind);
    }

    private static List<long> LineKeys(JsonElement order) =>
        order.At("lines.nodes").EnumerateArray().Select(l => GlobalId.TryDecode(l.GetProperty("id").GetString(), "OrderLine", out var id) ? id : throw new InvalidOperationException()).ToList();
}

public sealed class CheckoutTestsOnSqlite() : CheckoutTests(DatabaseProvider.Sqlite, null);

[Collection(PostgresCollection.Name)]
public sealed class CheckoutTestsOnPostgres(PostgresServer postgres) : CheckoutTests(DatabaseProvider.Postgres, postgres);
