using Headless.Data;
using Headless.Events;
using Headless.GraphQL;
using Microsoft.EntityFrameworkCore;

namespace Headless.Webhooks;

public sealed record WebhookDeliveryResult(WebhookDelivery? Delivery, IReadOnlyList<UserError> UserErrors);

public sealed record WebhookReplayResult(WebhookEndpoint? Endpoint, int Replayed, string? EndCursor, bool HasMore, IReadOnlyList<UserError> UserErrors);

/// <summary>Sending again on request: one delivery (retry), every event after a cursor (replay), or a test event.</summary>
public sealed class WebhookDeliveries(IDbContextFactory<HeadlessDbContext> contexts, TimeProvider clock)
{
    /// <summary>Events one replay call re-sends at most; the answer's endCursor continues.</summary>
    public const int MaxReplay = 1000;

    public async Task<WebhookDeliveryResult> RetryAsync(RetryWebhookDelivery command, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var delivery = await db.Set<WebhookDelivery>().FirstOrDefaultAsync(d => d.Id == command.DeliveryId, ct);
        if (delivery is null)
        {
            return new(null, [new UserError(UserErrorCode.NotFound, ["deliveryId"], "No webhook delivery with this ID exists for your organization.")]);
        }

        var endpoint = await db.Set<WebhookEndpoint>().AsNoTracking().FirstAsync(e => e.Id == delivery.EndpointId, ct);
        if (endpoint.Status != WebhookEndpointStatus.Enabled)
        {
            return new(null, [Disabled("deliveryId")]);
        }

        var now = clock.GetUtcNow();
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        delivery.Requeue(now);
        await db.SaveChangesAsync(ct);
        await WebhookQueue.ReopenAsync(db, delivery.Id, now, ct);
        await tx.CommitAsync(ct);
        return new(delivery, []);
    }

    public async Task<WebhookReplayResult> ReplayAsync(ReplayWebhookEndpoint command, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var endpoint = await db.Set<WebhookEndpoint>().AsNoTracking().FirstOrDefaultAsync(e => e.Id == command.EndpointId, ct);
        if (endpoint is null)
        {
            return new(null, 0, null, false, [WebhookEndpoints.NotFound("endpointId")]);
        }

        if (endpoint.Status != WebhookEndpointStatus.Enabled)
        {
            return new(null, 0, null, false, [Disabled("endpointId")]);
        }

        var after = command.AfterPosition ?? 0;
        var purged = await db.Set<EventStream>().Where(s => s.OrganizationId == command.OrganizationId).Select(s => s.PurgedThrough).FirstOrDefaultAsync(ct);
        if (command.AfterPosition is not null && after < purged)
        {
            return new(null, 0, null, false, [new UserError(UserErrorCode.InvalidValue, ["after"], "Events after this cursor are older than the retention period and have been deleted; replay from a newer cursor, or without one.")]);
        }

        var types = endpoint.EventTypes.ToList();
        var events = await db.Set<DomainEvent>().AsNoTracking()
            .Where(e => e.Position > after && types.Contains(e.Type))
            .OrderBy(e => e.Position)
            .Take(MaxReplay + 1)
            .ToListAsync(ct);
        var hasMore = events.Count > MaxReplay;
        events = events.Take(MaxReplay).ToList();
        if (events.Count == 0)
        {
            return new(endpoint, 0, null, false, []);
        }

        var now = clock.GetUtcNow();
        var ids = events.Select(e => (long?)e.Id).ToList();
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var existing = await db.Set<WebhookDelivery>().Where(d => d.EndpointId == endpoint.Id && ids.Contains(d.EventId)).ToDictionaryAsync(d => d.EventId!.Value, ct);
        var created = new List<WebhookDelivery>();
        foreach (var e in events)
        {
            if (existing.TryGetValue(e.Id, out var delivery))
            {
                delivery.Requeue(now);
            }
            else
            {
                created.Add(WebhookFanout.NewDelivery(endpoint, e, WebhookAttemptTrigger.Manual, now));
            }
        }

        db.AddRange(created);
        await db.SaveChangesAsync(ct);
        foreach (var delivery in created)
        {
            WebhookQueue.Enqueue(db, delivery, now);
        }

        await db.SaveChangesAsync(ct);
        foreach (var delivery in existing.Values)
        {
            await WebhookQueue.ReopenAsync(db, delivery.Id, now, ct);
        }

        await tx.CommitAsync(ct);
        return new(endpoint, events.Count, EventCursor.Encode(events[^1].Position), hasMore, []);
    }

    public async Task<WebhookDeliveryResult> TestAsync(WebhookEndpointRef command, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var endpoint = await db.Set<WebhookEndpoint>().AsNoTracking().FirstOrDefaultAsync(e => e.Id == command.EndpointId, ct);
        if (endpoint is null)
        {
            return new(null, [WebhookEndpoints.NotFound("endpointId")]);
        }

        if (endpoint.Status != WebhookEndpointStatus.Enabled)
        {
            return new(null, [Disabled("endpointId")]);
        }

        var now = clock.GetUtcNow();
        await using var tx = await db.Database.BeginTransactionAsync(ct);

        // Position 0: a test goes out at once, ahead of (not behind) the endpoint's backlog.
        var delivery = new WebhookDelivery(endpoint.OrganizationId, endpoint.Id, null, 0, WebhookDelivery.TestEventType, null, WebhookPayloads.Test(endpoint.Id, now), WebhookAttemptTrigger.Manual, now);
        db.Add(delivery);
        await db.SaveChangesAsync(ct);
        WebhookQueue.Enqueue(db, delivery, now);
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        return new(delivery, []);
    }

    private static UserError Disabled(string field) => new(UserErrorCode.EndpointDisabled, [field], "The webhook endpoint is disabled; enable it (webhookEndpointEnable) first.");
}
