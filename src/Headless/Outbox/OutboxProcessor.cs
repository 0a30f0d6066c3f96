using System.Data.Common;
using System.Diagnostics;
using Headless.Data;
using Headless.Shared;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.Extensions.Options;

namespace Headless.Outbox;

/// <summary>
/// Delivers outbox messages, one batch per <see cref="DrainOnceAsync"/>:
/// <list type="number">
/// <item>Lease a batch of due messages in one short transaction and commit it (PostgreSQL
/// <c>FOR UPDATE SKIP LOCKED</c>, SQL Server <c>UPDLOCK, READPAST</c>, SQLite a single conditional update),
/// so any number of workers in any number of instances share the queue without taking the same row.</item>
/// <item>Call each message's handler outside any transaction, holding no row lock, with a timeout.</item>
/// <item>Record the outcome in one conditional statement that only applies while the lease is still this
/// worker's: a worker whose lease lapsed and was taken over never overwrites the new owner's result.</item>
/// </list>
/// Delivery is at least once (a crash after the handler and before step 3 repeats the call), so handlers are
/// idempotent on <see cref="OutboxMessage.Key"/>. Logs carry ids, kinds and exception types only: payloads may hold PHI.
/// </summary>
public sealed class OutboxProcessor(
    HeadlessDatabase database,
    IServiceScopeFactory scopes,
    IOptions<OutboxOptions> options,
    TimeProvider clock,
    ILogger<OutboxProcessor> logger)
{
    /// <summary>The last error recorded when no handler is registered for a message's kind.</summary>
    public const string UnknownKindError = "UnknownKind";

    /// <summary>The last error recorded when a handler did not finish within <see cref="OutboxOptions.HandlerTimeout"/>.</summary>
    public const string TimeoutError = "Timeout";

    /// <summary>
    /// Leases up to <see cref="OutboxOptions.BatchSize"/> due messages for <paramref name="workerId"/>, delivers them and
    /// records the outcomes. Returns how many messages were leased (a full batch means more work is probably waiting).
    /// </summary>
    public async Task<int> DrainOnceAsync(string workerId, CancellationToken ct)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(workerId);
        if (workerId.Length > 100)
        {
            throw new ArgumentException("A worker id has at most 100 characters (OutboxMessages.LeaseOwner).", nameof(workerId));
        }

        var o = options.Value;
        var leased = await LeaseAsync(workerId, o, ct);
        for (var i = 0; i < leased.Count; i++)
        {
            var message = leased[i];

            // Shutting down, or too little of the lease left to finish this one in time: let another worker have the rest now
            // rather than after the lease lapses.
            if (ct.IsCancellationRequested || message.LeasedUntil is not { } until || until - clock.GetUtcNow() < o.HandlerTimeout)
            {
                await ReleaseAsync(workerId, leased.Skip(i).Select(m => m.Id).ToList());
                break;
            }

            if (!await DeliverAsync(message, workerId, o, ct))
            {
                // Cancelled by shutdown mid-call: not a failure of the message.
                await ReleaseAsync(workerId, leased.Skip(i).Select(m => m.Id).ToList());
                break;
            }
        }

        return leased.Count;
    }

    /// <summary>
    /// Delivers one message now, for the request that just committed it (so its consequence does not wait for a poll).
    /// It is leased first exactly as a worker would lease it, with one conditional update, so a worker that got there
    /// first keeps it and nothing is delivered twice. False when the message was not free to take.
    /// </summary>
    public async Task<bool> DeliverNowAsync(long messageId, CancellationToken ct)
    {
        var o = options.Value;
        var workerId = $"now-{Guid.NewGuid():N}";
        var now = clock.GetUtcNow().ToUniversalTime();
        var until = now + o.LeaseDuration;
        OutboxMessage? message;
        await using (var db = database.CreatePlatformContext())
        {
            var taken = await db.OutboxMessages
                .Where(m => m.Id == messageId && m.Status == OutboxStatus.Pending && m.NextAttemptAt <= now && (m.LeasedUntil == null || m.LeasedUntil < now))
                .ExecuteUpdateAsync(s => s.SetProperty(m => m.LeasedUntil, until).SetProperty(m => m.LeaseOwner, workerId), ct);
            if (taken == 0)
            {
                return false;
            }

            message = await db.OutboxMessages.AsNoTracking().FirstAsync(m => m.Id == messageId, ct);
        }

        if (!await DeliverAsync(message, workerId, o, ct))
        {
            await ReleaseAsync(workerId, [messageId]);
            return false;
        }

        return true;
    }

    /// <summary>
    /// The wait before the next attempt after <paramref name="attempts"/> failures:
    /// min(MaxBackOff, BaseBackOff × 2^(attempts−1)), scaled by a jitter factor between 0.8 and 1.2
    /// (<paramref name="unitRandom"/> in [0, 1] maps onto it), in whole milliseconds.
    /// </summary>
    public static TimeSpan BackOff(int attempts, OutboxOptions options, double unitRandom)
    {
        var exponent = Math.Clamp(attempts - 1, 0, 40);
        var raw = Math.Min(options.MaxBackOff.TotalMilliseconds, options.BaseBackOff.TotalMilliseconds * Math.Pow(2, exponent));
        var jitter = 0.8 + (0.4 * Math.Clamp(unitRandom, 0, 1));
        return TimeSpan.FromMilliseconds(Math.Round(raw * jitter));
    }

    private async Task<List<OutboxMessage>> LeaseAsync(string workerId, OutboxOptions o, CancellationToken ct)
    {
        var now = clock.GetUtcNow().ToUniversalTime();
        var until = now + o.LeaseDuration;
        await using var db = database.CreatePlatformContext();
        await using var tx = await db.Database.BeginTransactionAsync(ct);

        List<long> ids;
        if (database.Provider == DatabaseProvider.Sqlite)
        {
            // One worker on SQLite, and SQLite has one writer at a time anyway: a single conditional UPDATE over the
            // first due rows is atomic. The predicate is repeated so the statement can never take a live lease.
            var batch = o.BatchSize;
            await db.OutboxMessages
                .Where(m => m.Status == OutboxStatus.Pending && m.NextAttemptAt <= now && (m.LeasedUntil == null || m.LeasedUntil < now))
                .OrderBy(m => m.Id)
                .Take(batch)
                .ExecuteUpdateAsync(s => s.SetProperty(m => m.LeasedUntil, until).SetProperty(m => m.LeaseOwner, workerId), ct);
            ids = await db.OutboxMessages
                .Where(m => m.LeaseOwner == workerId && m.LeasedUntil == until && m.Status == OutboxStatus.Pending)
                .OrderBy(m => m.Id)
                .Select(m => m.Id)
                .ToListAsync(ct);
        }
        else
        {
            ids = await LeaseWithRowLocksAsync(db, tx, workerId, now, until, o.BatchSize, ct);
        }

        await tx.CommitAsync(ct);
        if (ids.Count == 0)
        {
            return [];
        }

        // The lease is committed: read the rows outside the leasing transaction (no lock is held any more).
        return await db.OutboxMessages.AsNoTracking()
            .Where(m => ids.Contains(m.Id) && m.LeaseOwner == workerId)
            .OrderBy(m => m.Id)
            .ToListAsync(ct);
    }

    private async Task<List<long>> LeaseWithRowLocksAsync(
        HeadlessDbContext db, IDbContextTransaction tx, string workerId, DateTimeOffset now, DateTimeOffset until, int batch, CancellationToken ct)
    {
        var connection = db.Database.GetDbConnection();
        await using var command = connection.CreateCommand();
        command.Transaction = tx.GetDbTransaction();
        command.CommandText = OutboxLeaseSql.For(database.Provider);
        AddParameter(command, "@now", now);
        AddParameter(command, "@until", until);
        AddParameter(command, "@owner", workerId);
        AddParameter(command, "@n", batch);

        var ids = new List<long>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            ids.Add(reader.GetInt64(0));
        }

        return ids;
    }

    private static void AddParameter(DbCommand command, string name, object value)
    {
        var p = command.CreateParameter();
        p.ParameterName = name;
        p.Value = value;
        command.Parameters.Add(p);
    }

    /// <summary>Calls the handler and records the outcome. False when shutdown cancelled the call (nothing recorded).</summary>
    private async Task<bool> DeliverAsync(OutboxMessage message, string workerId, OutboxOptions o, CancellationToken ct)
    {
        // One span per handling, parent of the handler's own calls (EF Core, HTTP to partners and CRMs). Kind, id and
        // attempt only: the payload may hold PHI.
        using var activity = HeadlessTelemetry.ActivitySource.HasListeners()
            ? HeadlessTelemetry.ActivitySource.StartActivity($"outbox {message.Kind}", ActivityKind.Consumer)
            : null;
        activity?.SetTag("headless.outbox.kind", message.Kind);
        activity?.SetTag("headless.outbox.message_id", message.Id);
        activity?.SetTag("headless.outbox.attempt", message.Attempts + 1);
        string? error;
        DateTimeOffset? rescheduleAt = null;
        try
        {
            await using var scope = scopes.CreateAsyncScope();

            // The last registration for a kind wins, as with any single-service resolution.
            var handler = scope.ServiceProvider.GetServices<IOutboxHandler>().LastOrDefault(h => string.Equals(h.Kind, message.Kind, StringComparison.Ordinal));
            if (handler is null)
            {
                logger.LogWarning("No outbox handler for message {MessageId} of kind {Kind}", message.Id, message.Kind);
                error = UnknownKindError;
            }
            else
            {
                using var timeout = new CancellationTokenSource(o.HandlerTimeout, clock);
                using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, timeout.Token);

                // WaitAsync also bounds a handler that ignores its token.
                await handler.HandleAsync(message, linked.Token).WaitAsync(o.HandlerTimeout, clock, ct);
                error = null;
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            activity?.SetTag("headless.outbox.outcome", "released");
            return false;
        }
        catch (OutboxRescheduleException ex)
        {
            error = ex.Reason;
            rescheduleAt = ex.At;
        }
        catch (Exception ex) when (ex is TimeoutException or OperationCanceledException)
        {
            error = TimeoutError;
        }
        catch (Exception ex)
        {
            error = ex.GetType().Name;
        }

        var now = clock.GetUtcNow();
        if (error is null)
        {
            message.Complete(now);
        }
        else if (rescheduleAt is { } at)
        {
            message.Reschedule(error, at);
        }
        else
        {
            message.Fail(error, BackOff(message.Attempts + 1, o, Random.Shared.NextDouble()), o.MaxAttempts, now);
        }

        if (activity is not null)
        {
            activity.SetTag("headless.outbox.outcome", rescheduleAt is not null ? "rescheduled" : message.Status.ToString().ToLowerInvariant());
            if (error is not null && rescheduleAt is null)
            {
                // The error is an exception type name or a fixed reason, never a message.
                activity.SetTag("error.type", error);
                activity.SetStatus(ActivityStatusCode.Error);
            }
        }

        await RecordAsync(message, workerId, rescheduled: rescheduleAt is not null);
        return true;
    }

    /// <summary>Writes the outcome in one statement that applies only while <paramref name="workerId"/> still holds the lease.</summary>
    private async Task RecordAsync(OutboxMessage m, string workerId, bool rescheduled)
    {
        // Not the shutdown token: an outcome already obtained is worth writing (a lost write only means one more delivery).
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try
        {
            await using var db = database.CreatePlatformContext();
            var rows = await db.OutboxMessages
                .Where(x => x.Id == m.Id && x.LeaseOwner == workerId && x.Status == OutboxStatus.Pending)
                .ExecuteUpdateAsync(
                    s => s
                        .SetProperty(x => x.Status, m.Status)
                        .SetProperty(x => x.Attempts, m.Attempts)
                        .SetProperty(x => x.NextAttemptAt, m.NextAttemptAt)
                        .SetProperty(x => x.LeasedUntil, (DateTimeOffset?)null)
                        .SetProperty(x => x.LeaseOwner, (string?)null)
                        .SetProperty(x => x.LastError, m.LastError)
                        .SetProperty(x => x.CompletedAt, m.CompletedAt),
                    cts.Token);

            if (rows == 0)
            {
                logger.LogWarning("Outbox message {MessageId} of kind {Kind}: lease lost before the outcome was recorded; the new owner's result stands", m.Id, m.Kind);
            }
            else if (m.Status == OutboxStatus.Parked)
            {
                logger.LogError("Outbox message {MessageId} of kind {Kind} parked after {Attempts} attempts; last error {Error}", m.Id, m.Kind, m.Attempts, m.LastError);
            }
            else if (rescheduled)
            {
                // The handler keeps its own schedule and logs its own failures.
                logger.LogDebug("Outbox message {MessageId} of kind {Kind} rescheduled ({Reason}) to {NextAttemptAt}", m.Id, m.Kind, m.LastError, m.NextAttemptAt);
            }
            else if (m.Status == OutboxStatus.Pending)
            {
                logger.LogWarning("Outbox message {MessageId} of kind {Kind} failed (attempt {Attempts}, {Error}); next attempt at {NextAttemptAt}", m.Id, m.Kind, m.Attempts, m.LastError, m.NextAttemptAt);
            }
            else
            {
                logger.LogDebug("Outbox message {MessageId} of kind {Kind} delivered", m.Id, m.Kind);
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException || cts.IsCancellationRequested)
        {
            // The lease lapses and the message is delivered again: at least once.
            logger.LogError("Could not record the outcome of outbox message {MessageId} of kind {Kind}: {ExceptionType}", m.Id, m.Kind, ex.GetType().Name);
        }
    }

    /// <summary>Gives leased but unprocessed messages back at once (shutdown, or a lease too short to finish in).</summary>
    private async Task ReleaseAsync(string workerId, List<long> ids)
    {
        if (ids.Count == 0)
        {
            return;
        }

        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try
        {
            await using var db = database.CreatePlatformContext();
            await db.OutboxMessages
                .Where(x => ids.Contains(x.Id) && x.LeaseOwner == workerId && x.Status == OutboxStatus.Pending)
                .ExecuteUpdateAsync(s => s.SetProperty(x => x.LeasedUntil, (DateTimeOffset?)null).SetProperty(x => x.LeaseOwner, (string?)null), cts.Token);
        }
        catch (Exception ex)
        {
            // Best effort: the leases lapse on their own.
            logger.LogWarning("Could not release {Count} outbox lease(s): {ExceptionType}", ids.Count, ex.GetType().Name);
        }
    }
}
