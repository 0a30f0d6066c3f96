using Headless.Data;
using Headless.Shared;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Headless.Events;

/// <summary>
/// Deletes events older than <see cref="EventsOptions.Retention"/>, oldest first, a batch per transaction, and records
/// per organization the highest position deleted, so a cursor before it is refused rather than silently skipping.
/// </summary>
public sealed class EventRetention(HeadlessDatabase database, IOptions<EventsOptions> options, IHostApplicationLifetime lifetime, TimeProvider clock, ILogger<EventRetention> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Start only once the host has started: migrations run in a hosted service before.
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using (lifetime.ApplicationStarted.Register(() => started.TrySetResult()))
        using (stoppingToken.Register(() => started.TrySetCanceled(stoppingToken)))
        {
            try
            {
                await started.Task;
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }

        await IntervalLoop.RunAsync(
            options.Value.PurgeInterval,
            clock,
            PurgeAsync,
            ex => logger.LogError("Event retention failed: {ExceptionType}", ex.GetType().Name),
            stoppingToken);
    }

    /// <summary>Deletes every expired event now; returns how many.</summary>
    public async Task<int> PurgeAsync(CancellationToken ct)
    {
        var o = options.Value;
        var cutoff = clock.GetUtcNow() - o.Retention;
        var deleted = 0;
        while (true)
        {
            await using var db = database.CreatePlatformContext();
            await using var tx = await db.Database.BeginTransactionAsync(ct);
            var batch = await db.Set<DomainEvent>().IgnoreQueryFilters()
                .Where(e => e.OccurredAt < cutoff)
                .OrderBy(e => e.Id)
                .Take(o.PurgeBatchSize)
                .Select(e => new { e.Id, e.OrganizationId, e.Position })
                .ToListAsync(ct);
            if (batch.Count == 0)
            {
                return deleted;
            }

            var ids = batch.Select(e => e.Id).ToList();
            await db.Set<DomainEvent>().IgnoreQueryFilters().Where(e => ids.Contains(e.Id)).ExecuteDeleteAsync(ct);
            foreach (var stream in batch.GroupBy(e => e.OrganizationId))
            {
                var organizationId = stream.Key;
                var through = stream.Max(e => e.Position);
                await db.Set<EventStream>()
                    .Where(s => s.OrganizationId == organizationId && s.PurgedThrough < through)
                    .ExecuteUpdateAsync(s => s.SetProperty(x => x.PurgedThrough, through), ct);
            }

            await tx.CommitAsync(ct);
            deleted += batch.Count;
            logger.LogInformation("Event retention deleted {Count} event(s) older than {Cutoff}", batch.Count, cutoff);
        }
    }
}
