using System.Text.Json;
using Headless.Data;
using Headless.Shared;

namespace Headless.Outbox;

/// <summary>Writes work into the outbox as part of the caller's unit of work: it commits (or not) with the change that caused it.</summary>
public static class OutboxQueue
{
    // Statuses in payloads are written as they are stored and shown in GraphQL ("ON_HOLD").
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { Converters = { new WireEnumJsonConverter() } };

    /// <summary>Adds a message to <paramref name="db"/>; the caller's SaveChanges writes it. The key must be unique per piece of work.</summary>
    public static OutboxMessage Enqueue(HeadlessDbContext db, string kind, string key, object payload, long? organizationId, DateTimeOffset now, long? clinicId = null)
    {
        var message = new OutboxMessage(kind, key, JsonSerializer.Serialize(payload, Json), organizationId, clinicId, now);
        db.OutboxMessages.Add(message);
        return message;
    }

    public static T Read<T>(OutboxMessage message) =>
        JsonSerializer.Deserialize<T>(message.Payload, Json) ?? throw new InvalidOperationException($"Outbox message {message.Id} has no payload.");
}
