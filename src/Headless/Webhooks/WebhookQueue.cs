using Headless.Data;
using Headless.Outbox;
using Microsoft.EntityFrameworkCore;

namespace Headless.Webhooks;

/// <summary>The outbox message behind each delivery: exactly one per delivery, for its whole life, reopened to send it again.</summary>
public static class WebhookQueue
{
    public const string Kind = "webhook.deliver";

    public sealed record DeliverWebhook(long DeliveryId);

    public static string Key(long deliveryId) => $"webhook-delivery-{deliveryId}";

    /// <summary>Queues a saved delivery (it has its key) in the caller's unit of work.</summary>
    public static void Enqueue(HeadlessDbContext db, WebhookDelivery delivery, DateTimeOffset now) =>
        OutboxQueue.Enqueue(db, Kind, Key(delivery.Id), new DeliverWebhook(delivery.Id), delivery.OrganizationId, now);

    /// <summary>
    /// Makes the delivery's message due now: a finished (or parked) message is reopened, a waiting one brought forward.
    /// A message a worker holds right now is left alone: that attempt sees the requeued delivery when it records its
    /// outcome and goes again at once.
    /// </summary>
    public static async Task ReopenAsync(HeadlessDbContext db, long deliveryId, DateTimeOffset now, CancellationToken ct)
    {
        var key = Key(deliveryId);
        await db.OutboxMessages
            .Where(m => m.Key == key && (m.Status != OutboxStatus.Pending || m.LeasedUntil == null || m.LeasedUntil < now))
            .ExecuteUpdateAsync(
                s => s.SetProperty(m => m.Status, OutboxStatus.Pending)
                    .SetProperty(m => m.Attempts, 0)
                    .SetProperty(m => m.NextAttemptAt, now)
                    .SetProperty(m => m.CompletedAt, (DateTimeOffset?)null)
                    .SetProperty(m => m.LeasedUntil, (DateTimeOffset?)null)
                    .SetProperty(m => m.LeaseOwner, (string?)null),
                ct);
    }

    /// <summary>Brings waiting messages forward to now (their deliveries were brought forward too).</summary>
    public static async Task BringForwardAsync(HeadlessDbContext db, IReadOnlyCollection<long> deliveryIds, DateTimeOffset now, CancellationToken ct)
    {
        foreach (var chunk in deliveryIds.Chunk(500))
        {
            var keys = chunk.Select(Key).ToList();
            await db.OutboxMessages
                .Where(m => keys.Contains(m.Key) && m.Status == OutboxStatus.Pending && m.NextAttemptAt > now && (m.LeasedUntil == null || m.LeasedUntil < now))
                .ExecuteUpdateAsync(s => s.SetProperty(m => m.NextAttemptAt, now), ct);
        }
    }
}
