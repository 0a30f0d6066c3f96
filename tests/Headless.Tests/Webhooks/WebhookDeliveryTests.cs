using System.Text.Json;
using Headless.Data;
using Headless.Outbox;
using Headless.Partners;
using Headless.Tests.Fulfillment;
using Headless.Tests.Infrastructure;
using Headless.Webhooks;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Headless.Tests.Webhooks;

/// <summary>
/// Deliveries from the event log through the outbox to a receiver on 127.0.0.1, on each provider: signatures, the
/// stable webhook-id across retries, the retry schedule and Retry-After, 410, disabling after days of failure, order,
/// and delivery after a crash.
/// </summary>
public abstract class WebhookDeliveryTests(DatabaseProvider provider, PostgresServer? postgres) : ProviderTest(provider, postgres)
{
    [ProviderFact]
    public async Task Every_event_of_a_checkout_is_delivered_once_in_log_order_signed_with_the_endpoints_secret()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var f = await CartData.CreateAsync(App, 4);
        var (endpointId, secret) = await WebhookHarness.CreateEndpointAsync(f.Tenant.Client, receiver.Url());
        Assert.StartsWith("whsec_", secret);
        Assert.Equal(32, Convert.FromBase64String(secret["whsec_".Length..]).Length);

        await WebhookHarness.CheckOutAsync(f);
        await WebhookHarness.DeliverAsync(App);

        // The checkout's events after the endpoint was created: the cart frozen and checked out, the order, its payment,
        // and each of the four lines routed.
        await using var db = App.Database.CreatePlatformContext();
        var events = await db.Events.IgnoreQueryFilters().Where(e => e.OrganizationId == f.Tenant.OrganizationId).OrderBy(e => e.Position).ToListAsync();
        var deliveries = await WebhookHarness.AllDeliveriesAsync(App);
        var expected = events.Where(e => e.Position > deliveries.Min(d => d.EventPosition) - 1).ToList();
        Assert.Equal(expected.Count, receiver.Received.Count);
        Assert.Equal(expected.Select(e => $"msg_evt{e.Id}"), receiver.Received.Select(r => r.Id));
        Assert.Contains(receiver.Received, r => r.Body.Contains("\"type\":\"order.created\"", StringComparison.Ordinal));
        Assert.Equal(4, receiver.Received.Count(r => r.Body.Contains("\"type\":\"order_line.status_changed\"", StringComparison.Ordinal)));

        var key = StandardWebhookVerifier.DecodeSecret(secret)!;
        Assert.All(receiver.Received, r =>
        {
            Assert.Equal("application/json; charset=utf-8", r.ContentType);
            Assert.Equal(App.Clock.GetUtcNow().ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture), r.Timestamp);
            Assert.Single(r.Signature!.Split(' '));
            Assert.Null(StandardWebhookVerifier.Verify(key, r.Id, r.Timestamp, r.Signature, System.Text.Encoding.UTF8.GetBytes(r.Body), App.Clock.GetUtcNow()));
        });

        var endpoint = await WebhookHarness.EndpointAsync(f.Tenant.Client, endpointId);
        var nodes = endpoint.At("deliveries.nodes").EnumerateArray().ToList();
        Assert.Equal(expected.Count, nodes.Count);
        Assert.All(nodes, n =>
        {
            Assert.Equal("SUCCEEDED", n.GetProperty("status").GetString());
            Assert.Equal(1, n.GetProperty("attemptCount").GetInt32());
            var attempt = Assert.Single(n.GetProperty("attempts").EnumerateArray());
            Assert.Equal(204, attempt.GetProperty("statusCode").GetInt32());
            Assert.Equal(JsonValueKind.Null, attempt.GetProperty("errorClass").ValueKind);
            Assert.Equal("SCHEDULED", attempt.GetProperty("trigger").GetString());
        });
        Assert.Equal(0, (await WebhookHarness.EndpointAsync(f.Tenant.Client, endpointId, "PENDING")).At("deliveries.totalCount").GetInt32());

        // Nothing is sent twice: another fan-out and drain find nothing new.
        Assert.Equal(0, await App.Services.GetRequiredService<WebhookFanout>().RunOnceAsync());
        Assert.Equal(0, await WebhookHarness.DeliverAsync(App));
        Assert.Equal(expected.Count, receiver.Received.Count);
    }

    [ProviderFact]
    public async Task A_receiver_failing_three_times_then_succeeding_gets_one_webhook_id_four_times_with_new_timestamps()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        receiver.Script = (n, _) => n <= 3 ? new ReceiverAnswer(500, Body: new string('x', 3000)) : new ReceiverAnswer(200, Body: "ok");
        var f = await CartData.CreateAsync(App, 1);
        var (endpointId, secret) = await WebhookHarness.CreateEndpointAsync(f.Tenant.Client, receiver.Url(), ["order.created"]);
        await WebhookHarness.CheckOutAsync(f, lines: 1);

        var started = App.Clock.GetUtcNow();
        await WebhookHarness.DeliverAsync(App);
        foreach (var wait in new[] { TimeSpan.FromSeconds(6), TimeSpan.FromMinutes(6), TimeSpan.FromMinutes(36) })
        {
            App.Clock.Advance(wait);
            await WebhookHarness.DeliverAsync(App);
        }

        Assert.Equal(4, receiver.Received.Count);
        Assert.Single(receiver.Received.Select(r => r.Id).Distinct());
        Assert.Equal(4, receiver.Received.Select(r => r.Timestamp).Distinct().Count());
        Assert.Single(receiver.Received.Select(r => r.Body).Distinct());
        var key = StandardWebhookVerifier.DecodeSecret(secret)!;
        foreach (var r in receiver.Received)
        {
            var at = DateTimeOffset.FromUnixTimeSeconds(long.Parse(r.Timestamp!, System.Globalization.CultureInfo.InvariantCulture));
            Assert.Null(StandardWebhookVerifier.Verify(key, r.Id, r.Timestamp, r.Signature, System.Text.Encoding.UTF8.GetBytes(r.Body), at));
        }

        var delivery = Assert.Single((await WebhookHarness.EndpointAsync(f.Tenant.Client, endpointId)).At("deliveries.nodes").EnumerateArray());
        Assert.Equal("SUCCEEDED", delivery.GetProperty("status").GetString());
        Assert.Equal(4, delivery.GetProperty("attemptCount").GetInt32());
        var attempts = delivery.GetProperty("attempts").EnumerateArray().ToList();
        Assert.Equal([500, 500, 500, 200], attempts.Select(a => a.GetProperty("statusCode").GetInt32()));
        Assert.Equal(["HTTP_STATUS", "HTTP_STATUS", "HTTP_STATUS", null], attempts.Select(a => a.GetProperty("errorClass").GetString()));
        Assert.Equal([1, 2, 3, 4], attempts.Select(a => a.GetProperty("number").GetInt32()));
        Assert.Equal(1024, attempts[0].GetProperty("responseBody").GetString()!.Length);
        Assert.Equal("ok", attempts[3].GetProperty("responseBody").GetString());

        // The waits follow the schedule (5 s, 5 min, 30 min), each stretched by at most 20%.
        var times = attempts.Select(a => a.GetProperty("time").GetDateTimeOffset()).ToList();
        Assert.Equal(started, times[0]);
        Assert.InRange(times[1] - times[0], TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(6));
        Assert.InRange(times[2] - times[1], TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(6));
        Assert.InRange(times[3] - times[2], TimeSpan.FromMinutes(30), TimeSpan.FromMinutes(36));
        Assert.Equal(JsonValueKind.Null, (await WebhookHarness.EndpointAsync(f.Tenant.Client, endpointId)).GetProperty("failingSince").ValueKind);
    }

    [ProviderFact]
    public async Task A_410_disables_the_endpoint_and_nothing_more_is_sent_to_it()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        receiver.Script = (_, _) => new ReceiverAnswer(410);
        var f = await CartData.CreateAsync(App, 2);
        var (endpointId, _) = await WebhookHarness.CreateEndpointAsync(f.Tenant.Client, receiver.Url(), ["order.created"]);
        await WebhookHarness.CheckOutAsync(f, lines: 1);
        await WebhookHarness.DeliverAsync(App);

        var endpoint = await WebhookHarness.EndpointAsync(f.Tenant.Client, endpointId);
        Assert.Equal("DISABLED", endpoint.GetProperty("status").GetString());
        Assert.Equal("GONE", endpoint.GetProperty("disabledReason").GetString());
        Assert.Equal(App.Clock.GetUtcNow(), endpoint.GetProperty("disabledAt").GetDateTimeOffset());
        var delivery = Assert.Single(endpoint.At("deliveries.nodes").EnumerateArray());
        Assert.Equal("FAILED", delivery.GetProperty("status").GetString());
        Assert.Equal(410, delivery.At("attempts.0.statusCode").GetInt32());

        // A second order: no delivery is made for a disabled endpoint.
        await Fulfillment.RefillDayEndToEndTests.CheckOutAsync(f, CartData.GoodLine(f.Patients[1], f.Prescriber, f.Catalog.SemaEast));
        App.Clock.Advance(TimeSpan.FromDays(1));
        await WebhookHarness.DeliverAsync(App);
        Assert.Single(receiver.Received);
        Assert.Single(await WebhookHarness.AllDeliveriesAsync(App));
    }

    [ProviderFact]
    public async Task Retry_after_of_a_503_is_honoured_and_a_redirect_is_a_failure_that_is_not_followed()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        receiver.Script = (n, _) => n switch { 1 => new ReceiverAnswer(503, RetryAfterSeconds: 7200), 2 => new ReceiverAnswer(308), _ => new ReceiverAnswer(200) };
        var f = await CartData.CreateAsync(App, 1);
        var (endpointId, _) = await WebhookHarness.CreateEndpointAsync(f.Tenant.Client, receiver.Url(), ["order.created"]);
        await WebhookHarness.CheckOutAsync(f, lines: 1);
        await WebhookHarness.DeliverAsync(App);

        var delivery = (await WebhookHarness.EndpointAsync(f.Tenant.Client, endpointId)).At("deliveries.nodes.0");
        Assert.Equal("PENDING", delivery.GetProperty("status").GetString());
        Assert.Equal(App.Clock.GetUtcNow() + TimeSpan.FromHours(2), delivery.GetProperty("nextAttemptAt").GetDateTimeOffset());

        // Not before the two hours the receiver asked for, although the schedule's first wait is 5 seconds.
        App.Clock.Advance(TimeSpan.FromMinutes(119));
        await WebhookHarness.DeliverAsync(App);
        Assert.Single(receiver.Received);
        App.Clock.Advance(TimeSpan.FromMinutes(1));
        await WebhookHarness.DeliverAsync(App);
        Assert.Equal(2, receiver.Received.Count);

        // The 308 was not followed (nothing reached its Location) and counts as a failed attempt.
        delivery = (await WebhookHarness.EndpointAsync(f.Tenant.Client, endpointId)).At("deliveries.nodes.0");
        Assert.Equal("REDIRECT", delivery.At("attempts.1.errorClass").GetString());
        App.Clock.Advance(TimeSpan.FromMinutes(6));
        await WebhookHarness.DeliverAsync(App);
        Assert.Equal(3, receiver.Received.Count);
        Assert.All(receiver.Received, r => Assert.Equal("/hooks", r.Path));
    }

    [ProviderFact]
    public async Task An_endpoint_failing_every_attempt_for_five_days_is_disabled_with_the_reason_and_time()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        receiver.Script = (_, _) => new ReceiverAnswer(500);
        var f = await CartData.CreateAsync(App, 2);
        var (endpointId, _) = await WebhookHarness.CreateEndpointAsync(f.Tenant.Client, receiver.Url(), ["order.created"]);
        var failingSince = App.Clock.GetUtcNow();
        await WebhookHarness.CheckOutAsync(f, lines: 1);

        // The delivery runs through the whole schedule (10 attempts over a little more than 3 days) and is given up.
        for (var hour = 0; hour < 110; hour++)
        {
            await WebhookHarness.DeliverAsync(App);
            App.Clock.Advance(TimeSpan.FromHours(1));
        }

        var endpoint = await WebhookHarness.EndpointAsync(f.Tenant.Client, endpointId);
        Assert.Equal("ENABLED", endpoint.GetProperty("status").GetString());
        Assert.Equal(failingSince, endpoint.GetProperty("failingSince").GetDateTimeOffset());
        var delivery = Assert.Single(endpoint.At("deliveries.nodes").EnumerateArray());
        Assert.Equal(("FAILED", 10), (delivery.GetProperty("status").GetString(), delivery.GetProperty("attemptCount").GetInt32()));
        var times = delivery.GetProperty("attempts").EnumerateArray().Select(a => a.GetProperty("time").GetDateTimeOffset()).ToList();
        Assert.True(times[^1] - times[0] >= TimeSpan.FromDays(3), $"the retries span {times[^1] - times[0]}");
        Assert.Equal(10, receiver.Received.Count);

        // A new order on day 5 fails again: the endpoint has failed for five days and is disabled.
        App.Clock.Advance(failingSince + TimeSpan.FromDays(5) - App.Clock.GetUtcNow());
        await Fulfillment.RefillDayEndToEndTests.CheckOutAsync(f, CartData.GoodLine(f.Patients[1], f.Prescriber, f.Catalog.SemaEast));
        await WebhookHarness.DeliverAsync(App);
        endpoint = await WebhookHarness.EndpointAsync(f.Tenant.Client, endpointId);
        Assert.Equal(("DISABLED", "FAILING"), (endpoint.GetProperty("status").GetString(), endpoint.GetProperty("disabledReason").GetString()));
        Assert.Equal(App.Clock.GetUtcNow(), endpoint.GetProperty("disabledAt").GetDateTimeOffset());
        Assert.Equal(11, receiver.Received.Count);
        Assert.All(endpoint.At("deliveries.nodes").EnumerateArray(), d => Assert.Equal("FAILED", d.GetProperty("status").GetString()));
    }

    [ProviderFact]
    public async Task While_the_endpoint_fails_later_deliveries_wait_for_the_first_and_all_leave_in_order_once_it_is_back()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var down = true;
        receiver.Script = (_, _) => new ReceiverAnswer(down ? 503 : 200);
        var f = await CartData.CreateAsync(App, 4);
        var (endpointId, _) = await WebhookHarness.CreateEndpointAsync(f.Tenant.Client, receiver.Url(), ["order.created", "order.payment_authorized", "order_line.status_changed"]);
        await WebhookHarness.CheckOutAsync(f);

        // Down: only the first event's delivery is tried, on its schedule; the five after it wait for it.
        await WebhookHarness.DeliverAsync(App);
        App.Clock.Advance(TimeSpan.FromSeconds(7));
        await WebhookHarness.DeliverAsync(App);
        Assert.Equal(2, receiver.Received.Count);
        Assert.Single(receiver.Received.Select(r => r.Id).Distinct());
        var pending = (await WebhookHarness.EndpointAsync(f.Tenant.Client, endpointId, "PENDING")).At("deliveries.nodes").EnumerateArray().ToList();
        Assert.Equal([2, 0, 0, 0, 0, 0], pending.Select(d => d.GetProperty("attemptCount").GetInt32()));

        // Back: at the first delivery's next attempt, it and then every other leave, in the log's order.
        down = false;
        App.Clock.Advance(TimeSpan.FromMinutes(7));
        await WebhookHarness.DeliverAsync(App);
        var deliveries = await WebhookHarness.AllDeliveriesAsync(App);
        Assert.All(deliveries, d => Assert.Equal(WebhookDeliveryStatus.Succeeded, d.Status));
        Assert.Equal(8, receiver.Received.Count);
        Assert.Equal(deliveries.OrderBy(d => d.EventPosition).Select(d => d.WebhookId), receiver.Received.Skip(2).Select(r => r.Id));
    }

    [ProviderFact]
    public async Task Events_committed_before_a_crash_are_delivered_by_the_next_instance_exactly_once()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var f = await CartData.CreateAsync(App, 2);
        await WebhookHarness.CreateEndpointAsync(f.Tenant.Client, receiver.Url(), ["order.created"]);

        // Instance 1 commits the order and dies before its fan-out runs.
        await WebhookHarness.CheckOutAsync(f, lines: 1);

        // Instance 2 on the same database: it fans out what instance 1 committed, and sends it.
        await using (var second = HeadlessApp.On(App.Provider, App.ConnectionString))
        {
            second.Clock.SetUtcNow(App.Clock.GetUtcNow());
            await WebhookHarness.DeliverAsync(second);
        }

        Assert.Single(receiver.Received);

        // Instance 1 fans out the next order and takes its message, then dies before sending: another worker sends it
        // once the lease has lapsed.
        await Fulfillment.RefillDayEndToEndTests.CheckOutAsync(f, CartData.GoodLine(f.Patients[1], f.Prescriber, f.Catalog.SemaEast));
        Assert.Equal(1, await App.Services.GetRequiredService<WebhookFanout>().RunOnceAsync());
        var message = (await OutboxTestSupport.AllAsync(App)).Single(m => m.Kind == WebhookQueue.Kind && m.Status == OutboxStatus.Pending);
        await OutboxTestSupport.LeaseAsDeadWorkerAsync(App, message.Id, "dead-worker", App.Clock.GetUtcNow() + TimeSpan.FromMinutes(2));
        await WebhookHarness.DeliverAsync(App);
        Assert.Single(receiver.Received);
        App.Clock.Advance(TimeSpan.FromMinutes(3));
        await WebhookHarness.DeliverAsync(App);

        Assert.Equal(2, receiver.Received.Count);
        Assert.Equal(2, receiver.Received.Select(r => r.Id).Distinct().Count());
        Assert.All(await WebhookHarness.AllDeliveriesAsync(App), d => Assert.Equal((WebhookDeliveryStatus.Succeeded, 1), (d.Status, d.AttemptCount)));
    }
}

public sealed class WebhookDeliveryTestsOnSqlite() : WebhookDeliveryTests(DatabaseProvider.Sqlite, null);

[Collection(PostgresCollection.Name)]
public sealed class WebhookDeliveryTestsOnPostgres(PostgresServer postgres) : WebhookDeliveryTests(DatabaseProvider.Postgres, postgres);
