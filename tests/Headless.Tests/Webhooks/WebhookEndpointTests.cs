using System.Net;
using System.Text;
using System.Text.Json;
using Headless.Partners;
using Headless.Tests.Infrastructure;
using Headless.Webhooks;
using Microsoft.AspNetCore.Http;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Headless.Tests.Webhooks;

/// <summary>Endpoints through the API: create with a secret shown once, update, disable, enable, delete, rotate; retry, replay and test.</summary>
public sealed class WebhookEndpointTests : IAsyncLifetime
{
    private const string Update = """
        mutation($id: ID!, $input: WebhookEndpointUpdateInput!) { webhookEndpointUpdate(id: $id, input: $input) { endpoint { url eventTypes description } userErrors { code field message } } }
        """;

    private const string Rotate = "mutation($id: ID!) { webhookEndpointRotateSecret(id: $id) { endpoint { secretRotatedAt previousSecretExpiresAt } secret userErrors { code } } }";

    private HeadlessApp _app = null!;
    private WebhookReceiver _receiver = null!;

    public async Task InitializeAsync()
    {
        _app = HeadlessApp.Sqlite();
        _receiver = await WebhookReceiver.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _receiver.DisposeAsync();
        await _app.DisposeAsync();
    }

    [Fact]
    public async Task An_endpoint_is_created_listed_updated_disabled_enabled_and_deleted_and_its_secret_is_shown_once()
    {
        var c = (await _app.CreateTenantAsync("Crm Org")).Client;
        var created = (await c.DataAsync(WebhookHarness.Create, new { input = new { url = _receiver.Url(), eventTypes = new[] { "order.created", "order_line.status_changed", "order.created" }, description = "Our CRM" } }))
            .GetProperty("webhookEndpointCreate");
        Assert.Empty(created.UserErrorCodes());
        var id = created.At("endpoint.id").GetString()!;
        Assert.Equal(["order.created", "order_line.status_changed"], created.At("endpoint.eventTypes").EnumerateArray().Select(t => t.GetString()));
        Assert.Equal(("ENABLED", "Our CRM"), (created.At("endpoint.status").GetString(), created.At("endpoint.description").GetString()));
        var secret = created.GetProperty("secret").GetString()!;
        Assert.Matches("^whsec_[A-Za-z0-9+/]{43}=$", secret);

        // Stored encrypted, never readable again: no field of the schema returns it.
        await using (var db = _app.Database.CreatePlatformContext())
        {
            var row = await db.Set<WebhookEndpoint>().IgnoreQueryFilters().SingleAsync();
            Assert.StartsWith("dp1:", row.Secret.Stored);
            Assert.DoesNotContain(secret["whsec_".Length..], row.Secret.Stored);
            Assert.Equal(secret, _app.Secrets.Reveal(row.Secret));
        }

        var listed = await c.DataAsync("{ webhookEndpoints(first: 10) { totalCount nodes { id url status } } }");
        Assert.Equal(1, listed.At("webhookEndpoints.totalCount").GetInt32());
        Assert.DoesNotContain(secret, listed.GetRawText());

        var updated = (await c.DataAsync(Update, new { id, input = new { url = _receiver.Url("v2"), eventTypes = new[] { "order.refunded" } } })).GetProperty("webhookEndpointUpdate");
        Assert.Empty(updated.UserErrorCodes());
        Assert.Equal((_receiver.Url("v2"), "Our CRM"), (updated.At("endpoint.url").GetString(), updated.At("endpoint.description").GetString()));

        var bad = (await c.DataAsync(Update, new { id, input = new { url = "ftp://example.com/x", eventTypes = new[] { "order.shipped" } } })).GetProperty("webhookEndpointUpdate");
        Assert.Equal(["INVALID_FORMAT", "INVALID_VALUE"], bad.UserErrorCodes());
        Assert.Equal(["input", "eventTypes", "0"], bad.At("userErrors.1.field").EnumerateArray().Select(x => x.GetString()));

        var disabled = (await c.DataAsync("mutation($id: ID!) { webhookEndpointDisable(id: $id) { endpoint { status disabledReason disabledAt } userErrors { code } } }", new { id })).GetProperty("webhookEndpointDisable");
        Assert.Equal(("DISABLED", "MANUAL"), (disabled.At("endpoint.status").GetString(), disabled.At("endpoint.disabledReason").GetString()));
        var test = (await c.DataAsync("mutation($id: ID!) { webhookEndpointTest(endpointId: $id) { delivery { id } userErrors { code field } } }", new { id })).GetProperty("webhookEndpointTest");
        Assert.Equal(["ENDPOINT_DISABLED"], test.UserErrorCodes());

        var enabled = (await c.DataAsync("mutation($id: ID!) { webhookEndpointEnable(id: $id) { endpoint { status disabledReason disabledAt } userErrors { code } } }", new { id })).GetProperty("webhookEndpointEnable");
        Assert.Equal(("ENABLED", JsonValueKind.Null), (enabled.At("endpoint.status").GetString(), enabled.At("endpoint.disabledReason").ValueKind));

        var deleted = (await c.DataAsync("mutation($id: ID!) { webhookEndpointDelete(id: $id) { endpoint { id } userErrors { code } } }", new { id })).GetProperty("webhookEndpointDelete");
        Assert.Empty(deleted.UserErrorCodes());
        Assert.Equal(JsonValueKind.Null, (await c.DataAsync("query($id: ID!) { node(id: $id) { id } }", new { id })).GetProperty("node").ValueKind);
        var again = (await c.DataAsync("mutation($id: ID!) { webhookEndpointDelete(id: $id) { endpoint { id } userErrors { code field } } }", new { id })).GetProperty("webhookEndpointDelete");
        Assert.Equal(["NOT_FOUND"], again.UserErrorCodes());
    }

    [Fact]
    public async Task Bad_input_is_refused_with_user_errors_naming_the_field()
    {
        var c = (await _app.CreateTenantAsync("Crm Bad")).Client;
        async Task<string> CreateAsync(object input)
        {
            var p = (await c.DataAsync(WebhookHarness.Create, new { input })).GetProperty("webhookEndpointCreate");
            Assert.Equal(JsonValueKind.Null, p.GetProperty("secret").ValueKind);
            return $"{string.Join(',', p.UserErrorCodes())} {string.Join('.', p.At("userErrors.0.field").EnumerateArray().Select(x => x.GetString()))}";
        }

        Assert.Equal("REQUIRED input.url", await CreateAsync(new { url = " ", eventTypes = new[] { "order.created" } }));
        Assert.Equal("INVALID_FORMAT input.url", await CreateAsync(new { url = "not a url", eventTypes = new[] { "order.created" } }));
        Assert.Equal("INVALID_FORMAT input.url", await CreateAsync(new { url = "https://user:pw@example.com/hook", eventTypes = new[] { "order.created" } }));
        Assert.Equal("TOO_LONG input.url", await CreateAsync(new { url = "https://example.com/" + new string('a', 2000), eventTypes = new[] { "order.created" } }));
        Assert.Equal("REQUIRED input.eventTypes", await CreateAsync(new { url = _receiver.Url(), eventTypes = Array.Empty<string>() }));
        Assert.Equal("TOO_LONG input.description", await CreateAsync(new { url = _receiver.Url(), eventTypes = new[] { "order.created" }, description = new string('d', 501) }));
        Assert.Equal(0, (await c.DataAsync("{ webhookEndpoints { totalCount } }")).At("webhookEndpoints.totalCount").GetInt32());
    }

    [Fact]
    public async Task During_a_rotation_both_secrets_sign_the_new_one_first_and_after_the_overlap_only_the_new_one()
    {
        var f = await CartData.CreateAsync(_app, 3, "Crm Rotation");

        // The StandardWebhooks package checks the timestamp against the system clock: deliver on the real time.
        _app.Clock.SetUtcNow(DateTimeOffset.UtcNow);
        var (id, oldSecret) = await WebhookHarness.CreateEndpointAsync(f.Tenant.Client, _receiver.Url(), ["order.created"]);
        var rotated = (await f.Tenant.Client.DataAsync(Rotate, new { id })).GetProperty("webhookEndpointRotateSecret");
        var newSecret = rotated.GetProperty("secret").GetString()!;
        Assert.NotEqual(oldSecret, newSecret);
        Assert.Equal(_app.Clock.GetUtcNow() + TimeSpan.FromHours(24), rotated.At("endpoint.previousSecretExpiresAt").GetDateTimeOffset());

        await WebhookHarness.CheckOutAsync(f, lines: 1);
        await WebhookHarness.DeliverAsync(_app);
        var during = Assert.Single(_receiver.Received);
        var signatures = during.Signature!.Split(' ');
        Assert.Equal(2, signatures.Length);
        var body = Encoding.UTF8.GetBytes(during.Body);
        var now = _app.Clock.GetUtcNow();
        Assert.Equal(signatures[0], StandardWebhookVerifier.Sign(StandardWebhookVerifier.DecodeSecret(newSecret)!, during.Id!, long.Parse(during.Timestamp!, System.Globalization.CultureInfo.InvariantCulture), body));
        Assert.Equal(signatures[1], StandardWebhookVerifier.Sign(StandardWebhookVerifier.DecodeSecret(oldSecret)!, during.Id!, long.Parse(during.Timestamp!, System.Globalization.CultureInfo.InvariantCulture), body));

        // The StandardWebhooks 1.1.2 package (what a .NET receiver may use) accepts it with the new secret, which comes first.
        var headers = new HeaderDictionary { ["webhook-id"] = during.Id, ["webhook-timestamp"] = during.Timestamp, ["webhook-signature"] = during.Signature };
        new StandardWebhooks.StandardWebhook(newSecret).Verify(during.Body, headers);

        // After the overlap the old secret no longer signs.
        _app.Clock.Advance(TimeSpan.FromHours(25));
        await Fulfillment.RefillDayEndToEndTests.CheckOutAsync(f, CartData.GoodLine(f.Patients[1], f.Prescriber, f.Catalog.SemaEast));
        await WebhookHarness.DeliverAsync(_app);
        var after = _receiver.Received[1];
        Assert.Single(after.Signature!.Split(' '));
        Assert.Null(StandardWebhookVerifier.Verify(StandardWebhookVerifier.DecodeSecret(newSecret)!, after.Id, after.Timestamp, after.Signature, Encoding.UTF8.GetBytes(after.Body), _app.Clock.GetUtcNow()));
        Assert.NotNull(StandardWebhookVerifier.Verify(StandardWebhookVerifier.DecodeSecret(oldSecret)!, after.Id, after.Timestamp, after.Signature, Encoding.UTF8.GetBytes(after.Body), _app.Clock.GetUtcNow()));
        Assert.Equal(JsonValueKind.Null, (await f.Tenant.Client.DataAsync("query($id: ID!) { node(id: $id) { ... on WebhookEndpoint { previousSecretExpiresAt } } }", new { id })).At("node.previousSecretExpiresAt").ValueKind);
    }

    [NodeFact(NodeScripts.Webhooks, "standardwebhooks")]
    public async Task Deliveries_verify_with_the_standardwebhooks_npm_package_including_during_a_rotation()
    {
        var f = await CartData.CreateAsync(_app, 2, "Crm Node");
        var (id, oldSecret) = await WebhookHarness.CreateEndpointAsync(f.Tenant.Client, _receiver.Url(), ["order.created", "order_line.status_changed"]);
        await WebhookHarness.CheckOutAsync(f, lines: 1);
        await WebhookHarness.DeliverAsync(_app);
        var before = _receiver.Received.Count;
        var newSecret = (await f.Tenant.Client.DataAsync(Rotate, new { id })).At("webhookEndpointRotateSecret.secret").GetString()!;
        await Fulfillment.RefillDayEndToEndTests.CheckOutAsync(f, CartData.GoodLine(f.Patients[1], f.Prescriber, f.Catalog.SemaEast));
        await WebhookHarness.DeliverAsync(_app);
        var received = _receiver.Received;
        Assert.Equal(2, before);
        Assert.Equal(4, received.Count);

        // Before the rotation with the one secret; during it with the old and with the new one (each alone, as a
        // receiver that has not switched yet and one that has would); a tampered body and a wrong secret fail.
        var cases = new List<object>();
        void Add(string secret, ReceivedWebhook r, string? body = null) =>
            cases.Add(new { secret, headers = new Dictionary<string, string?> { ["webhook-id"] = r.Id, ["webhook-timestamp"] = r.Timestamp, ["webhook-signature"] = r.Signature }, body = body ?? r.Body });
        Add(oldSecret, received[0]);
        Add(oldSecret, received[1]);
        Add(oldSecret, received[2]);
        Add(newSecret, received[2]);
        Add(oldSecret, received[3]);
        Add(newSecret, received[3]);
        Add(newSecret, received[3], received[3].Body.Replace("HX-", "HY-", StringComparison.Ordinal));
        Add(newSecret, received[0]);
        var file = Path.Combine(Path.GetTempPath(), $"webhook-cases-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(file, JsonSerializer.Serialize(new { now = _app.Clock.GetUtcNow().ToUnixTimeSeconds(), cases }));
        try
        {
            await using var node = NodeScripts.StartIn(NodeScripts.Webhooks, "verify.mjs", file);
            var results = new List<JsonElement>();
            for (var i = 0; i < cases.Count; i++)
            {
                results.Add(await node.NextAsync());
            }

            Assert.Equal([true, true, true, true, true, true, false, false], results.Select(r => r.GetProperty("ok").GetBoolean()));
            Assert.Equal("No matching signature found", results[6].GetProperty("error").GetString());
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task A_delivery_is_retried_by_hand_an_endpoint_replayed_after_an_outage_and_tested()
    {
        var f = await CartData.CreateAsync(_app, 2, "Crm Replay");
        var c = f.Tenant.Client;
        var (id, _) = await WebhookHarness.CreateEndpointAsync(c, _receiver.Url(), ["order.created", "order.payment_authorized"]);
        _receiver.Script = (_, _) => new ReceiverAnswer(503);
        await WebhookHarness.CheckOutAsync(f, lines: 1);
        await WebhookHarness.DeliverAsync(_app);
        Assert.Single(_receiver.Received);
        var deliveries = (await WebhookHarness.EndpointAsync(c, id, "PENDING")).At("deliveries.nodes").EnumerateArray().ToList();
        Assert.Equal([1, 0], deliveries.Select(d => d.GetProperty("attemptCount").GetInt32()));

        // Back: a retry by hand sends the first one now, with its webhook-id, rather than at its next slot.
        _receiver.Script = (_, _) => new ReceiverAnswer(200);
        var retry = (await c.DataAsync("mutation($id: ID!) { webhookDeliveryRetry(deliveryId: $id) { delivery { status nextAttemptAt } userErrors { code } } }", new { id = deliveries[0].GetProperty("id").GetString() }))
            .GetProperty("webhookDeliveryRetry");
        Assert.Empty(retry.UserErrorCodes());
        Assert.Equal(_app.Clock.GetUtcNow(), retry.At("delivery.nextAttemptAt").GetDateTimeOffset());
        await WebhookHarness.DeliverAsync(_app);

        // The first success after failing brings the delivery that waited behind it forward too.
        Assert.Equal(3, _receiver.Received.Count);
        Assert.Equal(deliveries.Select(d => d.GetProperty("webhookId").GetString()), _receiver.Received.Skip(1).Select(r => r.Id));
        var endpoint = await WebhookHarness.EndpointAsync(c, id);
        Assert.All(endpoint.At("deliveries.nodes").EnumerateArray(), d => Assert.Equal("SUCCEEDED", d.GetProperty("status").GetString()));
        Assert.Equal("MANUAL", endpoint.At("deliveries.nodes.0.attempts.1.trigger").GetString());
        Assert.Equal(JsonValueKind.Null, endpoint.GetProperty("failingSince").ValueKind);

        // Replay from the first event's cursor: the one after it again, with the same webhook-id, as the same delivery.
        var cursor = endpoint.At("deliveries.nodes.0.event.cursor").GetString();
        var replay = (await c.DataAsync("mutation($id: ID!, $after: String) { webhookEndpointReplay(endpointId: $id, after: $after) { replayed hasMore endCursor userErrors { code } } }", new { id, after = cursor }))
            .GetProperty("webhookEndpointReplay");
        Assert.Equal((1, false), (replay.GetProperty("replayed").GetInt32(), replay.GetProperty("hasMore").GetBoolean()));
        await WebhookHarness.DeliverAsync(_app);
        Assert.Equal(4, _receiver.Received.Count);
        Assert.Equal(_receiver.Received[2].Id, _receiver.Received[3].Id);
        Assert.Equal(2, (await WebhookHarness.EndpointAsync(c, id)).At("deliveries.totalCount").GetInt32());

        var badCursor = (await c.DataAsync("mutation($id: ID!) { webhookEndpointReplay(endpointId: $id, after: \"nope\") { replayed userErrors { code field } } }", new { id })).GetProperty("webhookEndpointReplay");
        Assert.Equal(["INVALID_FORMAT"], badCursor.UserErrorCodes());

        // A test event: its own webhook-id, type webhook.test, signed like the rest.
        var test = (await c.DataAsync("mutation($id: ID!) { webhookEndpointTest(endpointId: $id) { delivery { id webhookId eventType event { id } } userErrors { code } } }", new { id })).GetProperty("webhookEndpointTest");
        Assert.Equal("webhook.test", test.At("delivery.eventType").GetString());
        Assert.Equal(JsonValueKind.Null, test.At("delivery.event").ValueKind);
        await WebhookHarness.DeliverAsync(_app);
        var last = _receiver.Received[^1];
        Assert.Equal(test.At("delivery.webhookId").GetString(), last.Id);
        Assert.Contains("\"type\":\"webhook.test\"", last.Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_receiver_that_does_not_answer_within_15_seconds_is_a_timed_out_attempt()
    {
        var f = await CartData.CreateAsync(_app, 1, "Crm Timeout Org");
        var (id, _) = await WebhookHarness.CreateEndpointAsync(f.Tenant.Client, _receiver.Url(), ["order.created"]);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _receiver.Before = n => n == 1 ? release.Task : Task.CompletedTask;
        await WebhookHarness.CheckOutAsync(f, lines: 1);
        await _app.Services.GetRequiredService<WebhookFanout>().RunOnceAsync();

        var drain = WebhookHarness.DeliverAsync(_app);
        using (var patience = new CancellationTokenSource(TimeSpan.FromSeconds(30)))
        {
            while (_receiver.Received.Count == 0)
            {
                await Task.Delay(20, patience.Token);
            }
        }

        // 14 seconds on the service's clock are not enough to give up; 15 are.
        await Task.Delay(100);
        _app.Clock.Advance(TimeSpan.FromSeconds(14));
        await Task.Delay(200);
        Assert.False(drain.IsCompleted);
        _app.Clock.Advance(TimeSpan.FromSeconds(1));
        await drain.WaitAsync(TimeSpan.FromSeconds(30));
        release.SetResult();

        var attempt = (await WebhookHarness.EndpointAsync(f.Tenant.Client, id)).At("deliveries.nodes.0.attempts.0");
        Assert.Equal("TIMEOUT", attempt.GetProperty("errorClass").GetString());
        Assert.Equal(JsonValueKind.Null, attempt.GetProperty("statusCode").ValueKind);
        Assert.Equal(15_000, attempt.GetProperty("durationMs").GetInt32());
    }

    [Fact]
    public async Task Another_organizations_endpoints_and_deliveries_are_not_found()
    {
        var a = (await _app.CreateTenantAsync("Crm Alpha Org")).Client;
        var b = (await _app.CreateTenantAsync("Crm Beta Org")).Client;
        var (id, _) = await WebhookHarness.CreateEndpointAsync(b, _receiver.Url(), ["order.created"]);
        Assert.Equal(JsonValueKind.Null, (await a.DataAsync("query($id: ID!) { node(id: $id) { id } }", new { id })).GetProperty("node").ValueKind);
        Assert.Equal(0, (await a.DataAsync("{ webhookEndpoints { totalCount } }")).At("webhookEndpoints.totalCount").GetInt32());
        var disable = (await a.DataAsync("mutation($id: ID!) { webhookEndpointDisable(id: $id) { endpoint { id } userErrors { code field } } }", new { id })).GetProperty("webhookEndpointDisable");
        Assert.Equal(["NOT_FOUND"], disable.UserErrorCodes());
    }
}
