using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Headless.Data;
using Headless.Payments;
using Headless.Payments.Stripe;
using Headless.Tests.Infrastructure;
using Microsoft.AspNetCore.TestHost;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Headless.Tests.Payments.Stripe;

/// <summary>POST /webhooks/stripe through the real service: signature checks, the event mapping, and exactly-once application.</summary>
public sealed class StripeWebhookTests : IAsyncLifetime
{
    internal const string Secret = "whsec_test_c2VjcmV0LWZvci10ZXN0cy1vbmx5";
    internal const string SecretSetting = "Headless:Payments:Stripe:WebhookSecret";
    private const string Path = "/webhooks/stripe";

    private readonly RecordingSink _sink = new();
    private HeadlessApp _app = null!;
    private HttpClient _http = null!;

    public Task InitializeAsync()
    {
        _app = HeadlessApp.Sqlite(
            new Dictionary<string, string?> { [SecretSetting] = Secret },
            services => services.AddSingleton<IPaymentEventSink>(_sink));
        _http = _app.CreateClient();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _app.DisposeAsync();
    }

    [Fact]
    public async Task A_signed_amount_capturable_updated_is_applied_and_acknowledged()
    {
        var payload = Event("evt_capturable", "payment_intent.amount_capturable_updated", PaymentIntent("pi_1", amountCapturable: 12_345));

        var response = await PostAsync(payload, Sign(payload));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("""{"received":true}""", await response.Content.ReadAsStringAsync());
        var applied = Assert.Single(_sink.Events);
        Assert.Equal(
            new PaymentEvent(PaymentEventKind.AmountCapturableUpdated, "stripe", "pi_1", "usd", 12_345, AmountCapturable: 12_345, AmountReceived: 0, OrderNumber: "HX-1001"),
            applied);
        Assert.Equal(["evt_capturable"], await RecordedEventIdsAsync());
    }

    [Fact]
    public async Task Payment_failed_carries_the_decline_code_and_a_safe_message()
    {
        var intent = PaymentIntent("pi_2", status: "requires_payment_method");
        intent["last_payment_error"] = new JsonObject
        {
            ["type"] = "card_error",
            ["code"] = "card_declined",
            ["decline_code"] = "insufficient_funds",
            ["message"] = "Your card has insufficient funds.",
        };
        var payload = Event("evt_failed", "payment_intent.payment_failed", intent);

        Assert.Equal(HttpStatusCode.OK, (await PostAsync(payload, Sign(payload))).StatusCode);

        var applied = Assert.Single(_sink.Events);
        Assert.Equal(PaymentEventKind.PaymentFailed, applied.Kind);
        Assert.Equal("pi_2", applied.PaymentIntentId);
        Assert.Equal("insufficient_funds", applied.FailureCode);
        Assert.Equal("The card has insufficient funds.", applied.FailureMessage);
    }

    [Fact]
    public async Task Canceled_and_charge_refunded_are_mapped()
    {
        var canceledIntent = PaymentIntent("pi_3", status: "canceled");
        canceledIntent["cancellation_reason"] = "automatic";
        var canceled = Event("evt_canceled", "payment_intent.canceled", canceledIntent);
        var refunded = Event("evt_refunded", "charge.refunded", new JsonObject
        {
            ["id"] = "ch_1",
            ["object"] = "charge",
            ["amount"] = 10_000,
            ["amount_captured"] = 10_000,
            ["amount_refunded"] = 2_500,
            ["currency"] = "usd",
            ["payment_intent"] = "pi_3",
            ["refunded"] = false,
            ["status"] = "succeeded",
        });

        Assert.Equal(HttpStatusCode.OK, (await PostAsync(canceled, Sign(canceled))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await PostAsync(refunded, Sign(refunded))).StatusCode);

        Assert.Equal(
            [
                new PaymentEvent(PaymentEventKind.Canceled, "stripe", "pi_3", "usd", 12_345, AmountCapturable: 0, AmountReceived: 0, FailureCode: "automatic", OrderNumber: "HX-1001"),
                new PaymentEvent(PaymentEventKind.Refunded, "stripe", "pi_3", "usd", 10_000, AmountCaptured: 10_000, AmountRefunded: 2_500),
            ],
            _sink.Events);
    }

    [Fact]
    public async Task A_tampered_body_is_rejected_and_changes_nothing()
    {
        var payload = Event("evt_tampered", "payment_intent.amount_capturable_updated", PaymentIntent("pi_4", amountCapturable: 100));
        var signature = Sign(payload);
        var tampered = payload.Replace("\"amount_capturable\":100", "\"amount_capturable\":900", StringComparison.Ordinal);
        Assert.NotEqual(payload, tampered);

        Assert.Equal(HttpStatusCode.BadRequest, (await PostAsync(tampered, signature)).StatusCode);

        Assert.Empty(_sink.Events);
        Assert.Empty(await RecordedEventIdsAsync());
    }

    [Fact]
    public async Task A_signature_with_another_secret_is_rejected()
    {
        var payload = Event("evt_wrong_secret", "payment_intent.canceled", PaymentIntent("pi_5", status: "canceled"));

        Assert.Equal(HttpStatusCode.BadRequest, (await PostAsync(payload, Sign(payload, secret: "whsec_someone_else"))).StatusCode);

        Assert.Empty(_sink.Events);
        Assert.Empty(await RecordedEventIdsAsync());
    }

    [Theory]
    [InlineData(-301)]
    [InlineData(-3600)]
    [InlineData(301)]
    public async Task A_timestamp_outside_the_tolerance_is_rejected(int offsetSeconds)
    {
        var payload = Event("evt_stale", "payment_intent.canceled", PaymentIntent("pi_6", status: "canceled"));

        var response = await PostAsync(payload, Sign(payload, at: DateTimeOffset.UtcNow.AddSeconds(offsetSeconds)));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Empty(_sink.Events);
        Assert.Empty(await RecordedEventIdsAsync());
    }

    [Fact]
    public async Task A_timestamp_inside_the_tolerance_is_accepted()
    {
        var payload = Event("evt_recent", "payment_intent.canceled", PaymentIntent("pi_6b", status: "canceled"));

        var response = await PostAsync(payload, Sign(payload, at: DateTimeOffset.UtcNow.AddSeconds(-240)));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Single(_sink.Events);
    }

    [Fact]
    public async Task A_missing_or_malformed_signature_header_is_rejected()
    {
        var payload = Event("evt_unsigned", "payment_intent.canceled", PaymentIntent("pi_7", status: "canceled"));

        Assert.Equal(HttpStatusCode.BadRequest, (await PostAsync(payload, signature: null)).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await PostAsync(payload, "v1=deadbeef")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await PostAsync(payload, "garbage")).StatusCode);

        Assert.Empty(_sink.Events);
    }

    [Fact]
    public async Task A_body_over_256_KB_is_refused()
    {
        var intent = PaymentIntent("pi_big", amountCapturable: 1);
        intent["description"] = new string('x', 300 * 1024);
        var payload = Event("evt_big", "payment_intent.amount_capturable_updated", intent);

        var response = await PostAsync(payload, Sign(payload));

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Empty(_sink.Events);
    }

    [Fact]
    public async Task An_event_from_another_api_version_is_still_accepted()
    {
        var payload = Event("evt_old_version", "payment_intent.amount_capturable_updated", PaymentIntent("pi_8", amountCapturable: 700), apiVersion: "2020-08-27");

        var response = await PostAsync(payload, Sign(payload));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(700, Assert.Single(_sink.Events).AmountCapturable);
    }

    [Fact]
    public async Task The_same_event_delivered_twice_is_applied_once()
    {
        var payload = Event("evt_twice", "payment_intent.amount_capturable_updated", PaymentIntent("pi_9", amountCapturable: 500));

        Assert.Equal(HttpStatusCode.OK, (await PostAsync(payload, Sign(payload))).StatusCode);
        var again = await PostAsync(payload, Sign(payload, at: DateTimeOffset.UtcNow.AddSeconds(5)));

        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.Equal("""{"received":true}""", await again.Content.ReadAsStringAsync());
        Assert.Single(_sink.Events);
        Assert.Equal(["evt_twice"], await RecordedEventIdsAsync());
    }

    [Fact]
    public async Task Concurrent_deliveries_of_one_event_apply_it_once()
    {
        _sink.Delay = TimeSpan.FromMilliseconds(100);
        var payload = Event("evt_concurrent", "payment_intent.amount_capturable_updated", PaymentIntent("pi_10", amountCapturable: 500));
        var signature = Sign(payload);

        var responses = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() => PostAsync(payload, signature))));

        Assert.All(responses, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        Assert.Single(_sink.Events);
        Assert.Equal(["evt_concurrent"], await RecordedEventIdsAsync());
    }

    [Fact]
    public async Task An_unknown_event_type_is_acknowledged_recorded_and_ignored()
    {
        var payload = Event("evt_unknown", "customer.created", new JsonObject { ["id"] = "cus_1", ["object"] = "customer" });

        var response = await PostAsync(payload, Sign(payload));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("""{"received":true}""", await response.Content.ReadAsStringAsync());
        Assert.Empty(_sink.Events);
        Assert.Equal(["evt_unknown"], await RecordedEventIdsAsync());
    }

    [Fact]
    public async Task An_event_that_fails_to_apply_is_not_recorded_so_a_redelivery_applies_it()
    {
        var payload = Event("evt_retry", "payment_intent.amount_capturable_updated", PaymentIntent("pi_11", amountCapturable: 500));
        _sink.FailNext = true;

        // The sink's exception surfaces as a 500 (or, in the in-memory test server, as the exception itself).
        try
        {
            var failed = await PostAsync(payload, Sign(payload));
            Assert.Equal(HttpStatusCode.InternalServerError, failed.StatusCode);
        }
        catch (InvalidOperationException e) when (e.Message == RecordingSink.FailureMessage)
        {
        }

        Assert.Empty(await RecordedEventIdsAsync());

        Assert.Equal(HttpStatusCode.OK, (await PostAsync(payload, Sign(payload))).StatusCode);
        Assert.Single(_sink.Events);
        Assert.Equal(["evt_retry"], await RecordedEventIdsAsync());
    }

    private Task<HttpResponseMessage> PostAsync(string payload, string? signature) => PostAsync(_http, payload, signature);

    internal static async Task<HttpResponseMessage> PostAsync(HttpClient http, string payload, string? signature)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, Path) { Content = new StringContent(payload, Encoding.UTF8, "application/json") };
        if (signature is not null)
        {
            request.Headers.TryAddWithoutValidation("Stripe-Signature", signature);
        }

        return await http.SendAsync(request);
    }

    private async Task<string[]> RecordedEventIdsAsync()
    {
        await using var db = _app.Database.CreatePlatformContext();
        return await db.Set<StripeEventRecord>().Select(r => r.Id).OrderBy(id => id).ToArrayAsync();
    }

    /// <summary>Stripe's scheme: t=&lt;unix seconds&gt;,v1=&lt;hex HMAC-SHA256 of "{t}.{payload}" keyed with the whole secret&gt;.</summary>
    internal static string Sign(string payload, string secret = Secret, DateTimeOffset? at = null)
    {
        var t = (at ?? DateTimeOffset.UtcNow).ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        var mac = HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes($"{t}.{payload}"));
        return $"t={t},v1={Convert.ToHexStringLower(mac)}";
    }

    internal static string Event(string id, string type, JsonObject dataObject, string? apiVersion = null) =>
        new JsonObject
        {
            ["id"] = id,
            ["object"] = "event",
            ["api_version"] = apiVersion ?? global::Stripe.StripeConfiguration.ApiVersion,
            ["created"] = DateTimeOffset.UtcNow.ToUnixTimeSeconds(),
            ["livemode"] = false,
            ["pending_webhooks"] = 1,
            ["type"] = type,
            ["data"] = new JsonObject { ["object"] = dataObject },
        }.ToJsonString();

    internal static JsonObject PaymentIntent(string id, long amountCapturable = 0, string status = "requires_capture") => new()
    {
        ["id"] = id,
        ["object"] = "payment_intent",
        ["amount"] = 12_345,
        ["amount_capturable"] = amountCapturable,
        ["amount_received"] = 0,
        ["capture_method"] = "manual",
        ["currency"] = "usd",
        ["status"] = status,
        ["metadata"] = new JsonObject { ["order_number"] = "HX-1001" },
    };

    /// <summary>Records what the endpoint applies; can be slowed down, or fail once.</summary>
    internal sealed class RecordingSink : IPaymentEventSink
    {
        public const string FailureMessage = "sink failed on purpose";

        private readonly ConcurrentQueue<PaymentEvent> _events = new();

        public TimeSpan Delay { get; set; }

        public bool FailNext { get; set; }

        public IReadOnlyList<PaymentEvent> Events => _events.ToArray();

        public async Task<PaymentEventOutcome> ApplyAsync(PaymentEvent paymentEvent, CancellationToken ct)
        {
            if (Delay > TimeSpan.Zero)
            {
                await Task.Delay(Delay, ct);
            }

            if (FailNext)
            {
                FailNext = false;
                throw new InvalidOperationException(FailureMessage);
            }

            _events.Enqueue(paymentEvent);
            return PaymentEventOutcome.Applied;
        }
    }
}

/// <summary>
/// On a server database the record's insert holds the event id in an open transaction while the event is
/// applied: two service instances on one PostgreSQL database apply a concurrently delivered event once.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class StripeWebhookPostgresTests(PostgresServer postgres)
{
    [ProviderFact]
    public async Task Concurrent_deliveries_to_two_instances_apply_the_event_once()
    {
        var sink = new StripeWebhookTests.RecordingSink { Delay = TimeSpan.FromMilliseconds(300) };
        await using var app = await HeadlessApp.PostgresAsync(postgres, new Dictionary<string, string?> { [StripeWebhookTests.SecretSetting] = StripeWebhookTests.Secret });
        var first = app.WithWebHostBuilder(b => b.ConfigureTestServices(s => s.AddSingleton<IPaymentEventSink>(sink)));
        var second = app.WithWebHostBuilder(b => b.ConfigureTestServices(s => s.AddSingleton<IPaymentEventSink>(sink)));
        using var firstHttp = first.CreateClient();
        using var secondHttp = second.CreateClient();

        var payload = StripeWebhookTests.Event("evt_pg_concurrent", "payment_intent.amount_capturable_updated", StripeWebhookTests.PaymentIntent("pi_pg", amountCapturable: 500));
        var signature = StripeWebhookTests.Sign(payload);
        var responses = await Task.WhenAll(Enumerable.Range(0, 6).Select(i =>
            Task.Run(() => StripeWebhookTests.PostAsync(i % 2 == 0 ? firstHttp : secondHttp, payload, signature))));

        Assert.All(responses, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        Assert.Single(sink.Events);
        await using var db = first.Services.GetRequiredService<HeadlessDatabase>().CreatePlatformContext();
        Assert.Equal(1, await db.Set<StripeEventRecord>().CountAsync(r => r.Id == "evt_pg_concurrent"));
    }

    [ProviderFact]
    public async Task An_event_that_fails_to_apply_rolls_its_record_back()
    {
        var sink = new StripeWebhookTests.RecordingSink { FailNext = true };
        await using var app = await HeadlessApp.PostgresAsync(postgres, new Dictionary<string, string?> { [StripeWebhookTests.SecretSetting] = StripeWebhookTests.Secret });
        var instance = app.WithWebHostBuilder(b => b.ConfigureTestServices(s => s.AddSingleton<IPaymentEventSink>(sink)));
        using var http = instance.CreateClient();
        var payload = StripeWebhookTests.Event("evt_pg_retry", "payment_intent.canceled", StripeWebhookTests.PaymentIntent("pi_pg_retry", status: "canceled"));

        try
        {
            var failed = await StripeWebhookTests.PostAsync(http, payload, StripeWebhookTests.Sign(payload));
            Assert.Equal(HttpStatusCode.InternalServerError, failed.StatusCode);
        }
        catch (InvalidOperationException e) when (e.Message == StripeWebhookTests.RecordingSink.FailureMessage)
        {
        }

        await using (var db = instance.Services.GetRequiredService<HeadlessDatabase>().CreatePlatformContext())
        {
            Assert.False(await db.Set<StripeEventRecord>().AnyAsync(r => r.Id == "evt_pg_retry"));
        }

        Assert.Equal(HttpStatusCode.OK, (await StripeWebhookTests.PostAsync(http, payload, StripeWebhookTests.Sign(payload))).StatusCode);
        Assert.Single(sink.Events);
    }
}
