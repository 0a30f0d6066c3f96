using System.Text.Json;
using Headless.Carts;
using Headless.Data;
using Headless.Fulfillment;
using Headless.GraphQL;
using Headless.Orders;
using Headless.Orders.Lifecycle;
using Headless.Outbox;
using Headless.Payments;
using Headless.Shared;
using Headless.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace Headless.Tests.Checkout;

/// <summary>
/// Reliability checklist item 28, "database restart mid-checkout", for every N: the database fails the Nth command
/// of a checkout (a plain DbException, not contention, so no retry inside the service hides it), then the client
/// retries the same checkout with the same idempotency key. Whatever N, the retry ends with exactly one order for the
/// key, one authorization at the gateway, every line SUBMITTED and AUTHORIZED, the cart CHECKED_OUT and a new open
/// cart, one partner order per pharmacy with one submission each, and stock reduced exactly by the order.
/// N runs over every command a clean checkout sends, with the failure before the command; and again, for every commit
/// and every write outside a transaction, with the failure after it (the work is done, the acknowledgement is lost):
/// see <see cref="NthCommandFault.Points"/>.
/// </summary>
public abstract class CheckoutFaultTests(DatabaseProvider provider, PostgresServer? postgres, ITestOutputHelper output) : ProviderTest(provider, postgres)
{
    private const string Checkout = """
        mutation($input: CartCheckoutInput!) { cartCheckout(input: $input) { order { id status paymentStatus } cart { id } userErrors { code field } } }
        """;

    private readonly NthCommandFault _fault = new();
    private readonly RecordingGateway _gateway = new();
    private CartFixture _f = null!;
    private int _patients;

    protected override void ConfigureServices(IServiceCollection services)
    {
        _fault.AddTo(services);
        _gateway.AddTo(services);
    }

    protected override async Task InitializeAppAsync() => _f = await CartData.CreateAsync(App, 0, "Fault Org");

    [ProviderFact]
    public async Task A_checkout_that_the_database_fails_at_any_command_is_finished_by_its_retry_exactly_once()
    {
        // A clean checkout of the same shape gives the commands to fail.
        var clean = await CartAsync();
        IReadOnlyList<(CommandKind Kind, string Text)> commands;
        using (var plan = _fault.Count())
        {
            var payload = await CheckoutAsync(clean.CartId, clean.Version, "fault-measure");
            Assert.Equal("SUBMITTED", payload.At("order.status").GetString());
            commands = plan.Commands;
        }

        var problems = new List<string>();
        problems.AddRange(await InvariantsAsync(clean, "fault-measure", "clean checkout"));
        var runs = NthCommandFault.Points(commands);
        var struck = 0;
        foreach (var (n, timing) in runs)
        {
            var cart = await CartAsync();
            var key = $"fault-{timing}-{n}";
            string? hit;
            GraphQLResponse first;
            using (var plan = _fault.Arm(n, timing))
            {
                first = await C.PostAsync(Checkout, new { input = Input(cart.CartId, cart.Version, key) });
                hit = plan.Struck;
            }

            if (hit is null)
            {
                problems.Add($"{timing} {n}: the checkout sent fewer commands than the clean one ({commands.Count}); the fault never struck.");
            }
            else
            {
                struck++;
            }

            // The crashed request's authorization lease lapses; the client retries with the same key.
            App.Clock.Advance(TimeSpan.FromMinutes(1));
            var retry = await C.PostAsync(Checkout, new { input = Input(cart.CartId, cart.Version, key) });
            var label = $"{timing} {hit ?? n.ToString(System.Globalization.CultureInfo.InvariantCulture)}";
            if (retry.HasErrors || retry.Data.At("cartCheckout.userErrors").GetArrayLength() > 0 || retry.Data.At("cartCheckout.order.status").GetString() != "SUBMITTED")
            {
                problems.Add($"{label}: the retry did not finish the checkout: {retry.Raw}\n  first answer: {first.Raw}");
                continue;
            }

            problems.AddRange(await InvariantsAsync(cart, key, label));
        }

        output.WriteLine($"{Provider}: {commands.Count} commands per checkout ({commands.Count(c => c.Kind is CommandKind.Write or CommandKind.TransactionWrite)} writes, {commands.Count(c => c.Kind == CommandKind.Write)} outside a transaction, {commands.Count(c => c.Kind == CommandKind.Commit)} commits); {runs.Count} faulted checkouts, {struck} struck.");
        Assert.True(problems.Count == 0, string.Join("\n", problems));
        Assert.Equal(runs.Count, struck);
    }

    private DatabaseProvider Provider => App.Provider;

    private GraphQLClient C => _f.Tenant.Client;

    private sealed record FaultCart(string CartId, long CartKey, int Version, long ClinicKey, IReadOnlyDictionary<long, int> Demand, IReadOnlyDictionary<long, int> StockBefore, int IntentsBefore);

    private static object Input(string cartId, int version, string key) => new { cartId, expectedVersion = version, paymentMethodId = "pm_card_visa", idempotencyKey = key };

    private async Task<JsonElement> CheckoutAsync(string cartId, int version, string key) =>
        (await C.DataAsync(Checkout, new { input = Input(cartId, version, key) })).GetProperty("cartCheckout");

    /// <summary>Three lines for new patients (an earlier fill would be a duplicate), at two pharmacies, validated.</summary>
    private async Task<FaultCart> CartAsync()
    {
        var patients = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            patients.Add(await TestData.CreateAsync(C, TestData.PatientCreate, "patientCreate", TestData.Patient($"Fault{_patients}", "Doe", $"F-{_patients++}")));
        }

        var lines = new[]
        {
            CartData.GoodLine(patients[0], _f.Prescriber, _f.Catalog.SemaEast, 2),
            CartData.GoodLine(patients[1], _f.Prescriber, _f.Catalog.SemaEast),
            CartData.GoodLine(patients[2], _f.Prescriber, _f.Catalog.SemaWest),
        };
        var cartId = (await C.DataAsync(CartData.Add, new { clinicId = _f.ClinicId, lines })).At("cartLinesAdd.cart.id").GetString()!;
        var cart = (await C.DataAsync(CartData.Validate, new { cartId })).At("cartValidate.cart");
        Assert.True(cart.GetProperty("checkoutReady").GetBoolean(), cart.GetRawText());
        GlobalId.TryDecode(cartId, "Cart", out var cartKey);
        GlobalId.TryDecode(_f.ClinicId, "Clinic", out var clinicKey);
        GlobalId.TryDecode(_f.Catalog.SemaEast, "Offering", out var east);
        GlobalId.TryDecode(_f.Catalog.SemaWest, "Offering", out var west);
        var demand = new Dictionary<long, int> { [east] = 3, [west] = 1 };
        return new FaultCart(cartId, cartKey, cart.GetProperty("version").GetInt32(), clinicKey, demand, await StockAsync(demand.Keys), App.Services.GetRequiredService<SandboxPaymentGateway>().IntentCount);
    }

    private async Task<Dictionary<long, int>> StockAsync(IEnumerable<long> offerings)
    {
        await using var db = App.Database.CreatePlatformContext();
        var ids = offerings.ToList();
        return await db.Offerings.AsNoTracking().Where(o => ids.Contains(o.Id)).ToDictionaryAsync(o => o.Id, o => o.Stock);
    }

    /// <summary>What must hold once the checkout of <paramref name="cart"/> under <paramref name="key"/> is done, as problems.</summary>
    private async Task<List<string>> InvariantsAsync(FaultCart cart, string key, string label)
    {
        var problems = new List<string>();
        void Check(bool ok, string what)
        {
            if (!ok)
            {
                problems.Add($"{label}: {what}");
            }
        }

        await using var db = App.Database.CreatePlatformContext();
        var org = _f.Tenant.OrganizationId;
        var orders = await db.Orders.IgnoreQueryFilters().AsNoTracking().Include(o => o.Lines).Where(o => o.OrganizationId == org && (o.IdempotencyKey == key || o.CartId == cart.CartKey)).ToListAsync();
        Check(orders.Count == 1, $"{orders.Count} orders for the key or the cart");
        if (orders.Count != 1)
        {
            return problems;
        }

        var order = orders[0];
        Check(order.Status == OrderStatus.Submitted && order.PaymentStatus == PaymentStatus.Authorized, $"order is {order.Status.ToWire()}/{order.PaymentStatus.ToWire()}");
        Check(_gateway.Keys("authorize", PaymentSettlement.AuthorizeKey(order.Id)).Count == 1, "not exactly one authorization key at the gateway");
        Check(App.Services.GetRequiredService<SandboxPaymentGateway>().IntentCount == cart.IntentsBefore + 1, "not exactly one new PaymentIntent");
        Check(order.Lines.Count == 3, $"{order.Lines.Count} order lines");
        Check(order.Lines.All(l => l.Status == OrderLineStatus.Submitted && l.PaymentStatus == LinePaymentStatus.Authorized), "a line is not SUBMITTED/AUTHORIZED: " + string.Join(", ", order.Lines.Select(l => $"{l.Status.ToWire()}/{l.PaymentStatus.ToWire()}")));
        Check(order.Total == order.Lines.Sum(l => l.Amount), "the total is not the sum of the lines");

        var carts = await db.Carts.IgnoreQueryFilters().AsNoTracking().Where(c => c.ClinicId == cart.ClinicKey && (c.Id == cart.CartKey || c.OpenClinicId != null)).ToListAsync();
        Check(carts.SingleOrDefault(c => c.Id == cart.CartKey)?.Status == CartStatus.CheckedOut, "the cart is not CHECKED_OUT");
        var open = carts.Where(c => c.OpenClinicId == cart.ClinicKey).ToList();
        Check(open.Count == 1 && open[0].Id != cart.CartKey && open[0].Status == CartStatus.Open, "the clinic has no new open cart");
        if (open.Count == 1)
        {
            Check(!await db.CartLines.IgnoreQueryFilters().AnyAsync(l => l.CartId == open[0].Id), "the new open cart is not empty");
        }

        var partnerOrders = await db.PartnerOrders.IgnoreQueryFilters().AsNoTracking().Where(p => p.OrderId == order.Id).ToListAsync();
        Check(partnerOrders.Count == 2 && partnerOrders.Select(p => p.PharmacyId).Distinct().Count() == 2, $"{partnerOrders.Count} partner orders");
        var keys = partnerOrders.Select(p => PartnerRouting.SubmitKey(p.Id)).ToList();
        var submissions = await db.OutboxMessages.AsNoTracking().Where(m => keys.Contains(m.Key)).CountAsync();
        Check(submissions == partnerOrders.Count, $"{submissions} submissions queued for {partnerOrders.Count} partner orders");
        Check(order.Lines.All(l => l.PartnerOrderId is { } p && partnerOrders.Any(x => x.Id == p)), "a line is not on a partner order");
        var lineIds = order.Lines.Select(l => l.Id).ToList();
        var routed = await db.OrderLineEvents.IgnoreQueryFilters().AsNoTracking().Where(e => lineIds.Contains(e.OrderLineId) && e.ToStatus == OrderLineStatus.Submitted).CountAsync();
        Check(routed == 3, $"{routed} SUBMITTED events for 3 lines");

        var stock = await StockAsync(cart.Demand.Keys);
        foreach (var (offering, units) in cart.Demand)
        {
            Check(cart.StockBefore[offering] - stock[offering] == units, $"offering {offering}: stock moved by {cart.StockBefore[offering] - stock[offering]}, the order holds {units}");
        }

        return problems;
    }
}

public sealed class CheckoutFaultTestsOnSqlite(ITestOutputHelper output) : CheckoutFaultTests(DatabaseProvider.Sqlite, null, output);

[Collection(PostgresCollection.Name)]
public sealed class CheckoutFaultTestsOnPostgres(PostgresServer postgres, ITestOutputHelper output) : CheckoutFaultTests(DatabaseProvider.Postgres, postgres, output);
