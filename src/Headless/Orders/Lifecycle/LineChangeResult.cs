namespace Headless.Orders.Lifecycle;

/// <summary>The outcome of one signal: the audit event to save with the change (null when nothing changed).</summary>
public sealed record LineChangeResult(LineOutcome Outcome, OrderLineStatus FromStatus, OrderLineStatus ToStatus, OrderLineEvent? Event, string? Reason)
{
    public bool Changed => Outcome != LineOutcome.Ignored;

    /// <summary>
    /// True when the change decides the line for payment: its first move into an accepted status, or into
    /// REJECTED or CANCELLED. The capture policy (settlement, queued by <see cref="LineChanges"/>) runs then.
    /// </summary>
    public bool DecidesPayment =>
        Outcome == LineOutcome.Moved &&
        (ToStatus.IsDeclined() || (ToStatus.IsAccepted() && !FromStatus.IsAccepted()));
}
