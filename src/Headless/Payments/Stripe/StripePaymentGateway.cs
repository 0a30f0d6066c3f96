using System.Globalization;
using Microsoft.Extensions.Options;
using Stripe;

namespace Headless.Payments.Stripe;

/// <summary>
/// The payment gateway on Stripe (Stripe.net): one PaymentIntent per order with manual capture, on the
/// organization's Stripe Customer.
/// <para>
/// Every POST carries the deterministic idempotency key the caller derived from the order or line.
/// Stripe.net would otherwise add a random key per call, which only covers its own retries, not a
/// caller that retries after a crash. Stripe saves the first response to a key (for at least 24 hours)
/// and replays it.
/// </para>
/// <para>
/// A card decline is a result (<see cref="AuthorizationResult.Succeeded"/> false), not an exception. Any
/// other failure (an API or network error, a timeout) is thrown. The caller reads an exception as an
/// unknown outcome and retries with the same key.
/// </para>
/// </summary>
public sealed class StripePaymentGateway(
    IOptions<StripeOptions> options,
    IHttpClientFactory httpClientFactory,
    ILogger<StripePaymentGateway> logger) : IPaymentGateway
{
    /// <summary>The name of the IHttpClientFactory client the gateway uses.</summary>
    public const string HttpClientName = "Stripe";

    public const string GatewayName = "stripe";

    public string Name => GatewayName;

    public async Task<AuthorizationResult> AuthorizeAsync(AuthorizationRequest request, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(request);
        var client = CreateClient();

        // One Customer per organization. The key depends only on the organization, so a retry (or a
        // concurrent first checkout) within Stripe's 24 h key window gets the same customer back.
        var customerId = request.CustomerId;
        if (string.IsNullOrEmpty(customerId))
        {
            var customer = await new CustomerService(client).CreateAsync(
                new CustomerCreateOptions
                {
                    Name = request.OrganizationName,
                    Metadata = new Dictionary<string, string>
                    {
                        ["organization_id"] = request.OrganizationId.ToString(CultureInfo.InvariantCulture),
                    },
                },
                Idempotent(CustomerIdempotencyKey(request.OrganizationId)),
                ct);
            customerId = customer.Id;
        }

        PaymentIntent intent;
        try
        {
            intent = await new PaymentIntentService(client).CreateAsync(
                new PaymentIntentCreateOptions
                {
                    Amount = request.Amount,
                    Currency = request.Currency.ToLowerInvariant(),
                    Customer = customerId,
                    PaymentMethod = request.PaymentMethodId,
                    AllowedPaymentMethodTypes = ["card"], // cards only: no redirect-based method, so no return_url
                    Confirm = true,
                    CaptureMethod = "manual",
                    Metadata = new Dictionary<string, string>
                    {
                        ["order_number"] = request.OrderNumber,
                        ["organization_id"] = request.OrganizationId.ToString(CultureInfo.InvariantCulture),
                    },
                },
                Idempotent(request.IdempotencyKey),
                ct);
        }
        catch (StripeException e) when (e.StripeError?.Type == "card_error")
        {
            var code = e.StripeError.DeclineCode ?? e.StripeError.Code ?? "card_declined";
            logger.LogInformation("Stripe declined the authorization for order {OrderNumber}: {DeclineCode}.", request.OrderNumber, code);
            return new AuthorizationResult(false, e.StripeError.PaymentIntent?.Id, customerId, code, DeclineMessages.For(code));
        }

        if (intent.Status == "requires_capture")
        {
            return new AuthorizationResult(true, intent.Id, customerId, null, null);
        }

        // With card-only, off-dashboard confirmation the other outcome is "requires_action" (3-D Secure),
        // which this API cannot complete for the coordinator.
        var declineCode = intent.Status == "requires_action" ? "authentication_required" : intent.LastPaymentError?.DeclineCode ?? intent.LastPaymentError?.Code ?? intent.Status;
        logger.LogWarning("Stripe PaymentIntent {PaymentIntentId} for order {OrderNumber} ended in status {Status}.", intent.Id, request.OrderNumber, intent.Status);
        return new AuthorizationResult(false, intent.Id, customerId, declineCode, DeclineMessages.For(declineCode));
    }

    public async Task<GatewayResult> CaptureAsync(CaptureRequest request, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(request);
        try
        {
            var intent = await new PaymentIntentService(CreateClient()).CaptureAsync(
                request.PaymentIntentId,
                new PaymentIntentCaptureOptions { AmountToCapture = request.Amount },
                Idempotent(request.IdempotencyKey),
                ct);
            return intent.Status == "succeeded"
                ? new GatewayResult(true, null)
                : new GatewayResult(false, $"The payment could not be captured (status {intent.Status}).");
        }
        catch (StripeException e) when (IsPermanentRefusal(e))
        {
            // e.g. the authorization expired (the PaymentIntent is canceled) or was captured already.
            logger.LogWarning("Stripe refused to capture {PaymentIntentId}: {Code}.", request.PaymentIntentId, e.StripeError.Code);
            return new GatewayResult(false, $"The payment could not be captured ({e.StripeError.Code ?? e.StripeError.Type}).");
        }
    }

    public async Task<GatewayResult> CancelAsync(CancelRequest request, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(request);
        try
        {
            var intent = await new PaymentIntentService(CreateClient()).CancelAsync(
                request.PaymentIntentId,
                new PaymentIntentCancelOptions(),
                Idempotent(request.IdempotencyKey),
                ct);
            return intent.Status == "canceled"
                ? new GatewayResult(true, null)
                : new GatewayResult(false, $"The authorization could not be released (status {intent.Status}).");
        }
        catch (StripeException e) when (IsPermanentRefusal(e))
        {
            if (e.StripeError.PaymentIntent?.Status == "canceled")
            {
                return new GatewayResult(true, null); // released already (for instance, the hold expired)
            }

            logger.LogWarning("Stripe refused to cancel {PaymentIntentId}: {Code}.", request.PaymentIntentId, e.StripeError.Code);
            return new GatewayResult(false, $"The authorization could not be released ({e.StripeError.Code ?? e.StripeError.Type}).");
        }
    }

    public async Task<RefundResult> RefundAsync(RefundRequest request, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(request);
        try
        {
            var refund = await new RefundService(CreateClient()).CreateAsync(
                new RefundCreateOptions { PaymentIntent = request.PaymentIntentId, Amount = request.Amount },
                Idempotent(request.IdempotencyKey),
                ct);

            // "pending" and "requires_action" are accepted refunds still on their way; charge.refunded follows.
            return refund.Status is "failed" or "canceled"
                ? new RefundResult(false, refund.Id, $"The refund {refund.Status}.")
                : new RefundResult(true, refund.Id, null);
        }
        catch (StripeException e) when (IsPermanentRefusal(e))
        {
            // e.g. charge_already_refunded, or an amount above what remains refundable.
            logger.LogWarning("Stripe refused to refund {PaymentIntentId}: {Code}.", request.PaymentIntentId, e.StripeError.Code);
            return new RefundResult(false, null, $"The refund was refused ({e.StripeError.Code ?? e.StripeError.Type}).");
        }
    }

    /// <summary>The idempotency key of the organization's customer creation.</summary>
    public static string CustomerIdempotencyKey(long organizationId) =>
        string.Create(CultureInfo.InvariantCulture, $"hx-org-{organizationId}-customer");

    /// <summary>
    /// Stripe answered and said no for good: the request is invalid in the PaymentIntent's current state
    /// (or it was a card error). Retrying with the same key would replay the same answer.
    /// Authentication, rate-limit, idempotency and server errors are not: they are thrown.
    /// </summary>
    private static bool IsPermanentRefusal(StripeException e) =>
        e.StripeError is { Type: "card_error" } ||
        e.StripeError is { Type: "invalid_request_error", Code: "payment_intent_unexpected_state" or "charge_already_refunded" or "charge_already_captured" or "amount_too_large" or "charge_expired_for_capture" or "charge_disputed" };

    private static RequestOptions Idempotent(string key)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(key);
        return new RequestOptions { IdempotencyKey = key };
    }

    // A StripeClient is a thin wrapper; building one per call lets IHttpClientFactory rotate handlers.
    private StripeClient CreateClient()
    {
        var o = options.Value;
        if (!o.Enabled)
        {
            throw new InvalidOperationException($"{StripeOptions.Section}:SecretKey is not set; the Stripe gateway is not available.");
        }

        var http = new SystemNetHttpClient(httpClientFactory.CreateClient(HttpClientName));
        return new StripeClient(o.SecretKey, httpClient: http, apiBase: o.ApiBase.TrimEnd('/'));
    }
}

/// <summary>
/// Messages for a decline code that are safe to show a coordinator: no card details, and no hint of
/// why a card was flagged (Stripe advises a generic message for fraud-related codes).
/// </summary>
internal static class DeclineMessages
{
    public static string For(string? code) => code switch
    {
        "insufficient_funds" => "The card has insufficient funds.",
        "expired_card" => "The card has expired.",
        "incorrect_cvc" or "invalid_cvc" => "The card's security code is incorrect.",
        "incorrect_number" or "invalid_number" => "The card number is incorrect.",
        "invalid_expiry_month" or "invalid_expiry_year" => "The card's expiration date is invalid.",
        "incorrect_zip" => "The card's postal code is incorrect.",
        "processing_error" => "The card could not be processed. Try again.",
        "authentication_required" => "The card requires authentication by the cardholder; use another payment method.",
        "card_velocity_exceeded" or "withdrawal_count_limit_exceeded" => "The card has exceeded its limit.",
        _ => "The card was declined.",
    };
}
