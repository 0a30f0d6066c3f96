using System.Text.Json;
using Headless.Tests.Fulfillment;
using Headless.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using PartnerPharmacy;
using static Headless.Tests.Support.SupportTicketHarness;

namespace Headless.Tests.Support;

/// <summary>
/// A ticket's round trip through real HTTP: the outbox sends it to the partner pharmacy simulator (OAuth token,
/// idempotency key), the simulator answers with a signed support.reply callback, and the ticket waits on the clinic.
/// </summary>
public sealed class SupportSimulatorTests
{
    [Fact]
    public async Task The_simulator_receives_the_ticket_and_its_signed_reply_lands_on_the_ticket()
    {
        await using var app = HeadlessApp.Sqlite(new Dictionary<string, string?> { ["Headless:Partners:CallbackBaseUrl"] = "http://localhost" });
        var f = await CartData.CreateAsync(app, 1);
        await using var pharmacy = await StartAsync(app, autoReply: false);
        var simulator = SimulatorHost.GetBaseAddress(pharmacy);
        await RefillDayEndToEndTests.ConnectPharmaciesAsync(app, simulator);
        var number = await RefillDayEndToEndTests.CheckOutAsync(f, CartData.GoodLine(f.Patients[0], f.Prescriber, f.Catalog.SemaEast));
        Assert.Equal(1, await DrainAsync(app));

        var c = f.Tenant.Client;
        var lineId = (await c.DataAsync("query($n: String) { order(number: $n) { lines(first: 1) { nodes { id } } } }", new { n = number })).At("order.lines.nodes.0.id").GetString()!;
        var ticket = await OpenAsync(c, lineId, "Shipping date", "When does it leave the pharmacy?");
        var id = ticket.GetProperty("id").GetString()!;
        var ticketNumber = ticket.GetProperty("number").GetString()!;
        Assert.Empty((await SetStatusAsync(c, id, "WAITING_ON_PHARMACY")).UserErrorCodes());
        Assert.Equal(1, await DrainAsync(app));

        using var http = new HttpClient { BaseAddress = simulator };
        var thread = JsonDocument.Parse(await http.GetStringAsync($"v1/support/{ticketNumber}")).RootElement;
        Assert.Equal((1, 0), (thread.GetProperty("messagesReceived").GetInt32(), thread.GetProperty("repliesSent").GetInt32()));

        // The simulator replies on demand; the callback crosses to the API in process, signed with the pharmacy's secret.
        using var reply = await http.PostAsync($"v1/support/{ticketNumber}/reply", new StringContent("""{"message":"Leaves tomorrow morning."}""", System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(System.Net.HttpStatusCode.Accepted, reply.StatusCode);

        JsonElement read = default;
        for (var i = 0; i < 200; i++)
        {
            read = (await c.DataAsync(Node, new { id })).GetProperty("node");
            if (read.GetProperty("status").GetString() == "WAITING_ON_CLINIC")
            {
                break;
            }

            await Task.Delay(50);
        }

        Assert.Equal(("WAITING_ON_CLINIC", 2), (read.GetProperty("status").GetString(), read.GetProperty("messageCount").GetInt32()));
        Assert.Equal(("PHARMACY", "Leaves tomorrow morning."), (read.At("messages.nodes.1.author").GetString(), read.At("messages.nodes.1.body").GetString()));
        for (var i = 0; i < 100 && JsonDocument.Parse(await http.GetStringAsync($"v1/support/{ticketNumber}")).RootElement.GetProperty("repliesSent").GetInt32() == 0; i++)
        {
            await Task.Delay(50);
        }

        Assert.Equal(1, JsonDocument.Parse(await http.GetStringAsync($"v1/support/{ticketNumber}")).RootElement.GetProperty("repliesSent").GetInt32());
    }

    [Fact]
    public async Task With_auto_reply_on_the_simulator_answers_every_new_ticket_message_after_a_step()
    {
        await using var app = HeadlessApp.Sqlite(new Dictionary<string, string?> { ["Headless:Partners:CallbackBaseUrl"] = "http://localhost" });
        var f = await CartData.CreateAsync(app, 1);
        await using var pharmacy = await StartAsync(app, autoReply: true);
        await RefillDayEndToEndTests.ConnectPharmaciesAsync(app, SimulatorHost.GetBaseAddress(pharmacy));
        var number = await RefillDayEndToEndTests.CheckOutAsync(f, CartData.GoodLine(f.Patients[0], f.Prescriber, f.Catalog.SemaEast));
        Assert.Equal(1, await DrainAsync(app));
        var c = f.Tenant.Client;
        var lineId = (await c.DataAsync("query($n: String) { order(number: $n) { lines(first: 1) { nodes { id } } } }", new { n = number })).At("order.lines.nodes.0.id").GetString()!;
        var id = (await OpenAsync(c, lineId)).GetProperty("id").GetString()!;
        Assert.Empty((await SetStatusAsync(c, id, "WAITING_ON_PHARMACY")).UserErrorCodes());
        Assert.Equal(1, await DrainAsync(app));

        JsonElement read = default;
        for (var i = 0; i < 200; i++)
        {
            app.Clock.Advance(TimeSpan.FromSeconds(5));
            read = (await c.DataAsync(Node, new { id })).GetProperty("node");
            if (read.GetProperty("messageCount").GetInt32() == 2)
            {
                break;
            }

            await Task.Delay(50);
        }

        Assert.Equal(("WAITING_ON_CLINIC", 2), (read.GetProperty("status").GetString(), read.GetProperty("messageCount").GetInt32()));
        Assert.Equal("PHARMACY", read.At("messages.nodes.1.author").GetString());
    }

    private static async Task<WebApplication> StartAsync(HeadlessApp app, bool autoReply)
    {
        var simulator = SimulatorHost.Build(
            ["--urls", "http://127.0.0.1:0", "--Simulator:StepDelay=00:00:05"],
            services =>
            {
                services.AddSingleton<TimeProvider>(app.Clock);
                services.AddHttpClient("callbacks").ConfigurePrimaryHttpMessageHandler(() => app.Server.CreateHandler());
                services.Configure<SimulatorOptions>(o => o.SupportAutoReply = autoReply);
            });
        await simulator.StartAsync();
        return simulator;
    }
}
