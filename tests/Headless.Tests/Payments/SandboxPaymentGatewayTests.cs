using Headless.Payments;

namespace Headless.Tests.Payments;

/// <summary>
/// Several instances each have their own sandbox in memory, and a pharmacy's deciding callback reaches any of them, so the
/// capture often runs on an instance that did not authorize. The scale-out test found captures failing that way; these
/// hold the sandbox to agreeing across instances.
/// </summary>
public sealed class SandboxPaymentGatewayTests
{
    private static AuthorizationRequest Authorization(string key, long amount, string method = "pm_card_visa") =>
        new(1, "Org", null, amount, "usd", method, key, "HX-10001");

    [Fact]
    public async Task An_intent_authorized_on_one_instance_is_captured_on_another_and_refunded_on_a_third()
    {
        var (a, b, c) = (new SandboxPaymentGateway(), new SandboxPaymentGateway(), new SandboxPaymentGateway());
        var authorized = await a.AuthorizeAsync(Authorization("hx-order-1-authorize", 10_000), default);
        Assert.True(authorized.Succeeded);

        Assert.False((await b.CaptureAsync(new CaptureRequest(authorized.PaymentIntentId!, 10_001, "k1"), default)).Succeeded);
        Assert.True((await b.CaptureAsync(new CaptureRequest(authorized.PaymentIntentId!, 9_000, "k2"), default)).Succeeded);
        Assert.Equal((10_000, 9_000, 0), b.AmountsOf(authorized.PaymentIntentId!));
        Assert.False((await b.CancelAsync(new CancelRequest(authorized.PaymentIntentId!, "k3"), default)).Succeeded);

        Assert.True((await c.RefundAsync(new RefundRequest(authorized.PaymentIntentId!, 1_000, "k4"), default)).Succeeded);
        Assert.False((await c.RefundAsync(new RefundRequest(authorized.PaymentIntentId!, 9_001, "k5"), default)).Succeeded);
    }

    [Fact]
    public async Task The_same_authorization_key_gives_the_same_intent_on_every_instance_and_an_unknown_id_stays_unknown()
    {
        var (a, b) = (new SandboxPaymentGateway(), new SandboxPaymentGateway());
        var first = await a.AuthorizeAsync(Authorization("hx-order-7-authorize", 500), default);
        var again = await b.AuthorizeAsync(Authorization("hx-order-7-authorize", 500), default);
        Assert.Equal(first.PaymentIntentId, again.PaymentIntentId);
        Assert.NotEqual(first.PaymentIntentId, (await a.AuthorizeAsync(Authorization("hx-order-8-authorize", 500), default)).PaymentIntentId);

        var declined = await a.AuthorizeAsync(Authorization("hx-order-9-authorize", 500, "pm_card_chargeDeclined"), default);
        Assert.False(declined.Succeeded);
        Assert.False((await b.CaptureAsync(new CaptureRequest(declined.PaymentIntentId!, 500, "k1"), default)).Succeeded);
        Assert.False((await b.CaptureAsync(new CaptureRequest("pi_sandbox_unknown", 500, "k2"), default)).Succeeded);
        Assert.False((await b.CancelAsync(new CancelRequest("pi_sandbox_x_-5", "k3"), default)).Succeeded);
    }
}
