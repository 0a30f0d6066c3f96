using System.Collections.Concurrent;
using Headless.Data;
using Headless.Events;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Headless.Webhooks;

/// <summary>
/// Turns each organization's new events into deliveries. Per organization a cursor (<see cref="WebhookFanoutCursor"/>)
/// says how far the log has been fanned out; one transaction reads the next batch of events after it, creates one
/// delivery and one outbox message per event and matching enabled endpoint, and moves the cursor, with a conditional
/// update that only one instance can win. So an event committed just before a crash is fanned out when any instance
/// next runs, a batch is never fanned out twice, and the outbox then sends each delivery at least once.
/// <para>
/// Woken by <see cref="EventCommits"/> after every commit on this instance, and every
/// <see cref="WebhooksOptions.FanoutPollInterval"/> for all organizations with enabled endpoints (commits on other
/// instances). The announcement only says which organization to look at: events are read from the log.
/// </para>
/// </summary>
public sealed class WebhookFanout : BackgroundService
{
    private readonly HeadlessDatabase _database;
    private readonly WebhooksOptions _options;
    private readonly TimeProvider _clock;
    private readonly IHostApplicationLifetime _lifetime;
    private readonly ILogger<WebhookFanout> _logger;
    private readonly ConcurrentDictionary<long, byte> _woken = new();
    private readonly SemaphoreSlim _signal = new(0);

    public WebhookFanout(HeadlessDatabase database, EventCommits commits, IOptions<WebhooksOptions> options, TimeProvider clock, IHostApplicationLifetime lifetime, ILogger<WebhookFanout> logger)
    {
        _database = database;
        _options = options.Value;
        _clock = clock;
        _lifetime = lifetime;
        _logger = logger;
        if (_options.FanoutEnabled)
        {
            commits.Committed += (organizationId, _) =>
            {
                if (_woken.TryAdd(organizationId, 0))
                {
                    _signal.Release();
                }
            };
        }
    }

    /// <summary>A delivery of <paramref name="e"/> to <paramref name="endpoint"/>; the default body is fixed now, a payloadQuery's at the first attempt.</summary>
    internal static WebhookDelivery NewDelivery(WebhookEndpoint endpoint, DomainEvent e, WebhookAttemptTrigger trigger, DateTimeOffset now) =>
        new(endpoint.OrganizationId, endpoint.Id, e.Id, e.Position, e.Type, e.LineSequence, endpoint.PayloadQuery is null ? WebhookPayloads.Default(e) : null, trigger, now);

    /// <summary>Fans out everything committed so far for every organization with an enabled endpoint; returns the deliveries created.</summary>
    public async Task<int> RunOnceAsync(CancellationToken ct = default)
    {
        var created = 0;
        foreach (var organizationId in await OrganizationsAsync(ct))
        {
            created += await FanOutAsync(organizationId, ct);
        }

        return created;
    }

    /// <summary>Fans out one organization's events up to the end of its log; returns the deliveries created.</summary>
    public async Task<int> FanOutAsync(long organizationId, CancellationToken ct)
    {
        var created = 0;
        for (var conflicts = 0; conflicts < 10;)
        {
            var batch = await FanOutBatchAsync(organizationId, ct);
            if (batch is null)
            {
                // Another instance moved the cursor first: read again from where it is now.
                conflicts++;
                continue;
            }

            created += batch.Value.Created;
            if (!batch.Value.More)
            {
                break;
            }
        }

        return created;
    }

    /// <summary>One batch; null when another instance moved the cursor meanwhile (nothing was written).</summary>
    private async Task<(int Created, bool More)?> FanOutBatchAsync(long organizationId, CancellationToken ct)
    {
        await using var db = _database.CreatePlatformContext();
        var endpoints = await db.Set<WebhookEndpoint>().IgnoreQueryFilters().AsNoTracking()
            .Where(e => e.OrganizationId == organizationId && e.Status == WebhookEndpointStatus.Enabled)
            .ToListAsync(ct);
        if (endpoints.Count == 0)
        {
            return (0, false);
        }

        var cursor = await db.Set<WebhookFanoutCursor>().AsNoTracking().Where(c => c.OrganizationId == organizationId).Select(c => (long?)c.Position).FirstOrDefaultAsync(ct);

        // Events before every endpoint's start matter to none of them: skip them without reading them.
        var from = Math.Max(cursor ?? 0, endpoints.Min(e => e.StartPosition));
        var size = _options.FanoutBatchSize;
        var events = await db.Set<DomainEvent>().IgnoreQueryFilters().AsNoTracking()
            .Where(e => e.OrganizationId == organizationId && e.Position > from)
            .OrderBy(e => e.Position)
            .Take(size)
            .ToListAsync(ct);
        if (events.Count == 0)
        {
            return (0, false);
        }

        var now = _clock.GetUtcNow();
        var to = events[^1].Position;
        await using var tx = await db.Database.BeginTransactionAsync(ct);

        // The cursor first: its row lock makes a concurrent fan-out of the same organization wait here and then find
        // the cursor moved, so it writes nothing.
        if (cursor is { } old)
        {
            var moved = await db.Set<WebhookFanoutCursor>()
                .Where(c => c.OrganizationId == organizationId && c.Position == old)
                .ExecuteUpdateAsync(s => s.SetProperty(c => c.Position, to), ct);
            if (moved == 0)
            {
                return null;
            }
        }
        else
        {
            db.Add(new WebhookFanoutCursor(organizationId, to));
            try
            {
                await db.SaveChangesAsync(ct);
            }
            catch (DbUpdateException)
            {
                return null;
            }
        }

        var deliveries = events
            .SelectMany(e => endpoints.Where(x => e.Position > x.StartPosition && x.Subscribes(e.Type)).Select(x => NewDelivery(x, e, WebhookAttemptTrigger.Scheduled, now)))
            .ToList();
        if (deliveries.Count > 0)
        {
            db.AddRange(deliveries);
            await db.SaveChangesAsync(ct);
            foreach (var delivery in deliveries)
            {
                WebhookQueue.Enqueue(db, delivery, now);
            }

            await db.SaveChangesAsync(ct);
        }

        await tx.CommitAsync(ct);
        return (deliveries.Count, events.Count == size);
    }

    private async Task<List<long>> OrganizationsAsync(CancellationToken ct)
    {
        await using var db = _database.CreatePlatformContext();
        return await db.Set<WebhookEndpoint>().IgnoreQueryFilters()
            .Where(e => e.Status == WebhookEndpointStatus.Enabled)
            .Select(e => e.OrganizationId)
            .Distinct()
            .ToListAsync(ct);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!_options.FanoutEnabled)
        {
            return;
        }

        // Start once the host has started: migrations run in a hosted service before.
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using (_lifetime.ApplicationStarted.Register(() => started.TrySetResult()))
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

        var nextPoll = _clock.GetUtcNow();
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                if (_clock.GetUtcNow() >= nextPoll)
                {
                    nextPoll = _clock.GetUtcNow() + _options.FanoutPollInterval;
                    _woken.Clear();
                    await RunOnceAsync(stoppingToken);
                }

                foreach (var organizationId in _woken.Keys)
                {
                    _woken.TryRemove(organizationId, out _);
                    await FanOutAsync(organizationId, stoppingToken);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                // The cursor did not move: the next wake-up or poll fans the same events out.
                _logger.LogWarning("Webhook fan-out failed: {ExceptionType}", ex.GetType().Name);
            }

            try
            {
                using var poll = new CancellationTokenSource(_options.FanoutPollInterval, _clock);
                using var linked = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken, poll.Token);
                await _signal.WaitAsync(linked.Token);
            }
            catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
            {
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }
}
