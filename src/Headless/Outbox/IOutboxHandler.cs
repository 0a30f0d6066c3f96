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
