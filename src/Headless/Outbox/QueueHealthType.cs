using GraphQL;
using GraphQL.Types;
using Headless.GraphQL;
using Microsoft.EntityFrameworkCore;

namespace Headless.Outbox;

/// <summary>The caller's queue; each figure is computed when asked for.</summary>
public sealed record QueueHealth(long OrganizationId);

public sealed class QueueHealthType : ObjectGraphType<QueueHealth>
{
    public QueueHealthType()
    {
        Name = "QueueHealth";
        Description = "Your organization's queued background work. Messages are retried with exponential back-off; those that keep failing are parked until someone retries them.";

        Field<NonNullGraphType<IntGraphType>>("pending")
            .Description("Messages waiting for delivery, now or after a back-off.")
            .ResolveAsync(async ctx =>
            {
                var org = ctx.Source.OrganizationId;
                return (object?)await ctx.WithDbAsync((db, ct) =>
                    db.OutboxMessages.CountAsync(m => m.OrganizationId == org && m.Status == OutboxStatus.Pending, ct));
            });

        Field<NonNullGraphType<IntGraphType>>("parked")
            .Description("Messages that failed too often and wait for a retry (outboxMessageRetry).")
            .ResolveAsync(async ctx =>
            {
                var org = ctx.Source.OrganizationId;
                return (object?)await ctx.WithDbAsync((db, ct) =>
                    db.OutboxMessages.CountAsync(m => m.OrganizationId == org && m.Status == OutboxStatus.Parked, ct));
            });

        Field<IntGraphType>("oldestPendingAge")
            .Description("Seconds since the oldest pending message was queued; null when nothing is pending.")
            .ResolveAsync(async ctx =>
            {
                var org = ctx.Source.OrganizationId;
                var oldest = await ctx.WithDbAsync(async (db, ct) =>
                {
                    var first = await db.OutboxMessages
                        .Where(m => m.OrganizationId == org && m.Status == OutboxStatus.Pending)
                        .OrderBy(m => m.CreatedAt)
                        .Select(m => new { m.CreatedAt })
                        .FirstOrDefaultAsync(ct);
                    return first?.CreatedAt;
                });
                if (oldest is not { } created)
                {
                    return null;
                }

                var age = ctx.Service<TimeProvider>().GetUtcNow() - created;
                return (object?)(int)Math.Clamp(Math.Floor(age.TotalSeconds), 0, int.MaxValue);
            });

        Field<NonNullGraphType<ConnectionType<OutboxMessageType, OutboxMessage>>>("parkedMessages")
            .Description("The parked messages, oldest first.")
            .PagingArguments()
            .ResolveAsync(async ctx =>
            {
                var org = ctx.Source.OrganizationId;
                var (first, after) = ctx.ReadPaging();
                return (object?)await ctx.WithDbAsync((db, ct) =>
                    db.OutboxMessages.AsNoTracking()
                        .Where(m => m.OrganizationId == org && m.Status == OutboxStatus.Parked)
                        .ToConnectionAsync(first, after, ct));
            });
    }
}
