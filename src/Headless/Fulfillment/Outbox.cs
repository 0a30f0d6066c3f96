using System.Text.Json;
using Headless.Data;

namespace Headless.Fulfillment;

/// <summary>Writes work into the outbox as part of the caller's unit of work: it commits (or not) with the change that caused it.</summary>
public static class Outbox
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>Adds a message to <paramref name="db"/>; the caller's SaveChanges writes it. The key must be unique per piece of work.</summary>
    public static OutboxMessage Enqueue(HeadlessDbContext db, string kind, string key, object payload, long? organizationId, DateTimeOffset now)
    {
        var message = new OutboxMessage(kind, key, JsonSerializer.Serialize(payload, Json), organizationId, now);
        db.OutboxMessages.Add(message);
        return message;
    }

    public static T Read<T>(OutboxMessage message) =>
        JsonSerializer.Deserialize<T>(message.Payload, Json) ?? throw new InvalidOperationException($"Outbox message {message.Id} has no payload.");
}

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
