using System.Net;
using System.Text.Json.Nodes;
using Headless.Data;
using Headless.Payments;
using Headless.Tests.Checkout;
using Headless.Tests.Infrastructure;
using static Headless.Tests.Payments.Stripe.StripeOrders;

namespace Headless.Tests.Payments.Stripe;

/// <summary>
/// Signed Stripe events against real orders, through checkout on the fake Stripe API, the partner callbacks that
/// decide the capture, and POST /webhooks/stripe: an event applies only when it matches the order; anything else is
/// acknowledged, recorded with its reason, and changes nothing.
/// </summary>
public abstract class StripePaymentEventTests(DatabaseProvider provider, PostgresServer? postgres) : IAsyncLifetime
{
    private FakeStripeServer _stripe = null!;
    private HeadlessApp? _app;
    private CartFixture _f = null!;
    private HttpClient _http = null!;

    private HeadlessApp App => _app ?? throw new InvalidOperationException("No app: PostgreSQL is unavailable here. " + PostgresServer.SkipReason);

    public async Task InitializeAsync()
    {
        _stripe = await FakeStripeServer.StartAsync();
        _app = await HeadlessApp.CreateAsync(provider, postgres, Settings(_stripe));
        if (_app is not null)
        {
            _f = await CartData.CreateAsync(_app, 8);
            _http = _app.CreateClient();
        }
    }

    public async Task DisposeAsync()
    {
        _http?.Dispose();
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }

        await _stripe.DisposeAsync();
    }

    private Task<PaidOrder> OrderAsync(string key, params string[] offerings) => CheckoutAsync(App, _f, offerings, key);

    [ProviderFact]
    public async Task A_refund_reported_by_stripe_is_applied_once_and_never_lowered()
    {
        var order = await OrderAsync("refund", _f.Catalog.SemaEast, _f.Catalog.SemaWest);
        Assert.Equal("stripe", order.Gateway);
        await DecideAsync(App, _http, order);
        var captured = order.Total;

        var first = StripeWebhookTests.Event("evt_refund_1", "charge.refunded", Charge(order, captured, 2_500));
        Assert.Equal((HttpStatusCode.OK, """{"received":true}"""), await PostAsync(_http, first));
        var read = await Partners.PartnerCallbacks.ReadOrderAsync(order.Callback.Client, order.Number);
        Assert.Equal(("PARTIALLY_REFUNDED", 2_500L), (read.GetProperty("paymentStatus").GetString(), read.At("refundedAmount.amount").GetInt64()));
        await AssertRecordedAsync("evt_refund_1", PaymentEventResult.Applied, null, order.PaymentIntentId);

        // Redelivered: a duplicate. An older report (less refunded): unchanged. The full refund: applied.
        var afterFirst = await SnapshotAsync(App, order.Id);
        Assert.Equal(HttpStatusCode.OK, (await PostAsync(_http, first)).Status);
        var older = StripeWebhookTests.Event("evt_refund_0", "charge.refunded", Charge(order, captured, 1_000));
        Assert.Equal(HttpStatusCode.OK, (await PostAsync(_http, older)).Status);
        Assert.Equal(afterFirst, await SnapshotAsync(App, order.Id));
        await AssertRecordedAsync("evt_refund_0", PaymentEventResult.Unchanged, null, order.PaymentIntentId);

        var full = StripeWebhookTests.Event("evt_refund_2", "charge.refunded", Charge(order, captured, captured));
        Assert.Equal(HttpStatusCode.OK, (await PostAsync(_http, full)).Status);
        read = await Partners.PartnerCallbacks.ReadOrderAsync(order.Callback.Client, order.Number);
        Assert.Equal(("REFUNDED", captured), (read.GetProperty("paymentStatus").GetString(), read.At("refundedAmount.amount").GetInt64()));
        Assert.Equal(3, await RecordCountAsync(App));
    }

    [ProviderFact]
    public async Task A_refund_that_does_not_match_the_order_is_recorded_with_its_reason_and_changes_nothing()
    {
        var order = await OrderAsync("refund-mismatch", _f.Catalog.SemaEast, _f.Catalog.SemaWest);
        await DecideAsync(App, _http, order);
        var captured = order.Total;
        var cases = new (string Name, Action<JsonObject> Change, string Reason)[]
        {
            ("another currency", c => c["currency"] = "eur", PaymentEventReason.CurrencyMismatch),
            ("another currency and more than was captured", c => { c["currency"] = "eur"; c["amount_refunded"] = captured + 10_000; }, PaymentEventReason.CurrencyMismatch),
            ("more than was captured", c => { c["amount_captured"] = captured + 1; c["amount_refunded"] = captured + 1; }, PaymentEventReason.AmountExceedsCaptured),
            ("more than the charge captured", c => { c["amount_captured"] = 1_000; c["amount_refunded"] = 1_500; }, PaymentEventReason.AmountExceedsCaptured),
            ("another captured amount", c => { c["amount_captured"] = captured - 1; c["amount_refunded"] = 100; }, PaymentEventReason.AmountMismatch),
            ("another authorized amount", c => { c["amount"] = order.Total + 1; c["amount_refunded"] = 100; }, PaymentEventReason.AmountMismatch),
            ("another order's number", c => { c["metadata"]!["order_number"] = "HX-99999"; c["amount_refunded"] = 100; }, PaymentEventReason.OrderMismatch),
            ("another organization", c => { c["metadata"]!["organization_id"] = "987654"; c["amount_refunded"] = 100; }, PaymentEventReason.OrderMismatch),
            ("a PaymentIntent no order has", c => c["payment_intent"] = "pi_nobody_has_this", PaymentEventReason.UnknownPaymentIntent),
            ("a charge without a PaymentIntent", c => c["payment_intent"] = null, PaymentEventReason.NoPaymentIntent),
        };

        var before = await SnapshotAsync(App, order.Id);
        foreach (var (name, change, reason) in cases)
        {
            var charge = Charge(order, captured, 2_500);
            change(charge);
            var id = NewEventId();
            var (status, body) = await PostAsync(_http, StripeWebhookTests.Event(id, "charge.refunded", charge));

            Assert.True(status == HttpStatusCode.OK, $"{name}: {(int)status} {body}");
            Assert.Equal(before, await SnapshotAsync(App, order.Id));
            var record = await RecordAsync(App, id);
            Assert.True(record is { Outcome: PaymentEventResult.Ignored } && record.Reason == reason, $"{name}: {record?.Outcome} {record?.Reason}");
        }

        var read = await Partners.PartnerCallbacks.ReadOrderAsync(order.Callback.Client, order.Number);
        Assert.Equal(("CAPTURED", 0L), (read.GetProperty("paymentStatus").GetString(), read.At("refundedAmount.amount").GetInt64()));
    }

    [ProviderFact]
    public async Task Payment_intent_events_on_an_authorized_order_apply_only_when_they_match()
    {
        var order = await OrderAsync("intent", _f.Catalog.SemaEast, _f.Catalog.SemaWest);
        var cases = new (string Name, string Type, Func<JsonObject> Object, string Result, string? Reason)[]
        {
            ("capturable as authorized", "payment_intent.amount_capturable_updated", () => Intent(order), PaymentEventResult.Unchanged, null),
            ("capturable above the total", "payment_intent.amount_capturable_updated", () => Intent(order, capturable: order.Total + 1), PaymentEventResult.Ignored, PaymentEventReason.AmountExceedsAuthorized),
            ("received above the total", "payment_intent.amount_capturable_updated", () => Intent(order, received: order.Total + 1), PaymentEventResult.Ignored, PaymentEventReason.AmountExceedsAuthorized),
            ("another amount", "payment_intent.amount_capturable_updated", () => With(Intent(order, capturable: order.Total - 1), "amount", order.Total - 1), PaymentEventResult.Ignored, PaymentEventReason.AmountMismatch),
            ("cancelled in another currency", "payment_intent.canceled", () => With(Intent(order, "canceled"), "currency", "gbp"), PaymentEventResult.Ignored, PaymentEventReason.CurrencyMismatch),
            ("cancelled for another order", "payment_intent.canceled", () => With(Intent(order, "canceled"), "metadata", new JsonObject { ["order_number"] = "HX-10999" }), PaymentEventResult.Ignored, PaymentEventReason.OrderMismatch),
            ("cancelled for an amount above the total", "payment_intent.canceled", () => With(Intent(order, "canceled"), "amount", order.Total * 2), PaymentEventResult.Ignored, PaymentEventReason.AmountMismatch),
            ("a failure of an authorized payment", "payment_intent.payment_failed", () => Intent(order, "requires_payment_method", capturable: 0), PaymentEventResult.Ignored, PaymentEventReason.StateMismatch),
            ("a refund before any capture", "charge.refunded", () => Charge(order, 0, 100), PaymentEventResult.Ignored, PaymentEventReason.AmountExceedsCaptured),
            ("a PaymentIntent no order has", "payment_intent.canceled", () => With(Intent(order, "canceled"), "id", "pi_nobody_has_this"), PaymentEventResult.Ignored, PaymentEventReason.UnknownPaymentIntent),
            ("a type the service does not act on", "payment_intent.succeeded", () => Intent(order, "succeeded", capturable: 0, received: order.Total), PaymentEventResult.Ignored, PaymentEventReason.UnhandledEventType),
        };

        var before = await SnapshotAsync(App, order.Id);
        foreach (var (name, type, obj, result, reason) in cases)
        {
            var id = NewEventId();
            var (status, body) = await PostAsync(_http, StripeWebhookTests.Event(id, type, obj()));

            Assert.True(status == HttpStatusCode.OK, $"{name}: {(int)status} {body}");
            Assert.True(before == await SnapshotAsync(App, order.Id), name);
            var record = await RecordAsync(App, id);
            Assert.True(record?.Outcome == result && record.Reason == reason, $"{name}: {record?.Outcome} {record?.Reason}");
        }

        // The hold released at Stripe (it expired): applied; the same news again changes nothing more.
        var canceled = StripeWebhookTests.Event("evt_canceled", "payment_intent.canceled", With(Intent(order, "canceled"), "cancellation_reason", "expired"));
        Assert.Equal(HttpStatusCode.OK, (await PostAsync(_http, canceled)).Status);
        Assert.Equal("CANCELED", (await Partners.PartnerCallbacks.ReadOrderAsync(order.Callback.Client, order.Number)).GetProperty("paymentStatus").GetString());
        await AssertRecordedAsync("evt_canceled", PaymentEventResult.Applied, null, order.PaymentIntentId);
        var afterCancel = await SnapshotAsync(App, order.Id);
        Assert.Equal(HttpStatusCode.OK, (await PostAsync(_http, StripeWebhookTests.Event("evt_canceled_again", "payment_intent.canceled", Intent(order, "canceled")))).Status);
        Assert.Equal(afterCancel, await SnapshotAsync(App, order.Id));
        await AssertRecordedAsync("evt_canceled_again", PaymentEventResult.Unchanged, null, order.PaymentIntentId);
    }

    [ProviderFact]
    public async Task A_cancellation_reported_after_the_capture_is_ignored()
    {
        var order = await OrderAsync("cancel-after-capture", _f.Catalog.SemaEast);
        await DecideAsync(App, _http, order);
        var before = await SnapshotAsync(App, order.Id);

        Assert.Equal(HttpStatusCode.OK, (await PostAsync(_http, StripeWebhookTests.Event("evt_late_cancel", "payment_intent.canceled", Intent(order, "canceled", capturable: 0, received: order.Total)))).Status);

        Assert.Equal(before, await SnapshotAsync(App, order.Id));
        await AssertRecordedAsync("evt_late_cancel", PaymentEventResult.Ignored, PaymentEventReason.StateMismatch, order.PaymentIntentId);
        Assert.Equal("CAPTURED", (await Partners.PartnerCallbacks.ReadOrderAsync(order.Callback.Client, order.Number)).GetProperty("paymentStatus").GetString());
    }

    [ProviderFact]
    public async Task A_declined_order_takes_its_failure_report_and_nothing_that_says_it_was_paid()
    {
        var c = _f.Tenant.Client;
        var cartId = (await c.DataAsync(CartData.Add, new { clinicId = _f.ClinicId, lines = new[] { CartData.GoodLine(_f.Patients[0], _f.Prescriber, _f.Catalog.SemaEast) } })).At("cartLinesAdd.cart.id").GetString();
        var version = (await c.DataAsync(CartData.Validate, new { cartId })).At("cartValidate.cart.version").GetInt32();
        var declined = (await c.DataAsync(CheckoutTests.Checkout, new { input = new { cartId, expectedVersion = version, paymentMethodId = "pm_card_chargeDeclined", idempotencyKey = "declined" } })).GetProperty("cartCheckout");
        Assert.Equal("PAYMENT_FAILED", declined.At("order.status").GetString());
        var number = declined.At("order.number").GetString()!;
        Assert.True(Headless.Orders.Order.TryParseNumber(number, out var orderId));
        var snapshot = await SnapshotAsync(App, orderId);
        var piId = snapshot.Split('|')[5];
        Assert.StartsWith("pi_", piId, StringComparison.Ordinal);
        var order = new PaidOrder(null!, orderId, _f.Tenant.OrganizationId, number, "stripe", piId, "USD", declined.At("order.total.amount").GetInt64());

        var cases = new (string Type, JsonObject Object, string Result, string? Reason)[]
        {
            ("payment_intent.payment_failed", Intent(order, "requires_payment_method", capturable: 0), PaymentEventResult.Unchanged, null),
            ("payment_intent.amount_capturable_updated", Intent(order), PaymentEventResult.Ignored, PaymentEventReason.StateMismatch),
            ("payment_intent.canceled", Intent(order, "canceled", capturable: 0), PaymentEventResult.Unchanged, null),
        };
        foreach (var (type, obj, result, reason) in cases)
        {
            var id = NewEventId();
            Assert.Equal(HttpStatusCode.OK, (await PostAsync(_http, StripeWebhookTests.Event(id, type, obj))).Status);
            Assert.Equal(snapshot, await SnapshotAsync(App, orderId));
            await AssertRecordedAsync(id, result, reason, piId);
        }
    }

    [ProviderFact]
    public async Task In_api_versions_before_basil_a_released_hold_in_amount_refunded_is_not_taken_for_a_refund()
    {
        // One line rejected, one accepted: the capture is partial and the rest of the hold is released.
        var order = await OrderAsync("partial", _f.Catalog.SemaEast, _f.Catalog.SemaWest);
        await DecideAsync(App, _http, order, rejectFirst: true);
        var captured = order.Amount(1);
        var released = order.Total - captured;
        var before = await SnapshotAsync(App, order.Id);
        Assert.Contains($"|CAPTURED|{order.Total}|{captured}|0|", before, StringComparison.Ordinal);

        var release = StripeWebhookTests.Event("evt_release", "charge.refunded", Charge(order, captured, released), apiVersion: "2024-06-20");
        Assert.Equal(HttpStatusCode.OK, (await PostAsync(_http, release)).Status);
        Assert.Equal(before, await SnapshotAsync(App, order.Id));
        await AssertRecordedAsync("evt_release", PaymentEventResult.Unchanged, null, order.PaymentIntentId);

        var refund = StripeWebhookTests.Event("evt_old_refund", "charge.refunded", Charge(order, captured, released + 700), apiVersion: "2024-06-20");
        Assert.Equal(HttpStatusCode.OK, (await PostAsync(_http, refund)).Status);
        Assert.Equal(700, (await Partners.PartnerCallbacks.ReadOrderAsync(order.Callback.Client, order.Number)).At("refundedAmount.amount").GetInt64());

        // In the SDK's own version amount_refunded is refunds only.
        var current = StripeWebhookTests.Event("evt_new_refund", "charge.refunded", Charge(order, captured, 900));
        Assert.Equal(HttpStatusCode.OK, (await PostAsync(_http, current)).Status);
        Assert.Equal(900, (await Partners.PartnerCallbacks.ReadOrderAsync(order.Callback.Client, order.Number)).At("refundedAmount.amount").GetInt64());
    }

    [ProviderFact]
    public async Task Stripe_events_for_an_order_paid_through_the_sandbox_change_nothing()
    {
        await using var sandboxApp = (await HeadlessApp.CreateAsync(provider, postgres, Settings(stripe: null)))!;
        using var http = sandboxApp.CreateClient();
        var f = await CartData.CreateAsync(sandboxApp, 2);
        var order = await CheckoutAsync(sandboxApp, f, [f.Catalog.SemaEast, f.Catalog.SemaWest], "sandbox");
        Assert.Equal("sandbox", order.Gateway);
        Assert.StartsWith("pi_sandbox_", order.PaymentIntentId, StringComparison.Ordinal);
        await DecideAsync(sandboxApp, http, order);
        var before = await SnapshotAsync(sandboxApp, order.Id);

        // Each of these would apply to a Stripe order in this state, or be accepted as unchanged.
        var events = new (string Type, JsonObject Object)[]
        {
            ("charge.refunded", Charge(order, order.Total, 1_000)),
            ("charge.refunded", Charge(order, order.Total, order.Total)),
            ("payment_intent.canceled", Intent(order, "canceled", capturable: 0, received: order.Total)),
            ("payment_intent.amount_capturable_updated", Intent(order)),
            ("payment_intent.payment_failed", Intent(order, "requires_payment_method", capturable: 0)),
        };
        foreach (var (type, obj) in events)
        {
            var id = NewEventId();
            Assert.Equal(HttpStatusCode.OK, (await PostAsync(http, StripeWebhookTests.Event(id, type, obj))).Status);
            Assert.Equal(before, await SnapshotAsync(sandboxApp, order.Id));
            var record = await RecordAsync(sandboxApp, id);
            Assert.True(record is { Outcome: PaymentEventResult.Ignored, Reason: PaymentEventReason.GatewayMismatch }, $"{type}: {record?.Outcome} {record?.Reason}");
        }

        var read = await Partners.PartnerCallbacks.ReadOrderAsync(order.Callback.Client, order.Number);
        Assert.Equal(("CAPTURED", 0L), (read.GetProperty("paymentStatus").GetString(), read.At("refundedAmount.amount").GetInt64()));
    }

    private async Task AssertRecordedAsync(string eventId, string result, string? reason, string? paymentIntentId)
    {
        var record = await RecordAsync(App, eventId);
        Assert.NotNull(record);
        Assert.Equal((result, reason, paymentIntentId), (record.Outcome, record.Reason, record.PaymentIntentId));
    }

    private static JsonObject With(JsonObject obj, string property, JsonNode? value)
    {
        obj[property] = value;
        return obj;
    }
}

public sealed class StripePaymentEventTestsOnSqlite() : StripePaymentEventTests(DatabaseProvider.Sqlite, null);

[Collection(PostgresCollection.Name)]
public sealed class StripePaymentEventTestsOnPostgres(PostgresServer postgres) : StripePaymentEventTests(DatabaseProvider.Postgres, postgres);

/// <summary>README's Stripe webhook section names every outcome and reason the endpoint records.</summary>
public sealed class PaymentEventReasonDocsTests
{
    [Fact]
    public void Readme_names_every_outcome_and_reason()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Headless.sln")))
        {
            dir = dir.Parent;
        }

        var readme = File.ReadAllText(Path.Combine(dir!.FullName, "README.md"));
        var section = readme[readme.IndexOf("#### Webhooks: `POST /webhooks/stripe`", StringComparison.Ordinal)..readme.IndexOf("### Duplicate fills from orders", StringComparison.Ordinal)];
        var names = PaymentEventReason.All.Concat([PaymentEventResult.Applied, PaymentEventResult.Unchanged, PaymentEventResult.Ignored]);

        var missing = names.Where(n => !section.Contains($"`{n}`", StringComparison.Ordinal)).ToList();
        Assert.True(missing.Count == 0, string.Join(", ", missing));
    }
}
