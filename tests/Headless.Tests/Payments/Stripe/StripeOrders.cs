using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using Headless.Orders;
using Headless.Payments.Stripe;
using Headless.Shared;
using Headless.Tests.Infrastructure;
using Headless.Tests.Partners;
using Microsoft.EntityFrameworkCore;

namespace Headless.Tests.Payments.Stripe;

/// <summary>An order as the payment side sees it: its PaymentIntent at the gateway that authorized it.</summary>
public sealed record PaidOrder(CallbackOrder Callback, long Id, long OrganizationId, string Number, string Gateway, string PaymentIntentId, string Currency, long Total)
{
    public long Amount(int line) => Callback.Lines[line].Amount;
}

/// <summary>
/// Orders paid through the fake Stripe API (or the sandbox), and signed Stripe events about them, for tests that go
/// through checkout, the partner callbacks that decide the capture, and POST /webhooks/stripe.
/// </summary>
public static class StripeOrders
{
    /// <summary>Settings for an app whose active gateway is the fake Stripe API; with no fake, the sandbox is active.</summary>
    public static Dictionary<string, string?> Settings(FakeStripeServer? stripe)
    {
        var settings = new Dictionary<string, string?> { [StripeWebhookTests.SecretSetting] = StripeWebhookTests.Secret };
        if (stripe is not null)
        {
            settings["Headless:Payments:Stripe:SecretKey"] = "sk_test_fake_0123456789";
            settings["Headless:Payments:Stripe:ApiBase"] = stripe.BaseUrl;
        }

        return settings;
    }

    public static async Task<PaidOrder> CheckoutAsync(HeadlessApp app, CartFixture f, IReadOnlyList<string> offerings, string key, int skipPatients = 0)
    {
        var callback = await PartnerCallbacks.CheckoutAsync(app, f, offerings, key, skipPatients);
        Assert.True(Order.TryParseNumber(callback.Number, out var id));
        await using var db = app.Database.CreatePlatformContext();
        var order = await db.Orders.IgnoreQueryFilters().AsNoTracking().SingleAsync(o => o.Id == id);
        return new PaidOrder(callback, order.Id, order.OrganizationId, order.Number, order.Gateway!, order.PaymentIntentId!, order.Currency, order.Total);
    }

    /// <summary>Every line accepted by its pharmacy (or the first rejected): the capture policy captures at once.</summary>
    public static async Task DecideAsync(HeadlessApp app, HttpClient http, PaidOrder order, bool rejectFirst = false)
    {
        for (var i = 0; i < order.Callback.Lines.Count; i++)
        {
            var (status, _) = rejectFirst && i == 0
                ? await PartnerCallbacks.SendAsync(app, http, order.Callback, order.Callback.Lines[i], "line.rejected", app.Clock.GetUtcNow(), new { reasonCode = "OUT_OF_STOCK", fixable = false })
                : await PartnerCallbacks.SendAsync(app, http, order.Callback, order.Callback.Lines[i], "line.received", app.Clock.GetUtcNow());
            Assert.Equal(HttpStatusCode.OK, status);
        }
    }

    /// <summary>Everything about the order's money and its lines' payment, including the row versions: equal snapshots mean nothing changed.</summary>
    public static async Task<string> SnapshotAsync(HeadlessApp app, long orderId)
    {
        await using var db = app.Database.CreatePlatformContext();
        var o = await db.Orders.IgnoreQueryFilters().AsNoTracking().Include(x => x.Lines).SingleAsync(x => x.Id == orderId);
        var lines = string.Join(";", o.Lines.OrderBy(l => l.Position).Select(l => $"{l.Status.ToWire()}/{l.PaymentStatus.ToWire()}/{l.CapturedAmount}/{l.RefundedAmount}/{l.Sequence}"));
        return $"{o.Status.ToWire()}|{o.PaymentStatus.ToWire()}|{o.Total}|{o.CapturedAmount}|{o.RefundedAmount}|{o.PaymentIntentId}|{o.Version}|{lines}";
    }

    public static async Task<StripeEventRecord?> RecordAsync(HeadlessApp app, string eventId)
    {
        await using var db = app.Database.CreatePlatformContext();
        return await db.Set<StripeEventRecord>().AsNoTracking().SingleOrDefaultAsync(r => r.Id == eventId);
    }

    public static async Task<int> RecordCountAsync(HeadlessApp app)
    {
        await using var db = app.Database.CreatePlatformContext();
        return await db.Set<StripeEventRecord>().CountAsync();
    }

    /// <summary>Signs and posts an event; returns the status and body.</summary>
    public static async Task<(HttpStatusCode Status, string Body)> PostAsync(HttpClient http, string payload)
    {
        using var response = await StripeWebhookTests.PostAsync(http, payload, StripeWebhookTests.Sign(payload));
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    /// <summary>A PaymentIntent as Stripe renders it for this order (amounts, currency and metadata as we created it).</summary>
    public static JsonObject Intent(PaidOrder order, string status = "requires_capture", long? capturable = null, long received = 0) => new()
    {
        ["id"] = order.PaymentIntentId,
        ["object"] = "payment_intent",
        ["amount"] = order.Total,
        ["amount_capturable"] = capturable ?? (status == "requires_capture" ? order.Total : 0),
        ["amount_received"] = received,
        ["capture_method"] = "manual",
        ["currency"] = order.Currency.ToLowerInvariant(),
        ["status"] = status,
        ["metadata"] = Metadata(order),
    };

    /// <summary>The order's charge after a capture of <paramref name="captured"/> and refunds totalling <paramref name="refunded"/>.</summary>
    public static JsonObject Charge(PaidOrder order, long captured, long refunded) => new()
    {
        ["id"] = "ch_" + order.PaymentIntentId.Replace("pi_", "", StringComparison.Ordinal),
        ["object"] = "charge",
        ["amount"] = order.Total,
        ["amount_captured"] = captured,
        ["amount_refunded"] = refunded,
        ["captured"] = captured > 0,
        ["currency"] = order.Currency.ToLowerInvariant(),
        ["payment_intent"] = order.PaymentIntentId,
        ["refunded"] = refunded >= captured && captured > 0,
        ["status"] = "succeeded",
        ["metadata"] = Metadata(order),
    };

    public static JsonObject Metadata(PaidOrder order) => new()
    {
        ["order_number"] = order.Number,
        ["organization_id"] = order.OrganizationId.ToString(CultureInfo.InvariantCulture),
    };

    public static string NewEventId() => "evt_" + Guid.NewGuid().ToString("N");
}
