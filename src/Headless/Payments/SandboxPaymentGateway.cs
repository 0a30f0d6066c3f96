using System.Collections.Concurrent;
using System.Security.Cryptography;

namespace Headless.Payments;

/// <summary>
/// The gateway used when no Stripe key is configured. It behaves like Stripe's test mode for the calls the
/// service makes: payment method tokens decide the outcome (pm_card_visa and pm_card_mastercard succeed,
/// pm_card_chargeDeclined and pm_card_insufficientFunds decline), amounts are checked, and every call is
/// idempotent on its key. State lives in memory: a sandbox, not a ledger.
/// </summary>
public sealed class SandboxPaymentGateway : IPaymentGateway
{
    private static readonly Dictionary<string, (string Code, string Message)> Declines = new(StringComparer.Ordinal)
    {
        ["pm_card_chargeDeclined"] = ("card_declined", "The card was declined."),
        ["pm_card_insufficientFunds"] = ("insufficient_funds", "The card has insufficient funds."),
        ["pm_card_expired"] = ("expired_card", "The card has expired."),
        ["pm_card_incorrectCvc"] = ("incorrect_cvc", "The card's security code is incorrect."),
    };

    private static readonly HashSet<string> Approvals = new(StringComparer.Ordinal)
    {
        "pm_card_visa", "pm_card_visa_debit", "pm_card_mastercard", "pm_card_amex", "pm_card_discover",
    };

    private readonly ConcurrentDictionary<string, object> _byIdempotencyKey = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Intent> _intents = new(StringComparer.Ordinal);

    public string Name => "sandbox";

    /// <summary>PaymentIntents created so far, for tests and diagnostics.</summary>
    public int IntentCount => _intents.Count;

    /// <summary>What a PaymentIntent holds (authorized, captured, refunded), for tests and diagnostics; null for an unknown id.</summary>
    public (long Authorized, long Captured, long Refunded)? AmountsOf(string paymentIntentId) =>
        _intents.TryGetValue(paymentIntentId, out var intent) ? (intent.Authorized, intent.Captured, intent.Refunded) : null;

    public Task<AuthorizationResult> AuthorizeAsync(AuthorizationRequest request, CancellationToken ct) =>
        Task.FromResult((AuthorizationResult)_byIdempotencyKey.GetOrAdd(request.IdempotencyKey, _ => Authorize(request)));

    public Task<GatewayResult> CaptureAsync(CaptureRequest request, CancellationToken ct) =>
        Task.FromResult((GatewayResult)_byIdempotencyKey.GetOrAdd(request.IdempotencyKey, _ => Capture(request)));

    public Task<GatewayResult> CancelAsync(CancelRequest request, CancellationToken ct) =>
        Task.FromResult((GatewayResult)_byIdempotencyKey.GetOrAdd(request.IdempotencyKey, _ => Cancel(request)));

    public Task<RefundResult> RefundAsync(RefundRequest request, CancellationToken ct) =>
        Task.FromResult((RefundResult)_byIdempotencyKey.GetOrAdd(request.IdempotencyKey, _ => Refund(request)));

    private AuthorizationResult Authorize(AuthorizationRequest request)
    {
        var customer = request.CustomerId ?? "cus_sandbox_" + request.OrganizationId;
        if (request.Amount <= 0)
        {
            return new AuthorizationResult(false, null, customer, "amount_too_small", "The amount must be positive.");
        }

        var id = "pi_sandbox_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12));
        if (Declines.TryGetValue(request.PaymentMethodId, out var decline))
        {
            _intents[id] = new Intent(request.Amount, "requires_payment_method");
            return new AuthorizationResult(false, id, customer, decline.Code, decline.Message);
        }

        if (!Approvals.Contains(request.PaymentMethodId))
        {
            return new AuthorizationResult(false, null, customer, "payment_method_invalid", "The payment method is unknown. In the sandbox use pm_card_visa (or pm_card_chargeDeclined to test a decline).");
        }

        _intents[id] = new Intent(request.Amount, "requires_capture");
        return new AuthorizationResult(true, id, customer, null, null);
    }

    private GatewayResult Capture(CaptureRequest request)
    {
        if (!_intents.TryGetValue(request.PaymentIntentId, out var intent) || intent.Status != "requires_capture")
        {
            return new GatewayResult(false, "The payment cannot be captured.");
        }

        if (request.Amount <= 0 || request.Amount > intent.Authorized)
        {
            return new GatewayResult(false, "The capture amount must be positive and at most the authorized amount.");
        }

        _intents[request.PaymentIntentId] = intent with { Status = "succeeded", Captured = request.Amount };
        return new GatewayResult(true, null);
    }

    private GatewayResult Cancel(CancelRequest request)
    {
        if (!_intents.TryGetValue(request.PaymentIntentId, out var intent) || intent.Status is "succeeded" or "canceled")
        {
            return new GatewayResult(false, "The payment cannot be canceled.");
        }

        _intents[request.PaymentIntentId] = intent with { Status = "canceled" };
        return new GatewayResult(true, null);
    }

    private RefundResult Refund(RefundRequest request)
    {
        if (!_intents.TryGetValue(request.PaymentIntentId, out var intent) || intent.Status != "succeeded")
        {
            return new RefundResult(false, null, "Only a captured payment can be refunded.");
        }

        if (request.Amount <= 0 || request.Amount > intent.Captured - intent.Refunded)
        {
            return new RefundResult(false, null, "The refund exceeds what is left of the captured amount.");
        }

        _intents[request.PaymentIntentId] = intent with { Refunded = intent.Refunded + request.Amount };
        return new RefundResult(true, "re_sandbox_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12)), null);
    }

    private sealed record Intent(long Authorized, string Status, long Captured = 0, long Refunded = 0);
}

/// <summary>The gateway new orders use, and the gateway an existing order was authorized with.</summary>
public sealed class PaymentGateways(IEnumerable<IPaymentGateway> gateways, ActivePaymentGateway active)
{
    private readonly Dictionary<string, IPaymentGateway> _byName = gateways.ToDictionary(g => g.Name, StringComparer.Ordinal);

    public IPaymentGateway Active => _byName[active.Name];

    public IPaymentGateway For(string name) =>
        _byName.TryGetValue(name, out var gateway) ? gateway : throw new InvalidOperationException($"Payment gateway '{name}' is not configured.");
}

/// <summary>The name of the gateway new orders use: "stripe" when a Stripe key is configured, else "sandbox".</summary>
public sealed record ActivePaymentGateway(string Name);
