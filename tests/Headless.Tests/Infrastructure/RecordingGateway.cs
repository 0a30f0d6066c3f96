using System.Collections.Concurrent;
using Headless.Payments;
using Microsoft.Extensions.DependencyInjection;

namespace Headless.Tests.Infrastructure;

/// <summary>
/// The sandbox gateway with a log of every call (operation, idempotency key, amount), so a test can tell how many
/// distinct money movements the service asked for, whatever the retries. Registered as the active gateway.
/// </summary>
public sealed class RecordingGateway
{
    public const string GatewayName = "recorded-sandbox";

    private readonly ConcurrentQueue<(string Operation, string Key, long Amount)> _calls = new();

    public IReadOnlyList<(string Operation, string Key, long Amount)> Calls => [.. _calls];

    /// <summary>The distinct idempotency keys of one operation whose key starts with <paramref name="keyPrefix"/>.</summary>
    public IReadOnlyList<string> Keys(string operation, string keyPrefix) =>
        Calls.Where(c => c.Operation == operation && c.Key.StartsWith(keyPrefix, StringComparison.Ordinal)).Select(c => c.Key).Distinct().ToList();

    public void AddTo(IServiceCollection services)
    {
        services.AddSingleton<IPaymentGateway>(sp => new Wrapper(this, sp.GetRequiredService<SandboxPaymentGateway>()));
        services.AddSingleton(new ActivePaymentGateway(GatewayName));
    }

    private sealed class Wrapper(RecordingGateway owner, SandboxPaymentGateway inner) : IPaymentGateway
    {
        public string Name => GatewayName;

        public Task<AuthorizationResult> AuthorizeAsync(AuthorizationRequest request, CancellationToken ct)
        {
            owner._calls.Enqueue(("authorize", request.IdempotencyKey, request.Amount));
            return inner.AuthorizeAsync(request, ct);
        }

        public Task<GatewayResult> CaptureAsync(CaptureRequest request, CancellationToken ct)
        {
            owner._calls.Enqueue(("capture", request.IdempotencyKey, request.Amount));
            return inner.CaptureAsync(request, ct);
        }

        public Task<GatewayResult> CancelAsync(CancelRequest request, CancellationToken ct)
        {
            owner._calls.Enqueue(("cancel", request.IdempotencyKey, 0));
            return inner.CancelAsync(request, ct);
        }

        public Task<RefundResult> RefundAsync(RefundRequest request, CancellationToken ct)
        {
            owner._calls.Enqueue(("refund", request.IdempotencyKey, request.Amount));
            return inner.RefundAsync(request, ct);
        }
    }
}
