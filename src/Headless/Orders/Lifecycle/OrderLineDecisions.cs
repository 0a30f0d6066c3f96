using Headless.Shared;

namespace Headless.Orders.Lifecycle;

/// <summary>
/// What pharmacies and clinics decide about single lines, as commands on the one line-change path
/// (<see cref="LineChanges"/>): each follows the <see cref="LineLifecycle"/> rules and commits with its audit
/// event, domain event and the settlement it calls for.
/// </summary>
public sealed class OrderLineDecisions(LineChanges changes)
{
    private const string ClinicCancelled = "Cancelled by the clinic.";

    /// <summary>The pharmacy took the line on (SUBMITTED to RECEIVED). Throws when the line is not SUBMITTED.</summary>
    public Task AcceptAsync(long lineId, CancellationToken ct) =>
        DecideAsync(lineId, line => line.Status == OrderLineStatus.Submitted ? new LineSignal(OrderLineStatus.Received, EventSource.Pharmacy, null) : null, ct);

    /// <summary>The pharmacy rejected the line (before SHIPPED). Throws when the lifecycle does not allow it.</summary>
    public Task RejectAsync(long lineId, string reasonCode, string message, bool fixable, CancellationToken ct) =>
        DecideAsync(lineId, _ => new LineSignal(OrderLineStatus.Rejected, EventSource.Pharmacy, null, reasonCode, message, fixable), ct);

    /// <summary>The clinic cancelled the line (before COMPOUNDING). Throws when the lifecycle does not allow it.</summary>
    public Task CancelAsync(long lineId, string? reason, CancellationToken ct) =>
        DecideAsync(lineId, _ => ClinicCancellation(reason), ct);

    /// <summary>
    /// The clinic cancels a line (allowed before COMPOUNDING). The pharmacy is told through the outbox, queued in the
    /// same transaction; the payment follows through the settlement queued with it. Returns why not, when it cannot be cancelled.
    /// </summary>
    public async Task<string?> CancelByClinicAsync(long lineId, string? reason, CancellationToken ct)
    {
        var outcome = await changes.ChangeAsync(new LineChangeRequest(lineId, _ => ClinicCancellation(reason)), ct);
        return outcome!.Result.Changed
            ? null
            : $"A {outcome.Result.FromStatus.ToWire()} line can no longer be cancelled; lines can be cancelled until the pharmacy starts compounding.";
    }

    /// <summary>
    /// The pharmacy refused a cancellation (work had started): undo the clinic's cancellation so the pharmacy's later
    /// events apply, and record why on the audit trail. Nothing happens when the line moved on meanwhile.
    /// </summary>
    public Task ReinstateAfterRefusedCancellationAsync(long lineId, CancellationToken ct) =>
        changes.ReinstateAfterRefusedCancellationAsync(lineId, ct);

    private static LineSignal ClinicCancellation(string? reason) =>
        new(OrderLineStatus.Cancelled, EventSource.Clinic, null, LineLifecycle.CancelledByClinic, string.IsNullOrWhiteSpace(reason) ? ClinicCancelled : reason.Trim(), false);

    private async Task DecideAsync(long lineId, Func<OrderLine, LineSignal?> decide, CancellationToken ct)
    {
        string? refused = null;
        var outcome = await changes.ChangeAsync(
            new LineChangeRequest(lineId, line =>
            {
                var signal = decide(line);
                refused = signal is null ? $"A {line.Status.ToWire()} line cannot be accepted." : null;
                return signal;
            }),
            ct);
        if (refused is not null)
        {
            throw new InvalidOperationException(refused);
        }

        if (!outcome!.Result.Changed)
        {
            throw new InvalidOperationException($"A {outcome.Result.FromStatus.ToWire()} line cannot become that: {outcome.Result.Reason}.");
        }
    }
}
