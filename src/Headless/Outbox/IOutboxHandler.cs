namespace Headless.Outbox;

/// <summary>
/// Delivers one kind of outbox message. Returning means delivered; throwing means try again later (with
/// back-off) until the message is parked. Delivery is at least once, so a handler must be idempotent:
/// use <see cref="OutboxMessage.Key"/> as the idempotency key towards the other side.
/// </summary>
public interface IOutboxHandler
{
    string Kind { get; }

    Task HandleAsync(OutboxMessage message, CancellationToken ct);
}

/// <summary>
/// Thrown by a handler that keeps its own retry schedule (webhook deliveries retry for days, past the outbox's own
/// back-off and attempt limit): the message stays pending and is tried again at <see cref="At"/>, never parked.
/// <see cref="Reason"/> is recorded as the message's last error (a code, never a payload).
/// </summary>
public sealed class OutboxRescheduleException(DateTimeOffset at, string reason) : Exception($"Rescheduled: {reason}.")
{
    public DateTimeOffset At { get; } = at;

    public string Reason { get; } = reason;
}
