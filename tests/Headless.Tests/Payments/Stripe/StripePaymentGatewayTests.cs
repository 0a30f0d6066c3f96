using Headless.Payments;
using Headless.Payments.Stripe;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using StripeException = global::Stripe.StripeException;

namespace Headless.Tests.Payments.Stripe;

/// <summary>The Stripe gateway against a local fake of the Stripe API: what it sends, and how it reads the answers.</summary>
public sealed class StripePaymentGatewayTests : IAsyncLifetime
{
    private const string SecretKey = "sk_test_fake_0123456789";

    private FakeStripeServer _stripe = null!;
    private ServiceProvider _services = null!;
    private StripePaymentGateway _gateway = null!;

    public async Task InitializeAsync()
    {
        _stripe = await FakeStripeServer.StartAsync();
        _services = new ServiceCollection().AddHttpClient().BuildServiceProvider();
        _gateway = Gateway(new StripeOptions { SecretKey = SecretKey, ApiBase = _stripe.BaseUrl });
    }

    public async Task DisposeAsync()
    {
        await _services.DisposeAsync();
        await _stripe.DisposeAsync();
    }

    private StripePaymentGateway Gateway(StripeOptions options) =>
        new(Options.Create(options), _services.GetRequiredService<IHttpClientFactory>(), NullLogger<StripePaymentGateway>.Instance);

    private static AuthorizationRequest Authorization(
        string? customerId = null,
        string paymentMethod = "pm_card_visa",
        string key = "order:1001:authorize:v1",
        long organizationId = 42,
        long amount = 12_345) =>
        new(organizationId, "Acme Telehealth", customerId, amount, "USD", paymentMethod, key, "HX-1001");

    [Fact]
    public async Task Authorize_creates_the_customer_and_a_manual_capture_intent_with_the_callers_key()
    {
        var result = await _gateway.AuthorizeAsync(Authorization(), CancellationToken.None);

        Assert.True(result.Succeeded);
        Assert.StartsWith("pi_", result.PaymentIntentId, StringComparison.Ordinal);
        Assert.StartsWith("cus_", result.CustomerId, StringComparison.Ordinal);
        Assert.Null(result.DeclineCode);
        Assert.Equal("stripe", _gateway.Name);

        var customer = Assert.Single(_stripe.RequestsTo("/v1/customers"));
        Assert.Equal("hx-org-42-customer", customer.IdempotencyKey);
        Assert.Equal("42", customer.Form["metadata[organization_id]"]);
        Assert.Equal("Acme Telehealth", customer.Form["name"]);
        Assert.Equal($"Bearer {SecretKey}", customer.Authorization);

        var create = Assert.Single(_stripe.RequestsTo("/v1/payment_intents"));
        Assert.Equal("order:1001:authorize:v1", create.IdempotencyKey);
        Assert.Equal($"Bearer {SecretKey}", create.Authorization);
        Assert.Equal("12345", create.Form["amount"]);
        Assert.Equal("usd", create.Form["currency"]);
        Assert.Equal("manual", create.Form["capture_method"]);
        Assert.Equal("true", create.Form["confirm"]);
        Assert.Equal(result.CustomerId, create.Form["customer"]);
        Assert.Equal("pm_card_visa", create.Form["payment_method"]);
        Assert.Equal("HX-1001", create.Form["metadata[order_number]"]);
        Assert.Equal("card", create.Form["allowed_payment_method_types[0]"]);
        Assert.DoesNotContain(create.Form.Keys, k => k.StartsWith("automatic_payment_methods", StringComparison.Ordinal));

        Assert.Equal("requires_capture", _stripe.Intent(result.PaymentIntentId!)!["status"]!.GetValue<string>());
    }

    [Fact]
    public async Task Authorize_reuses_the_stored_customer()
    {
        var result = await _gateway.AuthorizeAsync(Authorization(customerId: "cus_stored"), CancellationToken.None);

        Assert.True(result.Succeeded);
        Assert.Equal("cus_stored", result.CustomerId);
        Assert.Empty(_stripe.RequestsTo("/v1/customers"));
        Assert.Equal("cus_stored", Assert.Single(_stripe.RequestsTo("/v1/payment_intents")).Form["customer"]);
    }

    [Fact]
    public async Task A_customer_is_created_once_per_organization_even_before_its_id_is_stored()
    {
        var first = await _gateway.AuthorizeAsync(Authorization(key: "order:1:authorize:v1"), CancellationToken.None);
        var second = await _gateway.AuthorizeAsync(Authorization(key: "order:2:authorize:v1"), CancellationToken.None);
        var otherOrg = await _gateway.AuthorizeAsync(Authorization(key: "order:3:authorize:v1", organizationId: 7), CancellationToken.None);

        Assert.Equal(first.CustomerId, second.CustomerId);
        Assert.NotEqual(first.CustomerId, otherOrg.CustomerId);
        Assert.Equal(
            ["hx-org-42-customer", "hx-org-42-customer", "hx-org-7-customer"],
            _stripe.RequestsTo("/v1/customers").Select(r => r.IdempotencyKey));
    }

    [Fact]
    public async Task A_retried_authorization_sends_the_same_key_and_gets_the_same_intent()
    {
        var first = await _gateway.AuthorizeAsync(Authorization(customerId: "cus_stored"), CancellationToken.None);
        var retry = await _gateway.AuthorizeAsync(Authorization(customerId: "cus_stored"), CancellationToken.None);

        Assert.Equal(first.PaymentIntentId, retry.PaymentIntentId);
        var creates = _stripe.RequestsTo("/v1/payment_intents");
        Assert.Equal(2, creates.Count);
        Assert.All(creates, r => Assert.Equal("order:1001:authorize:v1", r.IdempotencyKey));
    }

    [Theory]
    [InlineData("pm_card_chargeDeclined", "generic_decline", "The card was declined.")]
    [InlineData("pm_card_chargeDeclinedInsufficientFunds", "insufficient_funds", "The card has insufficient funds.")]
    [InlineData("pm_card_chargeDeclinedExpiredCard", "expired_card", "The card has expired.")]
    public async Task A_decline_is_a_result_with_its_code_not_an_exception(string paymentMethod, string declineCode, string message)
    {
        var result = await _gateway.AuthorizeAsync(Authorization(customerId: "cus_stored", paymentMethod: paymentMethod), CancellationToken.None);

        Assert.False(result.Succeeded);
        Assert.Equal(declineCode, result.DeclineCode);
        Assert.Equal(message, result.FailureMessage);
        Assert.Equal("cus_stored", result.CustomerId);
        Assert.StartsWith("pi_", result.PaymentIntentId, StringComparison.Ordinal);
        Assert.DoesNotContain("pm_", result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_api_error_that_is_not_a_decline_is_thrown()
    {
        var e = await Assert.ThrowsAsync<StripeException>(() =>
            _gateway.AuthorizeAsync(Authorization(customerId: "cus_stored", paymentMethod: FakeStripeServer.MissingPaymentMethod), CancellationToken.None));

        Assert.Equal("invalid_request_error", e.StripeError.Type);
    }

    [Fact]
    public async Task A_key_reused_with_other_parameters_is_thrown()
    {
        await _gateway.AuthorizeAsync(Authorization(customerId: "cus_stored"), CancellationToken.None);

        var e = await Assert.ThrowsAsync<StripeException>(() =>
            _gateway.AuthorizeAsync(Authorization(customerId: "cus_stored", amount: 1), CancellationToken.None));

        Assert.Equal("idempotency_error", e.StripeError.Type);
    }

    [Fact]
    public async Task Capture_sends_the_amount_to_capture_and_its_key()
    {
        var authorized = await _gateway.AuthorizeAsync(Authorization(customerId: "cus_stored"), CancellationToken.None);

        var result = await _gateway.CaptureAsync(new CaptureRequest(authorized.PaymentIntentId!, 10_000, "order:1001:capture:v1"), CancellationToken.None);

        Assert.True(result.Succeeded);
        var capture = Assert.Single(_stripe.RequestsTo($"/v1/payment_intents/{authorized.PaymentIntentId}/capture"));
        Assert.Equal("10000", capture.Form["amount_to_capture"]);
        Assert.Equal("order:1001:capture:v1", capture.IdempotencyKey);
        Assert.Equal(10_000, _stripe.Intent(authorized.PaymentIntentId!)!["amount_received"]!.GetValue<long>());
    }

    [Fact]
    public async Task A_retried_capture_replays_and_a_second_capture_is_refused()
    {
        var authorized = await _gateway.AuthorizeAsync(Authorization(customerId: "cus_stored"), CancellationToken.None);
        var request = new CaptureRequest(authorized.PaymentIntentId!, 10_000, "order:1001:capture:v1");

        Assert.True((await _gateway.CaptureAsync(request, CancellationToken.None)).Succeeded);
        Assert.True((await _gateway.CaptureAsync(request, CancellationToken.None)).Succeeded);

        var again = await _gateway.CaptureAsync(request with { IdempotencyKey = "order:1001:capture:v2" }, CancellationToken.None);
        Assert.False(again.Succeeded);
        Assert.Contains("payment_intent_unexpected_state", again.FailureMessage, StringComparison.Ordinal);
        Assert.Equal(10_000, _stripe.Intent(authorized.PaymentIntentId!)!["amount_received"]!.GetValue<long>());
    }

    [Fact]
    public async Task Cancel_releases_the_authorization_with_its_key()
    {
        var authorized = await _gateway.AuthorizeAsync(Authorization(customerId: "cus_stored"), CancellationToken.None);

        var result = await _gateway.CancelAsync(new CancelRequest(authorized.PaymentIntentId!, "order:1001:cancel:v1"), CancellationToken.None);

        Assert.True(result.Succeeded);
        var cancel = Assert.Single(_stripe.RequestsTo($"/v1/payment_intents/{authorized.PaymentIntentId}/cancel"));
        Assert.Equal("order:1001:cancel:v1", cancel.IdempotencyKey);
        Assert.Equal("canceled", _stripe.Intent(authorized.PaymentIntentId!)!["status"]!.GetValue<string>());

        // Released already (say, by a retry under another key): still released.
        var again = await _gateway.CancelAsync(new CancelRequest(authorized.PaymentIntentId!, "order:1001:cancel:v2"), CancellationToken.None);
        Assert.True(again.Succeeded);
    }

    [Fact]
    public async Task Refund_sends_the_payment_intent_the_amount_and_its_key()
    {
        var authorized = await _gateway.AuthorizeAsync(Authorization(customerId: "cus_stored"), CancellationToken.None);
        await _gateway.CaptureAsync(new CaptureRequest(authorized.PaymentIntentId!, 10_000, "order:1001:capture:v1"), CancellationToken.None);

        var result = await _gateway.RefundAsync(new RefundRequest(authorized.PaymentIntentId!, 2_500, "line:77:refund:v1"), CancellationToken.None);

        Assert.True(result.Succeeded);
        Assert.StartsWith("re_", result.RefundId, StringComparison.Ordinal);
        var refund = Assert.Single(_stripe.RequestsTo("/v1/refunds"));
        Assert.Equal(authorized.PaymentIntentId, refund.Form["payment_intent"]);
        Assert.Equal("2500", refund.Form["amount"]);
        Assert.Equal("line:77:refund:v1", refund.IdempotencyKey);

        // A retry is the same refund; more than what remains is refused, not thrown.
        var retry = await _gateway.RefundAsync(new RefundRequest(authorized.PaymentIntentId!, 2_500, "line:77:refund:v1"), CancellationToken.None);
        Assert.Equal(result.RefundId, retry.RefundId);
        var tooMuch = await _gateway.RefundAsync(new RefundRequest(authorized.PaymentIntentId!, 9_000, "line:78:refund:v1"), CancellationToken.None);
        Assert.False(tooMuch.Succeeded);
    }

    [Fact]
    public async Task Every_post_carries_the_key_it_was_given()
    {
        var authorized = await _gateway.AuthorizeAsync(Authorization(), CancellationToken.None);
        await _gateway.CaptureAsync(new CaptureRequest(authorized.PaymentIntentId!, 5_000, "k-capture"), CancellationToken.None);
        await _gateway.RefundAsync(new RefundRequest(authorized.PaymentIntentId!, 1_000, "k-refund"), CancellationToken.None);

        Assert.Equal(
            ["hx-org-42-customer", "order:1001:authorize:v1", "k-capture", "k-refund"],
            _stripe.Requests.Select(r => r.IdempotencyKey));
    }

    [Fact]
    public async Task Without_a_secret_key_the_gateway_refuses_to_run()
    {
        var gateway = Gateway(new StripeOptions { ApiBase = _stripe.BaseUrl });

        await Assert.ThrowsAsync<InvalidOperationException>(() => gateway.AuthorizeAsync(Authorization(), CancellationToken.None));
        Assert.Empty(_stripe.Requests);
    }

    [Fact]
    public async Task AddStripePayments_binds_the_settings_and_registers_the_gateway()
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Headless:Payments:Stripe:SecretKey"] = SecretKey,
                ["Headless:Payments:Stripe:ApiBase"] = _stripe.BaseUrl,
                ["Headless:Payments:Stripe:WebhookToleranceSeconds"] = "120",
            })
            .Build();
        await using var services = new ServiceCollection()
            .AddLogging()
            .AddSingleton<IConfiguration>(configuration)
            .AddStripePayments()
            .BuildServiceProvider();

        var options = services.GetRequiredService<IOptions<StripeOptions>>().Value;
        Assert.True(options.Enabled);
        Assert.Equal(120, options.WebhookToleranceSeconds);
        var gateway = services.GetRequiredService<StripePaymentGateway>();
        Assert.Same(gateway, services.GetRequiredService<StripePaymentGateway>());

        var result = await gateway.AuthorizeAsync(Authorization(customerId: "cus_stored"), CancellationToken.None);
        Assert.True(result.Succeeded);
    }

    [Fact]
    public void Defaults_point_at_stripe_with_a_five_minute_tolerance()
    {
        var options = new StripeOptions();

        Assert.Equal("https://api.stripe.com", options.ApiBase);
        Assert.Equal(300, options.WebhookToleranceSeconds);
        Assert.False(options.Enabled);
    }
}
