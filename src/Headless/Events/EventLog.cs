using System.Text.Json;
using Headless.Data;
using Headless.Shared;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace Headless.Events;

/// <summary>
/// Appends to the organization's event log in the caller's unit of work: the events are saved by the same
/// SaveChanges, in the same transaction, as the change they record, or not at all.
/// <para>
/// Positions must never let a reader skip an event: with a database sequence, a transaction that took position 10 can
/// commit after one that took 11, and a reader that already passed 11 never sees 10. So positions come from a counter
/// row per organization (<see cref="EventStream"/>), advanced by the saving transaction itself just before it writes
/// its events: the row stays locked until that transaction ends, so the next transaction's positions are handed out
/// only after this one has committed (or rolled back, giving its positions back). Positions therefore become visible
/// in order, on every provider (row locks on PostgreSQL and SQL Server; SQLite has one writer anyway), and a reader
/// paging by position misses nothing. The price is that transactions which write events for the same organization
/// commit one after another for the few milliseconds between that update and their commit; the update is the last
/// statement before the event inserts, so no other lock is taken while the counter is held.
/// </para>
/// </summary>
public static class EventLog
{
    // Statuses in payloads are written as they are stored and shown in GraphQL ("ON_HOLD").
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { Converters = { new WireEnumJsonConverter() } };

    /// <summary>Adds an event to <paramref name="db"/>; the caller's SaveChanges (inside its transaction) writes it with its position.</summary>
    public static DomainEvent Append(HeadlessDbContext db, long organizationId, string type, EventSubject subject, int? lineSequence, DateTimeOffset occurredAt, object payload)
    {
        var e = new DomainEvent(organizationId, type, subject, lineSequence, occurredAt, JsonSerializer.Serialize(payload, Json));
        db.Set<DomainEvent>().Add(e);
        return e;
    }

    /// <summary>
    /// Gives every event about to be inserted its position, taking its organization's counter row for the rest of the
    /// transaction. Runs inside SaveChanges (<see cref="EventPositionInterceptor"/>), so no caller can forget it.
    /// </summary>
    internal static async Task PlaceAsync(DbContext db, CancellationToken ct)
    {
        var pending = db.ChangeTracker.Entries<DomainEvent>()
            .Where(e => e.State == EntityState.Added && e.Entity.Position == 0)
            .Select(e => e.Entity)
            .OrderBy(e => e.AppendOrder)
            .ToList();
        if (pending.Count == 0)
        {
            return;
        }

        if (db.Database.CurrentTransaction is null)
        {
            throw new InvalidOperationException("Events are written inside the transaction of the change they record: begin one before saving.");
        }

        foreach (var stream in pending.GroupBy(e => e.OrganizationId))
        {
            var count = (long)stream.Count();
            var last = await AdvanceAsync(db, stream.Key, count, ct);
            var position = last - count;
            foreach (var e in stream)
            {
                e.Place(++position);
            }

            EventCommits.Placed(db, stream.Key, last);
        }
    }

    /// <summary>
    /// Moves the organization's counter on by <paramref name="count"/> and returns its new value, creating the counter on
    /// the organization's first event: one statement, which also takes the counter row's lock until the transaction ends.
    /// </summary>
    private static async Task<long> AdvanceAsync(DbContext db, long organizationId, long count, CancellationToken ct)
    {
        var query = db.Database.IsSqlServer()
            ? db.Database.SqlQuery<long>($"""
                MERGE "EventStreams" WITH (HOLDLOCK) AS s
                USING (SELECT {organizationId} AS "OrganizationId") AS n ON s."OrganizationId" = n."OrganizationId"
                WHEN MATCHED THEN UPDATE SET "LastPosition" = s."LastPosition" + {count}
                WHEN NOT MATCHED THEN INSERT ("OrganizationId", "LastPosition", "PurgedThrough") VALUES ({organizationId}, {count}, 0)
                OUTPUT inserted."LastPosition" AS "Value";
                """)
            : db.Database.SqlQuery<long>($"""
                INSERT INTO "EventStreams" ("OrganizationId", "LastPosition", "PurgedThrough") VALUES ({organizationId}, {count}, 0)
                ON CONFLICT ("OrganizationId") DO UPDATE SET "LastPosition" = "EventStreams"."LastPosition" + excluded."LastPosition"
                RETURNING "LastPosition" AS "Value"
                """);
        return (await query.ToListAsync(ct)).Single();
    }
}

/// <summary>Assigns event positions whenever a context saves (see <see cref="EventLog.PlaceAsync"/>).</summary>
internal sealed class EventPositionInterceptor : SaveChangesInterceptor
{
    public override async ValueTask<InterceptionResult<int>> SavingChangesAsync(DbContextEventData eventData, InterceptionResult<int> result, CancellationToken cancellationToken = default)
    {
        if (eventData.Context is { } db)
        {
            await EventLog.PlaceAsync(db, cancellationToken);
        }

        return result;
    }

    public override InterceptionResult<int> SavingChanges(DbContextEventData eventData, InterceptionResult<int> result)
    {
        if (eventData.Context is { } db)
        {
            EventLog.PlaceAsync(db, CancellationToken.None).GetAwaiter().GetResult();
        }

        return result;
    }
}
