using System.Collections.Concurrent;
using System.Security.Cryptography;

namespace Headless.Payments;

/// <summary>
/// The gateway used when no Stripe key is configured. It behaves like Stripe's test mode for the calls the
/// service makes: payment method tokens decide the outcome (pm_card_visa and pm_card_mastercard succeed,
/// pm_card_chargeDeclined and pm_card_insufficientFunds decline), amounts are checked, and every call is
/// idempotent on its key. State lives in memory: a sandbox, not a ledger. An approved PaymentIntent's id is derived from
/// the authorization's idempotency key and carries the authorized amount, so the instances of a deployment agree on it:
/// the capture runs on whichever instance a pharmacy's deciding callback reaches, and an instance that has not seen the
/// intent rebuilds it from its id (authorized, not yet captured; for a refund, captured in full).
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

        var approved = ApprovedIntentId(request.IdempotencyKey, request.Amount);
        _intents[approved] = new Intent(request.Amount, "requires_capture");
        return new AuthorizationResult(true, approved, customer, null, null);
    }

    private GatewayResult Capture(CaptureRequest request)
    {
        if (Find(request.PaymentIntentId, "requires_capture") is not { Status: "requires_capture" } intent)
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
        if (Find(request.PaymentIntentId, "requires_capture") is not { Status: not ("succeeded" or "canceled") } intent)
        {
            return new GatewayResult(false, "The payment cannot be canceled.");
        }

        _intents[request.PaymentIntentId] = intent with { Status = "canceled" };
        return new GatewayResult(true, null);
    }

    private RefundResult Refund(RefundRequest request)
    {
        if (Find(request.PaymentIntentId, "succeeded") is not { Status: "succeeded" } intent)
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

    private const string ApprovedPrefix = "pi_sandbox_";

    private static string ApprovedIntentId(string idempotencyKey, long amount) =>
        $"{ApprovedPrefix}{Convert.ToHexStringLower(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(idempotencyKey)))[..24]}_{amount}";

    /// <summary>
    /// This instance's record of an intent or, for an approved intent another instance authorized, the intent rebuilt from
    /// its id in the state the caller needs: authorized and uncaptured, or (<paramref name="assumed"/> "succeeded") captured in full.
    /// </summary>
    private Intent? Find(string id, string assumed)
    {
        if (_intents.TryGetValue(id, out var intent))
        {
            return intent;
        }

        var amountAt = id.LastIndexOf('_');
        if (!id.StartsWith(ApprovedPrefix, StringComparison.Ordinal) || amountAt < ApprovedPrefix.Length
            || !long.TryParse(id.AsSpan(amountAt + 1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var authorized)
            || authorized <= 0)
        {
            return null;
        }

        return _intents.GetOrAdd(id, new Intent(authorized, assumed, assumed == "succeeded" ? authorized : 0));
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
