using GraphQL;
using GraphQL.Types;
using Headless.Catalog;
using Headless.Data;
using Headless.GraphQL;
using Headless.Orders;
using Headless.Outbox;
using Microsoft.EntityFrameworkCore;

namespace Headless.Operations;

/// <summary>
/// The caller's queues, for the organization or one clinic; each figure is computed when asked for, and the line
/// figures (lines, pharmacies) share one load.
/// </summary>
public sealed class QueueHealth(long organizationId, long? clinicId, Func<Task<LineQueue.Snapshot>> loadLines)
{
    private readonly Lazy<Task<LineQueue.Snapshot>> _lines = new(loadLines, LazyThreadSafetyMode.ExecutionAndPublication);

    public long OrganizationId { get; } = organizationId;

    public long? ClinicId { get; } = clinicId;

    public Task<LineQueue.Snapshot> LinesAsync() => _lines.Value;

    /// <summary>The organization's messages, or the clinic's (organization-wide work such as webhooks has no clinic).</summary>
    public IQueryable<OutboxMessage> Messages(HeadlessDbContext db)
    {
        var org = OrganizationId;
        var query = db.OutboxMessages.Where(m => m.OrganizationId == org);
        if (ClinicId is { } clinic)
        {
            query = query.Where(m => m.ClinicId == clinic);
        }

        return query;
    }
}

public sealed class QueueHealthType : ObjectGraphType<QueueHealth>
{
    public QueueHealthType()
    {
        Name = "QueueHealth";
        Description = "What is waiting, for your organization or one clinic: open order lines per status and per pharmacy (how many, how old, how many overdue, who owns the next step), and queued background work (outbox messages are retried with exponential back-off; those that keep failing are parked until someone retries them).";

        Field<NonNullGraphType<ListGraphType<NonNullGraphType<LineStatusHealthType>>>>("lines")
            .Description("Open order lines per status, in lifecycle order (PENDING_PAYMENT, SUBMITTED, RECEIVED, COMPOUNDING, SHIPPED, ON_HOLD, and REJECTED lines the clinic can still fix); every status is listed, with zero when none wait in it.")
            .ResolveAsync(async ctx => (await ctx.Source.LinesAsync()).Statuses);
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<PharmacyQueueHealthType>>>>("pharmacies")
            .Description("The same per pharmacy with open lines, the most overdue first: a slow partner shows at the top.")
            .ResolveAsync(async ctx => (await ctx.Source.LinesAsync()).Pharmacies);

        Field<NonNullGraphType<IntGraphType>>("pending")
            .Description("Outbox messages waiting for delivery, now or after a back-off.")
            .ResolveAsync(async ctx =>
                (object?)await ctx.WithDbAsync((db, ct) => ctx.Source.Messages(db).CountAsync(m => m.Status == OutboxStatus.Pending, ct)));

        Field<NonNullGraphType<IntGraphType>>("parked")
            .Description("Outbox messages that failed too often and wait for a retry (outboxMessageRetry).")
            .ResolveAsync(async ctx =>
                (object?)await ctx.WithDbAsync((db, ct) => ctx.Source.Messages(db).CountAsync(m => m.Status == OutboxStatus.Parked, ct)));

        Field<IntGraphType>("oldestPendingAge")
            .Description("Seconds since the oldest pending outbox message was queued; null when nothing is pending.")
            .ResolveAsync(async ctx =>
            {
                var oldest = await ctx.WithDbAsync(async (db, ct) =>
                {
                    var first = await ctx.Source.Messages(db)
                        .Where(m => m.Status == OutboxStatus.Pending)
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
            .Description("The parked outbox messages, oldest first.")
            .PagingArguments()
            .ResolveAsync(async ctx =>
            {
                var (first, after) = ctx.ReadPaging();
                return (object?)await ctx.WithDbAsync((db, ct) =>
                    ctx.Source.Messages(db).AsNoTracking()
                        .Where(m => m.Status == OutboxStatus.Parked)
                        .ToConnectionAsync(first, after, ct));
            });
    }
}

public sealed class LineStatusHealthType : ObjectGraphType<LineStatusHealth>
{
    public LineStatusHealthType()
    {
        Name = "LineStatusHealth";
        Description = "Open order lines in one status: how many, since when, and how many are past the status's overdue threshold (README \"Queue health\").";
        Field<NonNullGraphType<EnumGraphType<OrderLineStatus>>>("status").Description("The status the lines wait in.").Resolve(c => c.Source.Status);
        Field<NonNullGraphType<IntGraphType>>("count").Description("Lines in this status.").Resolve(c => c.Source.Count);
        Field<DateTimeScalar>("oldestSince").Description("When the longest-waiting line entered this status; null when there is none.").Resolve(c => c.Source.OldestSince);
        Field<IntGraphType>("oldestAgeMinutes").Description("Whole minutes the longest-waiting line has been in this status; null when there is none.")
            .Resolve(c => c.Source.OldestSince is { } since ? AgeMinutes(c.Service<TimeProvider>().GetUtcNow() - since) : null);
        Field<NonNullGraphType<IntGraphType>>("overdueAfterMinutes").Description("The threshold: a line in this status longer than this many minutes is overdue (setting Headless:QueueHealth:<Status>).")
            .Resolve(c => AgeMinutes(c.Source.OverdueAfter));
        Field<NonNullGraphType<IntGraphType>>("overdue").Description("Lines in this status for longer than the threshold.").Resolve(c => c.Source.Overdue);
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<OwnerHealthType>>>>("owners").Description("The same lines by who owns the next step.").Resolve(c => c.Source.Owners);
        Field<NonNullGraphType<ConnectionType<OrderLineType, OrderLineView>>>("overdueLines")
            .Description("The overdue lines themselves, longest-waiting first, each with its owner, number and patient. At most 100 per page.")
            .PagingArguments()
            .ResolveAsync(async c =>
            {
                var (first, after) = KeysetCursor.ReadPaging(c);
                return await LineQueue.OverdueLinesAsync(c.Service<IDbContextFactory<HeadlessDbContext>>(), c.Source, first, after, c.CancellationToken);
            });
    }

    internal static int AgeMinutes(TimeSpan age) => (int)Math.Clamp(Math.Floor(age.TotalMinutes), 0, int.MaxValue);
}

public sealed class OwnerHealthType : ObjectGraphType<OwnerHealth>
{
    public OwnerHealthType()
    {
        Name = "OwnerHealth";
        Description = "Of the lines in one status, those whose next step one party owns.";
        Field<NonNullGraphType<EnumGraphType<LineOwner>>>("owner").Description("Who must act next.").Resolve(c => c.Source.Owner);
        Field<NonNullGraphType<IntGraphType>>("count").Description("Lines waiting on this owner.").Resolve(c => c.Source.Count);
        Field<NonNullGraphType<IntGraphType>>("overdue").Description("Of those, lines past the status's threshold.").Resolve(c => c.Source.Overdue);
    }
}

public sealed class PharmacyQueueHealthType : ObjectGraphType<PharmacyQueueHealth>
{
    public PharmacyQueueHealthType()
    {
        Name = "PharmacyQueueHealth";
        Description = "One pharmacy's open lines: how many, how many overdue, and per status.";
        Field<NonNullGraphType<PharmacyType>>("pharmacy").Description("The partner pharmacy.").Resolve(c => c.Source.Pharmacy);
        Field<NonNullGraphType<IntGraphType>>("count").Description("Open lines routed to this pharmacy.").Resolve(c => c.Source.Count);
        Field<NonNullGraphType<IntGraphType>>("overdue").Description("Of those, lines past their status's threshold.").Resolve(c => c.Source.Overdue);
        Field<IntGraphType>("oldestAgeMinutes").Description("Whole minutes the longest-waiting of them has been in its status.")
            .Resolve(c => c.Source.OldestSince is { } since ? LineStatusHealthType.AgeMinutes(c.Service<TimeProvider>().GetUtcNow() - since) : null);
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<LineStatusHealthType>>>>("statuses").Description("This pharmacy's open lines per status, in lifecycle order.").Resolve(c => c.Source.Statuses);
    }
}
