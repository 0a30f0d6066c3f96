using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Headless.Catalog;
using Headless.Fulfillment;
using Headless.GraphQL;
using Headless.Outbox;
using Headless.Tests.Checkout;
using Headless.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using PartnerPharmacy;

namespace Headless.Tests.Fulfillment;

/// <summary>
/// The whole route through real HTTP: checkout, the outbox submits one partner order per pharmacy to the
/// partner pharmacy simulator (OAuth client credentials, idempotency keys), the simulator moves each line
/// and calls back with signed events, and every line ends with its own status, reason and tracking.
/// The simulator and the service share one fake clock, so each lifecycle step happens when the test says.
/// </summary>
public sealed class RefillDayEndToEndTests
{
    private static readonly TimeSpan Step = TimeSpan.FromSeconds(5);

    private const string OrderQuery = """
        query($n: String) { order(number: $n) { number paymentStatus capturedAmount { amount } total { amount }
          lines(first: 100) { nodes { number status owner statusReason { code fixable } tracking { carrier number url } amount { amount } paymentStatus pharmacy { name } } } } }
        """;

    private const string Events = """
        query { events(first: 100) { nodes { type orderId subject { type number } sequence payload } } }
        """;

    [Fact]
    public async Task A_four_patient_order_to_two_pharmacies_ships_three_lines_and_rejects_one()
    {
        await using var app = HeadlessApp.Sqlite(new Dictionary<string, string?> { ["Headless:Outbox:Enabled"] = "false", ["Headless:Partners:CallbackBaseUrl"] = "http://localhost" });
        var f = await CartData.CreateAsync(app, 4);
        await using var pharmacy = await StartSimulatorAsync(app, port: 0, outOfStock: ["NAD+"]);
        await ConnectPharmaciesAsync(app, SimulatorHost.GetBaseAddress(pharmacy));

        var number = await CheckOutAsync(f,
            CartData.GoodLine(f.Patients[0], f.Prescriber, f.Catalog.SemaEast),
            CartData.GoodLine(f.Patients[1], f.Prescriber, f.Catalog.TestoEast),
            CartData.GoodLine(f.Patients[2], f.Prescriber, f.Catalog.SemaWest),
            CartData.GoodLine(f.Patients[3], f.Prescriber, f.Catalog.NadWest));

        var processor = app.Services.GetRequiredService<OutboxProcessor>();
        Assert.Equal(2, await processor.DrainOnceAsync("test-worker", default));

        // received, compounding, shipped, delivered: one step each.
        for (var step = 0; step < 5; step++)
        {
            app.Clock.Advance(Step);
            await Task.Delay(200);
        }

        var order = await WaitForAsync(app, f, number, o => o.At("lines.nodes").EnumerateArray().Count(l => l.GetProperty("status").GetString() is "DELIVERED" or "REJECTED") == 4);
        var lines = order.At("lines.nodes").EnumerateArray().ToList();
        Assert.Equal(["DELIVERED", "DELIVERED", "DELIVERED", "REJECTED"], lines.Select(l => l.GetProperty("status").GetString()));
        Assert.All(lines.Take(3), l =>
        {
            Assert.Equal("UPS", l.At("tracking.carrier").GetString());
            Assert.False(string.IsNullOrEmpty(l.At("tracking.number").GetString()));
            Assert.Equal("NONE", l.GetProperty("owner").GetString());
        });
        Assert.Equal("OUT_OF_STOCK", lines[3].At("statusReason.code").GetString());
        Assert.False(lines[3].At("statusReason.fixable").GetBoolean());

        // One client-credentials token per pharmacy, reused for every call to it.
        Assert.Equal(2, app.Services.GetRequiredService<PartnerTokenCache>().Requests);

        // The one payment: captured once for the three lines the pharmacies accepted.
        Assert.Equal("CAPTURED", order.GetProperty("paymentStatus").GetString());
        Assert.Equal(lines.Take(3).Sum(l => l.At("amount.amount").GetInt64()), order.At("capturedAmount.amount").GetInt64());
        Assert.Equal("VOIDED", lines[3].GetProperty("paymentStatus").GetString());

        // The event log has the whole day, in order: the order, its payment, and every step of every line.
        var events = (await f.Tenant.Client.DataAsync(Events)).At("events.nodes").EnumerateArray().Where(e => e.GetProperty("orderId").ValueKind == JsonValueKind.String).ToList();
        Assert.Equal(["order.created", "order.payment_authorized"], events.Take(2).Select(e => e.GetProperty("type").GetString()));
        Assert.Single(events, e => e.GetProperty("type").GetString() == "order.payment_captured");
        var captured = events.FindIndex(e => e.GetProperty("type").GetString() == "order.payment_captured");
        foreach (var line in lines)
        {
            var steps = events.Where(e => e.GetProperty("type").GetString() == "order_line.status_changed" && e.At("subject.number").GetString() == line.GetProperty("number").GetString()).ToList();
            var path = steps.Select(e => e.At("payload.to").GetString()).ToList();
            var expected = line.GetProperty("status").GetString() == "DELIVERED"
                ? new[] { "SUBMITTED", "RECEIVED", "COMPOUNDING", "SHIPPED", "DELIVERED" }
                : new[] { "SUBMITTED", "REJECTED" };
            Assert.Equal(expected, path);
            Assert.Equal(["PENDING_PAYMENT", .. expected[..^1]], steps.Select(e => e.At("payload.from").GetString()));
            var sequences = steps.Select(e => e.GetProperty("sequence").GetInt32()).ToList();
            Assert.Equal(sequences.Order().Distinct(), sequences);

            // The capture comes once every line is decided: after each line's first deciding step.
            Assert.True(events.IndexOf(steps[1]) < captured);
        }
    }

    [Fact]
    public async Task While_the_partner_is_down_submissions_wait_and_each_is_sent_exactly_once_when_it_is_back()
    {
        await using var app = HeadlessApp.Sqlite(new Dictionary<string, string?> { ["Headless:Outbox:Enabled"] = "false", ["Headless:Partners:CallbackBaseUrl"] = "http://localhost" });
        var f = await CartData.CreateAsync(app, 2);
        var port = FreePort();
        var address = new Uri($"http://127.0.0.1:{port}/");
        await ConnectPharmaciesAsync(app, address);
        await CheckOutAsync(f,
            CartData.GoodLine(f.Patients[0], f.Prescriber, f.Catalog.SemaEast),
            CartData.GoodLine(f.Patients[1], f.Prescriber, f.Catalog.SemaWest));
        var processor = app.Services.GetRequiredService<OutboxProcessor>();

        // Down: both submissions fail and back off.
        Assert.Equal(2, await processor.DrainOnceAsync("w1", default));
        Assert.Equal(0, await processor.DrainOnceAsync("w1", default));
        await using (var db = app.Database.CreatePlatformContext())
        {
            Assert.All(await db.OutboxMessages.ToListAsync(), m => Assert.Equal((OutboxStatus.Pending, 1), (m.Status, m.Attempts)));
        }

        // Back: the next attempts after the back-off go through, once each.
        await using var pharmacy = await StartSimulatorAsync(app, port, []);
        app.Clock.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(2, await processor.DrainOnceAsync("w2", default));
        app.Clock.Advance(TimeSpan.FromHours(2));
        Assert.Equal(0, await processor.DrainOnceAsync("w2", default));

        using var http = new HttpClient { BaseAddress = address };
        var stats = JsonDocument.Parse(await http.GetStringAsync("v1/stats")).RootElement;
        Assert.Equal(2, stats.GetProperty("ordersReceived").GetInt32());
        Assert.Equal(2, stats.GetProperty("distinctIdempotencyKeys").GetInt32());
        await using var check = app.Database.CreatePlatformContext();
        Assert.All(await check.PartnerOrders.IgnoreQueryFilters().ToListAsync(), p => Assert.Equal(PartnerOrderStatus.Submitted, p.Status));
    }

    internal static async Task<WebApplication> StartSimulatorAsync(HeadlessApp app, int port, string[] outOfStock)
    {
        var simulator = SimulatorHost.Build(
            ["--urls", $"http://127.0.0.1:{port}", $"--Simulator:StepDelay={Step}"],
            services =>
            {
                services.AddSingleton<TimeProvider>(app.Clock);
                services.AddHttpClient("callbacks").ConfigurePrimaryHttpMessageHandler(() => app.Server.CreateHandler());
                services.Configure<SimulatorOptions>(o => o.OutOfStockProducts = outOfStock);
            });
        await simulator.StartAsync();
        return simulator;
    }

    internal static async Task ConnectPharmaciesAsync(HeadlessApp app, Uri simulator)
    {
        await using var db = app.Database.CreatePlatformContext();
        foreach (var pharmacy in await db.Pharmacies.ToListAsync())
        {
            pharmacy.ConfigureIntegration(
                simulator.ToString(), new Uri(simulator, "oauth/token").ToString(), SimulatorOptions.DefaultClientId,
                app.Secrets.Protect(SimulatorOptions.DefaultClientSecret), app.Secrets.Protect(SimulatorOptions.DefaultWebhookSecret));
        }

        await db.SaveChangesAsync();
    }

    internal static async Task<string> CheckOutAsync(CartFixture f, params object[] lines)
    {
        var c = f.Tenant.Client;
        var cartId = (await c.DataAsync(CartData.Add, new { clinicId = f.ClinicId, lines })).At("cartLinesAdd.cart.id").GetString();
        var version = (await c.DataAsync(CartData.Validate, new { cartId })).At("cartValidate.cart.version").GetInt32();
        var payload = (await c.DataAsync(CheckoutTests.Checkout, new { input = new { cartId, expectedVersion = version, paymentMethodId = "pm_card_visa", idempotencyKey = Guid.NewGuid().ToString() } })).GetProperty("cartCheckout");
        Assert.Empty(payload.UserErrorCodes());
        return payload.At("order.number").GetString()!;
    }

    private static async Task<JsonElement> WaitForAsync(HeadlessApp app, CartFixture f, string number, Func<JsonElement, bool> done)
    {
        // Callbacks cross real sockets: poll a bounded number of times, moving the shared clock on so a step
        // the simulator scheduled after an earlier advance still comes due.
        JsonElement order = default;
        for (var i = 0; i < 400; i++)
        {
            order = (await f.Tenant.Client.DataAsync(OrderQuery, new { n = number })).GetProperty("order");
            if (done(order))
            {
                return order;
            }

            app.Clock.Advance(Step);
            await Task.Delay(100);
        }

        return order;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
