using Headless.Data;
using Headless.Fulfillment;
using Headless.Organizations;
using Headless.Outbox;
using Headless.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Time.Testing;

namespace Headless.Tests.Fulfillment;

/// <summary>Leases, lapses, takeovers and the transactional write, on every provider.</summary>
public abstract class OutboxLeaseTests(DatabaseProvider provider, PostgresServer? postgres) : ProviderTest(provider, postgres)
{
    private const string Kind = "test.lease";

    protected override IDictionary<string, string?>? Settings => new Dictionary<string, string?> { ["Headless:Outbox:Enabled"] = "false" };

    private static OutboxOptions Options => new() { BatchSize = 10, LeaseDuration = TimeSpan.FromMinutes(2), MaxAttempts = 3 };

    [ProviderFact]
    public async Task A_lease_that_lapses_is_picked_up_by_another_worker()
    {
        var id = (await OutboxTestSupport.EnqueueAsync(App, Kind, 1))[0];
        var handler = new RecordingHandler(Kind);
        var (processor, services) = OutboxTestSupport.Processor(App, Options, handlers: handler);
        await using var handlerServices = services;

        // A worker leased the message and died before delivering it.
        await OutboxTestSupport.LeaseAsDeadWorkerAsync(App, id, "dead-worker", App.Clock.GetUtcNow() + TimeSpan.FromMinutes(2));

        Assert.Equal(0, await processor.DrainOnceAsync("worker-b", CancellationToken.None));
        Assert.Equal(0, handler.Calls);

        App.Clock.Advance(TimeSpan.FromMinutes(2) + TimeSpan.FromSeconds(1));
        Assert.Equal(1, await processor.DrainOnceAsync("worker-b", CancellationToken.None));

        Assert.Equal(1, handler.Delivered["k-1"]);
        var row = await OutboxTestSupport.LoadAsync(App, id);
        Assert.Equal(OutboxStatus.Done, row.Status);
        Assert.Null(row.LeaseOwner);
    }

    [ProviderFact]
    public async Task A_worker_whose_lease_was_taken_over_does_not_overwrite_the_new_owners_success()
    {
        var id = (await OutboxTestSupport.EnqueueAsync(App, Kind, 1))[0];
        var handler = new RecordingHandler(Kind);
        var (workerA, servicesA) = OutboxTestSupport.Processor(App, Options, handlers: handler);
        await using var ownedA = servicesA;

        // Worker B runs where the clock is past A's lease (A is stuck in its handler).
        var laterClock = new FakeTimeProvider(App.Clock.GetUtcNow() + TimeSpan.FromMinutes(3));
        var (workerB, servicesB) = OutboxTestSupport.Processor(App, Options, laterClock, handler);
        await using var ownedB = servicesB;

        var takenOver = 0;
        handler.Behaviour = async (_, call, _) =>
        {
            if (call == 1)
            {
                // A's call: while it hangs, B takes the lapsed lease and delivers. Then A fails.
                takenOver = await workerB.DrainOnceAsync("worker-b", CancellationToken.None);
                throw new HttpRequestException("stuck");
            }
        };

        Assert.Equal(1, await workerA.DrainOnceAsync("worker-a", CancellationToken.None));

        Assert.Equal(1, takenOver);
        Assert.Equal(2, handler.Calls);
        Assert.Equal(1, handler.Delivered["k-1"]);
        var row = await OutboxTestSupport.LoadAsync(App, id);
        Assert.Equal(OutboxStatus.Done, row.Status);
        Assert.Equal(1, row.Attempts);
        Assert.Null(row.LastError);
        Assert.Equal(laterClock.GetUtcNow(), row.CompletedAt);
        Assert.Null(row.LeaseOwner);
    }

    [ProviderFact]
    public async Task A_worker_whose_lease_was_taken_over_does_not_overwrite_the_new_owners_failure()
    {
        var id = (await OutboxTestSupport.EnqueueAsync(App, Kind, 1))[0];
        var handler = new RecordingHandler(Kind);
        var (workerA, servicesA) = OutboxTestSupport.Processor(App, Options, handlers: handler);
        await using var ownedA = servicesA;
        var laterClock = new FakeTimeProvider(App.Clock.GetUtcNow() + TimeSpan.FromMinutes(3));
        var (workerB, servicesB) = OutboxTestSupport.Processor(App, Options, laterClock, handler);
        await using var ownedB = servicesB;

        handler.Behaviour = async (_, call, _) =>
        {
            if (call == 1)
            {
                // A's call: B takes over and fails; A then succeeds, too late.
                Assert.Equal(1, await workerB.DrainOnceAsync("worker-b", CancellationToken.None));
                return;
            }

            throw new InvalidOperationException("partner down");
        };

        Assert.Equal(1, await workerA.DrainOnceAsync("worker-a", CancellationToken.None));

        var row = await OutboxTestSupport.LoadAsync(App, id);
        Assert.Equal(OutboxStatus.Pending, row.Status);
        Assert.Equal(1, row.Attempts);
        Assert.Equal(nameof(InvalidOperationException), row.LastError);
        Assert.Null(row.CompletedAt);
        Assert.InRange(row.NextAttemptAt, laterClock.GetUtcNow() + TimeSpan.FromSeconds(4), laterClock.GetUtcNow() + TimeSpan.FromSeconds(6));
    }

    [ProviderFact]
    public async Task Shutdown_during_delivery_gives_the_lease_back_without_counting_an_attempt()
    {
        var ids = await OutboxTestSupport.EnqueueAsync(App, Kind, 3);
        var handler = new RecordingHandler(Kind);
        var (processor, services) = OutboxTestSupport.Processor(App, Options, handlers: handler);
        await using var handlerServices = services;
        using var stopping = new CancellationTokenSource();
        handler.Behaviour = async (_, _, ct) =>
        {
            await stopping.CancelAsync();
            await Task.Delay(Timeout.Infinite, ct);
        };

        Assert.Equal(3, await processor.DrainOnceAsync("worker-a", stopping.Token));

        Assert.Equal(1, handler.Calls);
        foreach (var id in ids)
        {
            var row = await OutboxTestSupport.LoadAsync(App, id);
            Assert.Equal(OutboxStatus.Pending, row.Status);
            Assert.Equal(0, row.Attempts);
            Assert.Null(row.LeaseOwner);
            Assert.Null(row.LeasedUntil);
        }

        // Another worker can have them at once, without waiting for the lease to lapse.
        handler.Behaviour = (_, _, _) => Task.CompletedTask;
        Assert.Equal(3, await processor.DrainOnceAsync("worker-b", CancellationToken.None));
        Assert.Equal(3, handler.Delivered.Count);
    }

    [ProviderFact]
    public async Task A_message_of_an_unknown_kind_fails_and_is_parked_after_max_attempts()
    {
        var id = (await OutboxTestSupport.EnqueueAsync(App, "test.nobody-handles-this", 1))[0];
        var (processor, services) = OutboxTestSupport.Processor(App, Options, handlers: new RecordingHandler(Kind));
        await using var handlerServices = services;

        for (var attempt = 1; attempt <= 3; attempt++)
        {
            Assert.Equal(1, await processor.DrainOnceAsync("worker-a", CancellationToken.None));
            var row = await OutboxTestSupport.LoadAsync(App, id);
            Assert.Equal(attempt, row.Attempts);
            Assert.Equal(OutboxProcessor.UnknownKindError, row.LastError);
            Assert.Equal(attempt < 3 ? OutboxStatus.Pending : OutboxStatus.Parked, row.Status);
            App.Clock.Advance(TimeSpan.FromMinutes(1));
        }

        App.Clock.Advance(TimeSpan.FromDays(1));
        Assert.Equal(0, await processor.DrainOnceAsync("worker-a", CancellationToken.None));
    }

    [ProviderFact]
    public async Task The_message_is_written_in_the_same_transaction_as_the_change_that_causes_it()
    {
        var now = App.Clock.GetUtcNow();
        await using (var db = App.Database.CreatePlatformContext())
        {
            db.Organizations.Add(new Organization("Taken", "taken-slug", now));
            await db.SaveChangesAsync();
        }

        // The change fails (duplicate slug): the message queued with it is not written either.
        await using (var db = App.Database.CreatePlatformContext())
        {
            db.Organizations.Add(new Organization("Fresh", "fresh-slug", now));
            db.Organizations.Add(new Organization("Clash", "taken-slug", now));
            OutboxQueue.Enqueue(db, Kind, "with-failing-change", new { n = 1 }, null, now);
            await Assert.ThrowsAsync<DbUpdateException>(() => db.SaveChangesAsync());
        }

        // The message fails (its key is already queued): the change made with it is not written either.
        await OutboxTestSupport.EnqueueAsync(App, Kind, 1, keyPrefix: "queued");
        await using (var db = App.Database.CreatePlatformContext())
        {
            db.Organizations.Add(new Organization("Other", "other-slug", now));
            OutboxQueue.Enqueue(db, Kind, "queued-1", new { n = 2 }, null, now);
            await Assert.ThrowsAsync<DbUpdateException>(() => db.SaveChangesAsync());
        }

        // Both succeed together.
        await using (var db = App.Database.CreatePlatformContext())
        {
            db.Organizations.Add(new Organization("Good", "good-slug", now));
            OutboxQueue.Enqueue(db, Kind, "with-good-change", new { n = 3 }, null, now);
            await db.SaveChangesAsync();
        }

        await using (var db = App.Database.CreatePlatformContext())
        {
            Assert.Equal(["good-slug", "taken-slug"], await db.Organizations.Select(o => o.Slug).OrderBy(s => s).ToListAsync());
            Assert.Equal(["queued-1", "with-good-change"], await db.OutboxMessages.Select(m => m.Key).OrderBy(k => k).ToListAsync());
        }
    }
}

public sealed class OutboxLeaseTestsOnSqlite() : OutboxLeaseTests(DatabaseProvider.Sqlite, null);

[Collection(PostgresCollection.Name)]
public sealed class OutboxLeaseTestsOnPostgres(PostgresServer postgres) : OutboxLeaseTests(DatabaseProvider.Postgres, postgres);
