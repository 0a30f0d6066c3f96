using System.Net;
using System.Text.Json;
using CsCheck;
using Headless.Data;
using Headless.GraphQL;
using Headless.Orders;
using Headless.Orders.Lifecycle;
using Headless.Payments;
using Headless.Shared;
using Headless.Tests.Checkout;
using Headless.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace Headless.Tests.Carts;

/// <summary>
/// Random sequences of cart edits (add, merging add, update, remove), checkouts, pharmacy rejections, resubmissions
/// and reorders, with extreme quantities (0, negative, the limit and one past it, int.MaxValue, int.MinValue), all
/// through the GraphQL front door. After every step the money and quantity invariants must hold:
/// <list type="bullet">
/// <item>every request answers data, never a top-level error; a refused edit changes nothing (same version, same lines);</item>
/// <item>every line's quantity is empty or 1..its offering's maximum; line total = unit price × quantity; landed cost =
/// line total + shipping share, all non-negative; the cart totals are the sums of its lines;</item>
/// <item>an order's total is the sum of its lines' amounts, every line orders at least one unit for a positive amount,
/// and the gateway authorized exactly the total;</item>
/// <item>stock moves only by checkout (reserved) and by rejection or a declined payment (released): cart edits never move it.</item>
/// </list>
/// </summary>
public abstract class CartMoneyPropertyTests(DatabaseProvider provider, PostgresServer? postgres, ITestOutputHelper output) : ProviderTest(provider, postgres)
{
    private const string LineFields = "id quantity offering { id maxQuantity } unitPrice { amount } lineTotal { amount } shippingShare { amount } landedCost { amount }";

    private static readonly string Read = $$"""
        query($clinicId: ID!) { cart(clinicId: $clinicId) { id version status totals { subtotal { amount } shipping { amount } total { amount } }
          lines(first: 100) { totalCount nodes { {{LineFields}} } } } }
        """;

    private static readonly string Add = """
        mutation($clinicId: ID!, $lines: [CartLineInput!]!) { cartLinesAdd(clinicId: $clinicId, lines: $lines) { userErrors { code field } } }
        """;

    private static readonly string Update = """
        mutation($cartId: ID!, $lines: [CartLineUpdateInput!]!) { cartLinesUpdate(cartId: $cartId, lines: $lines) { userErrors { code field } } }
        """;

    private static readonly string Remove = """
        mutation($cartId: ID!, $ids: [ID!]!) { cartLinesRemove(cartId: $cartId, lineIds: $ids) { userErrors { code field } } }
        """;

    private static readonly string Resubmit = """
        mutation($lineId: ID!, $changes: CartLineUpdateInput) { orderLineResubmit(lineId: $lineId, changes: $changes) { userErrors { code field } } }
        """;

    private static readonly string Reorder = """
        mutation($ids: [ID!]!) { orderLinesReorder(lineIds: $ids) { userErrors { code field } } }
        """;

    private static readonly Gen<int?> Quantity = Gen.Frequency(
        (2, Gen.Const(default(int?))),
        (6, Gen.Int[1, 3].Select(q => (int?)q)),
        (2, Gen.OneOf<int?>(0, -1, 4, 5)),
        (2, Gen.OneOf<int?>(int.MaxValue, int.MinValue, int.MaxValue / 2 + 1, 1_000_000)));

    private static readonly Gen<Op> Step = Gen.Frequency(
        (5, Gen.Select(Gen.Int[0, 5], Gen.Int[0, 3], Quantity, Gen.Bool, (p, o, q, twice) => (Op)new AddOp(p, o, q, twice))),
        (3, Gen.Select(Gen.Int[0, 9], Quantity, Gen.Int[-1, 3], (l, q, o) => (Op)new UpdateOp(l, q, o < 0 ? null : o))),
        (1, Gen.Int[0, 9].Select(l => (Op)new RemoveOp(l))),
        (2, Gen.Bool.Select(decline => (Op)new CheckoutOp(decline))),
        (1, Gen.Select(Gen.Int[0, 9], Quantity, (l, q) => (Op)new RejectAndResubmitOp(l, q))),
        (1, Gen.Const((Op)new ReorderOp())));

    private CartFixture _f = null!;
    private string[] _offerings = [];
    private Dictionary<string, int> _initialStock = [];
    private readonly Dictionary<string, int> _reserved = [];
    private int _samples;

    protected override async Task InitializeAppAsync()
    {
        _f = await CartData.CreateAsync(App, 6);
        var c = _f.Catalog;

        // Two offerings of one product (so a line can move between them), two limits (4 and 2), four pharmacies' fees.
        _offerings = [c.SemaEast, c.SemaWest, c.TestoEast, c.OxytocinEast];
        _initialStock = await StockAsync();
    }

    [ProviderFact]
    public async Task Random_cart_sequences_with_extreme_quantities_keep_every_money_and_quantity_invariant()
    {
        await Step.Array[1, 8].SampleAsync(RunAsync, writeLine: output.WriteLine, iter: App.Provider == DatabaseProvider.Sqlite ? 40 : 15, threads: 1, print: ops => string.Join(", ", ops.Select(o => o.ToString())));
    }

    private async Task RunAsync(Op[] ops)
    {
        // Each sample gets a clinic of its own, so its cart starts empty; the catalog's stock is shared and tracked.
        var clinic = await TestData.CreateAsync(_f.Tenant.Client, TestData.ClinicCreate, "clinicCreate", TestData.Clinic($"Sample {++_samples}"));
        var orders = new List<JsonElement>();
        foreach (var op in ops)
        {
            var before = await ReadCartAsync(clinic);
            var lines = before.At("lines.nodes").EnumerateArray().ToList();
            var refused = op switch
            {
                AddOp a => await MutateAsync(Add, "cartLinesAdd", new { clinicId = clinic, lines = Enumerable.Repeat(AddInput(a), a.Twice ? 2 : 1).ToArray() }),
                UpdateOp u when lines.Count > 0 => await MutateAsync(Update, "cartLinesUpdate", new { cartId = Id(before), lines = new[] { UpdateInput(u, lines[u.Line % lines.Count]) } }),
                RemoveOp r when lines.Count > 0 => await MutateAsync(Remove, "cartLinesRemove", new { cartId = Id(before), ids = new[] { Id(lines[r.Line % lines.Count]) } }),
                CheckoutOp co => await CheckoutAsync(before, co.Decline, orders),
                RejectAndResubmitOp rr when orders.Count > 0 => await RejectAndResubmitAsync(orders[^1], rr),
                ReorderOp when orders.Count > 0 => await MutateAsync(Reorder, "orderLinesReorder", new { ids = orders[^1].At("lines.nodes").EnumerateArray().Select(Id).ToArray() }),
                _ => (bool?)null,
            };

            var after = await ReadCartAsync(clinic);
            AssertCartAddsUp(after, op);
            if (refused == true && after.GetProperty("id").GetString() == before.GetProperty("id").GetString())
            {
                // A refused request changed nothing at all.
                Assert.Equal(before.GetProperty("version").GetInt32(), after.GetProperty("version").GetInt32());
                Assert.Equal(before.GetProperty("lines").GetRawText(), after.GetProperty("lines").GetRawText());
            }

            await AssertStockAsync(op);
        }
    }

    private object AddInput(AddOp a) =>
        new { patientId = _f.Patients[a.Patient], offeringId = _offerings[a.Offering], quantity = a.Quantity, sig = CartData.GoodSig, daysSupply = 28, prescriberId = _f.Prescriber };

    private object UpdateInput(UpdateOp u, JsonElement line) =>
        u.Offering is { } o && o < 2
            ? new { lineId = Id(line), quantity = u.Quantity, offeringId = (string?)_offerings[o] }
            : new { lineId = Id(line), quantity = u.Quantity, offeringId = (string?)null };

    /// <summary>Sends a mutation; true when it was refused with userErrors. Never a top-level error.</summary>
    private async Task<bool> MutateAsync(string document, string field, object variables)
    {
        var response = await _f.Tenant.Client.PostAsync(document, variables);
        Assert.True(response.Status == HttpStatusCode.OK && !response.HasErrors, $"{field} answered {(int)response.Status}: {response.Raw}");
        var errors = response.Data.GetProperty(field).UserErrorCodes();
        Assert.DoesNotContain("BUSY_RETRY", errors);
        return errors.Count > 0;
    }

    private async Task<bool?> CheckoutAsync(JsonElement cart, bool decline, List<JsonElement> orders)
    {
        var cartId = Id(cart);
        var validated = (await _f.Tenant.Client.DataAsync(CartData.Validate, new { cartId })).At("cartValidate.cart");
        var response = await _f.Tenant.Client.PostAsync(CheckoutTests.Checkout, new
        {
            input = new { cartId, expectedVersion = validated.GetProperty("version").GetInt32(), paymentMethodId = decline ? "pm_card_chargeDeclined" : "pm_card_visa", idempotencyKey = Guid.NewGuid().ToString("N") },
        });
        Assert.True(response.Status == HttpStatusCode.OK && !response.HasErrors, $"cartCheckout answered {(int)response.Status}: {response.Raw}");
        var payload = response.Data.GetProperty("cartCheckout");
        if (payload.GetProperty("order").ValueKind != JsonValueKind.Object)
        {
            Assert.Contains(payload.UserErrorCodes().Single(), new[] { "CART_HAS_ERRORS", "CART_EMPTY" });
            return true;
        }

        var order = payload.GetProperty("order");
        var orderLines = order.At("lines.nodes").EnumerateArray().ToList();
        Assert.All(orderLines, l =>
        {
            Assert.True(l.GetProperty("quantity").GetInt32() >= 1);
            Assert.True(l.At("amount.amount").GetInt64() > 0);
        });
        Assert.Equal(orderLines.Sum(l => l.At("amount.amount").GetInt64()), order.At("total.amount").GetInt64());
        Assert.Equal(validated.At("totals.total.amount").GetInt64(), order.At("total.amount").GetInt64());
        await using (var db = App.Database.CreatePlatformContext())
        {
            GlobalId.TryDecode(order.GetProperty("id").GetString(), "Order", out var orderId);
            var row = await db.Orders.IgnoreQueryFilters().AsNoTracking().SingleAsync(o => o.Id == orderId);
            if (row.PaymentIntentId is { } intent && App.Services.GetRequiredService<SandboxPaymentGateway>().AmountsOf(intent) is { } amounts)
            {
                Assert.Equal(order.At("total.amount").GetInt64(), amounts.Authorized);
            }
        }

        if (order.GetProperty("status").GetString() == OrderStatus.Submitted.ToWire())
        {
            foreach (var l in orderLines)
            {
                var offering = await OfferingOfAsync(l);
                _reserved[offering] = _reserved.GetValueOrDefault(offering) + l.GetProperty("quantity").GetInt32();
            }

            orders.Add(order);
        }

        return false;
    }

    private async Task<bool?> RejectAndResubmitAsync(JsonElement order, RejectAndResubmitOp rr)
    {
        var lines = order.At("lines.nodes").EnumerateArray().ToList();
        var line = lines[rr.Line % lines.Count];
        GlobalId.TryDecode(Id(line), "OrderLine", out var lineId);
        await using (var db = App.Database.CreatePlatformContext())
        {
            if ((await db.OrderLines.IgnoreQueryFilters().AsNoTracking().SingleAsync(l => l.Id == lineId)).Status == OrderLineStatus.Submitted)
            {
                await App.Services.GetRequiredService<OrderLineDecisions>().RejectAsync(lineId, "SIG_CLARIFICATION", "Please clarify.", true, default);
                var offering = await OfferingOfAsync(line);
                _reserved[offering] -= line.GetProperty("quantity").GetInt32();
            }
        }

        return await MutateAsync(Resubmit, "orderLineResubmit", new { lineId = Id(line), changes = new { quantity = rr.Quantity } });
    }

    private static void AssertCartAddsUp(JsonElement cart, Op op)
    {
        var lines = cart.At("lines.nodes").EnumerateArray().ToList();
        foreach (var line in lines)
        {
            var max = line.At("offering.maxQuantity").GetInt32();
            var quantity = line.GetProperty("quantity").ValueKind == JsonValueKind.Null ? 0 : line.GetProperty("quantity").GetInt32();
            Assert.True(line.GetProperty("quantity").ValueKind == JsonValueKind.Null || (quantity >= 1 && quantity <= max), $"After {op}: quantity {quantity} outside 1..{max}.");
            var unit = line.At("unitPrice.amount").GetInt64();
            var total = line.At("lineTotal.amount").GetInt64();
            var share = line.At("shippingShare.amount").GetInt64();
            Assert.Equal(unit * quantity, total);
            Assert.True(total >= 0 && share >= 0, $"After {op}: negative money on a line.");
            Assert.Equal(total + share, line.At("landedCost.amount").GetInt64());
        }

        Assert.Equal(lines.Sum(l => l.At("lineTotal.amount").GetInt64()), cart.At("totals.subtotal.amount").GetInt64());
        Assert.Equal(lines.Sum(l => l.At("shippingShare.amount").GetInt64()), cart.At("totals.shipping.amount").GetInt64());
        Assert.Equal(lines.Sum(l => l.At("landedCost.amount").GetInt64()), cart.At("totals.total.amount").GetInt64());
    }

    private async Task AssertStockAsync(Op op)
    {
        var stock = await StockAsync();
        foreach (var (offering, initial) in _initialStock)
        {
            Assert.True(stock[offering] == initial - _reserved.GetValueOrDefault(offering), $"After {op}: stock of {offering} is {stock[offering]}, expected {initial - _reserved.GetValueOrDefault(offering)}.");
        }
    }

    private async Task<JsonElement> ReadCartAsync(string clinic) => (await _f.Tenant.Client.DataAsync(Read, new { clinicId = clinic })).GetProperty("cart");

    private async Task<string> OfferingOfAsync(JsonElement orderLine)
    {
        GlobalId.TryDecode(Id(orderLine), "OrderLine", out var id);
        await using var db = App.Database.CreatePlatformContext();
        return GlobalId.Encode("Offering", (await db.OrderLines.IgnoreQueryFilters().AsNoTracking().SingleAsync(l => l.Id == id)).OfferingId);
    }

    private async Task<Dictionary<string, int>> StockAsync()
    {
        await using var db = App.Database.CreatePlatformContext();
        return await db.Offerings.AsNoTracking().ToDictionaryAsync(o => GlobalId.Encode("Offering", o.Id), o => o.Stock);
    }

    private static string Id(JsonElement element) => element.GetProperty("id").GetString()!;

    private abstract record Op;

    private sealed record AddOp(int Patient, int Offering, int? Quantity, bool Twice) : Op;

    private sealed record UpdateOp(int Line, int? Quantity, int? Offering) : Op;

    private sealed record RemoveOp(int Line) : Op;

    private sealed record CheckoutOp(bool Decline) : Op;

    private sealed record RejectAndResubmitOp(int Line, int? Quantity) : Op;

    private sealed record ReorderOp : Op;
}

public sealed class CartMoneyPropertyTestsOnSqlite(ITestOutputHelper output) : CartMoneyPropertyTests(DatabaseProvider.Sqlite, null, output);

[Collection(PostgresCollection.Name)]
public sealed class CartMoneyPropertyTestsOnPostgres(PostgresServer postgres, ITestOutputHelper output) : CartMoneyPropertyTests(DatabaseProvider.Postgres, postgres, output);
