using System.Net;
using System.Net.Sockets;
using CrmReceiver;
using Headless.Tests.Fulfillment;
using Headless.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using PartnerPharmacy;

namespace Headless.Tests.Webhooks;

/// <summary>
/// The "done": a refill day through the partner pharmacy simulator, with samples/CrmReceiver as the brand's CRM.
/// The receiver is down for the first half of the day; when it comes back it receives the rest without any action by
/// the brand, and holds every order and line event of the day, in the log's order, each line's in sequence order, with
/// valid signatures, each once. The secret is rotated while it is down, and the receiver keeps only the old one.
/// </summary>
public sealed class CrmReceiverEndToEndTests
{
    [Fact]
    public async Task A_crm_down_for_half_a_refill_day_receives_every_event_in_order_once_it_is_back()
    {
        await using var app = HeadlessApp.Sqlite(new Dictionary<string, string?> { ["Headless:Partners:CallbackBaseUrl"] = "http://localhost" });
        var f = await CartData.CreateAsync(app, 6, "Crm End To End");
        await using var pharmacy = await RefillDayEndToEndTests.StartSimulatorAsync(app, port: 0, outOfStock: ["NAD+"]);
        await RefillDayEndToEndTests.ConnectPharmaciesAsync(app, SimulatorHost.GetBaseAddress(pharmacy));
        var port = FreePort();
        var (endpointId, secret) = await WebhookHarness.CreateEndpointAsync(
            f.Tenant.Client, $"http://127.0.0.1:{port}/webhooks/headless", ["order.created", "order.payment_authorized", "order.payment_captured", "order.payment_voided", "order.refunded", "order_line.status_changed"]);

        var offerings = new[] { f.Catalog.SemaEast, f.Catalog.TestoEast, f.Catalog.SemaWest, f.Catalog.NadWest };
        await RefillDayEndToEndTests.CheckOutAsync(f, [.. f.Patients.Select((p, i) => CartData.GoodLine(p, f.Prescriber, offerings[i % offerings.Length]))]);

        // The first half of the day, the CRM down: every attempt fails to connect.
        for (var i = 0; i < 3; i++)
        {
            await WebhookHarness.DeliverAsync(app);
            app.Clock.Advance(TimeSpan.FromSeconds(5));
            await Task.Delay(100);
        }

        var whileDown = await WebhookHarness.AllDeliveriesAsync(app);
        Assert.NotEmpty(whileDown);
        Assert.All(whileDown, d => Assert.Equal(Headless.Webhooks.WebhookDeliveryStatus.Pending, d.Status));
        await f.Tenant.Client.DataAsync("mutation($id: ID!) { webhookEndpointRotateSecret(id: $id) { secret } }", new { id = endpointId });

        // Back, still configured with the secret it had: the old secret signs second during the overlap.
        await using var crm = await StartCrmAsync(app, port, secret);
        await WebhookRefillDayTests.RunDayAsync(app, f);

        // No one touches anything: the first delivery's next scheduled attempt succeeds and the rest follow it.
        for (var i = 0; i < 12 && (await WebhookHarness.AllDeliveriesAsync(app)).Any(d => d.Status != Headless.Webhooks.WebhookDeliveryStatus.Succeeded); i++)
        {
            app.Clock.Advance(TimeSpan.FromMinutes(15));
            await WebhookHarness.DeliverAsync(app);
        }

        var inbox = crm.Services.GetRequiredService<Inbox>();
        await using var db = app.Database.CreatePlatformContext();
        var start = whileDown.Min(d => d.EventPosition);
        var types = new[] { "order.created", "order.payment_authorized", "order.payment_captured", "order.payment_voided", "order.refunded", "order_line.status_changed" };
        var events = await db.Events.IgnoreQueryFilters()
            .Where(e => e.OrganizationId == f.Tenant.OrganizationId && e.Position >= start && types.Contains(e.Type))
            .OrderBy(e => e.Position)
            .ToListAsync();
        Assert.Equal(0, inbox.Rejected);
        Assert.Equal(events.Select(e => $"msg_evt{e.Id}"), inbox.Accepted.Select(a => a.WebhookId));
        // Five lines SUBMITTED, RECEIVED, COMPOUNDING, SHIPPED, DELIVERED; the NAD+ line SUBMITTED, REJECTED.
        Assert.Equal(27, inbox.Accepted.Count(a => a.Type == "order_line.status_changed"));
        foreach (var line in inbox.Accepted.Where(a => a.LineNumber is not null && a.Type == "order_line.status_changed").GroupBy(a => a.LineNumber))
        {
            var sequences = line.Select(a => a.Sequence!.Value).ToList();
            Assert.Equal(sequences.Order().Distinct(), sequences);
            Assert.Contains(line.Last().Status, new[] { "DELIVERED", "REJECTED" });
        }

        Assert.Contains(inbox.Accepted, a => a.Type == "order.payment_captured");

        // A replay of the whole day sends every event again with its webhook-id: the receiver drops each as a duplicate.
        var accepted = inbox.Accepted.Count;
        var replay = await f.Tenant.Client.DataAsync("mutation($id: ID!) { webhookEndpointReplay(endpointId: $id) { replayed userErrors { code } } }", new { id = endpointId });
        Assert.Equal(accepted, replay.At("webhookEndpointReplay.replayed").GetInt32());
        await WebhookHarness.DeliverAsync(app);
        Assert.Equal(accepted, inbox.Accepted.Count);
        Assert.All(await WebhookHarness.AllDeliveriesAsync(app), d => Assert.Equal(Headless.Webhooks.WebhookDeliveryStatus.Succeeded, d.Status));

        // An older update of a line under a new id is dropped as stale; a bad signature is refused.
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        var last = inbox.Accepted.Last(a => a.Type == "order_line.status_changed");
        var body = $$$"""{"type":"order_line.status_changed","timestamp":"2026-11-25T15:00:00.000Z","data":{"lineNumber":"{{{last.LineNumber}}}","status":"RECEIVED","sequence":1}}""";
        var now = app.Clock.GetUtcNow().ToUnixTimeSeconds();
        async Task<(HttpStatusCode, string)> PostAsync(string signature)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/webhooks/headless") { Content = new StringContent(body, System.Text.Encoding.UTF8, "application/json") };
            request.Headers.Add("webhook-id", "msg_handmade1");
            request.Headers.Add("webhook-timestamp", now.ToString(System.Globalization.CultureInfo.InvariantCulture));
            request.Headers.Add("webhook-signature", signature);
            using var response = await http.SendAsync(request);
            return (response.StatusCode, await response.Content.ReadAsStringAsync());
        }

        Assert.Equal((HttpStatusCode.Unauthorized, """{"error":"no matching signature"}"""), await PostAsync("v1,AAAA"));
        Assert.Equal((HttpStatusCode.OK, """{"stale":true}"""), await PostAsync(Headless.Webhooks.WebhookSigning.Sign([secret], "msg_handmade1", now, body)));
        Assert.Equal((HttpStatusCode.OK, """{"duplicate":true}"""), await PostAsync(Headless.Webhooks.WebhookSigning.Sign([secret], "msg_handmade1", now, body)));
        Assert.Equal(accepted, inbox.Accepted.Count);
    }

    private static async Task<WebApplication> StartCrmAsync(HeadlessApp app, int port, params string[] secrets)
    {
        var crm = ReceiverHost.Build(
            ["--urls", $"http://127.0.0.1:{port}", .. secrets.Select((s, i) => $"--CrmReceiver:Secrets:{i}={s}")],
            services => services.AddSingleton<TimeProvider>(app.Clock));
        await crm.StartAsync();
        return crm;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
