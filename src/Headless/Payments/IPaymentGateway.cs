namespace Headless.Payments;

/// <summary>
/// The one payment for a whole order: authorize now (manual capture), capture once later for what the
/// pharmacies accepted, refund per line afterwards. Every call carries an idempotency key derived from
/// the order or line, so a retried call can never move money twice.
/// </summary>
public interface IPaymentGateway
{
    /// <summary>"stripe" or "sandbox": stored on the order so later calls go to the same place.</summary>
    string Name { get; }

    Task<AuthorizationResult> AuthorizeAsync(AuthorizationRequest request, CancellationToken ct);

    Task<GatewayResult> CaptureAsync(CaptureRequest request, CancellationToken ct);

    /// <summary>Releases an authorization that will not be captured (every line rejected).</summary>
    Task<GatewayResult> CancelAsync(CancelRequest request, CancellationToken ct);

    Task<RefundResult> RefundAsync(RefundRequest request, CancellationToken ct);
}

/// <summary>Authorize <paramref name="Amount"/> (minor units) on the payment method, for capture later.</summary>
/// <param name="CustomerId">The organization's customer at the gateway, when one was created before.</param>
public sealed record AuthorizationRequest(
    long OrganizationId,
    string OrganizationName,
    string? CustomerId,
    long Amount,
    string Currency,
    string PaymentMethodId,
    string IdempotencyKey,
    string OrderNumber);

/// <summary>
/// The outcome of an authorization. A decline is not an exception: <see cref="Succeeded"/> is false with a
/// decline code ("card_declined", "insufficient_funds"...) and a message safe to show the coordinator.
/// </summary>
public sealed record AuthorizationResult(bool Succeeded, string? PaymentIntentId, string? CustomerId, string? DeclineCode, string? FailureMessage);

public sealed record CaptureRequest(string PaymentIntentId, long Amount, string IdempotencyKey);

public sealed record CancelRequest(string PaymentIntentId, string IdempotencyKey);

public sealed record RefundRequest(string PaymentIntentId, long Amount, string IdempotencyKey);

public sealed record GatewayResult(bool Succeeded, string? FailureMessage);

public sealed record RefundResult(bool Succeeded, string? RefundId, string? FailureMessage);
