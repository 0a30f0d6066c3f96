using System.Collections.Concurrent;
using Headless.Fulfillment;
using Headless.Outbox;
using Headless.Tests.Infrastructure;

namespace Headless.Tests.Fulfillment;

/// <summary>Several workers share one PostgreSQL queue through FOR UPDATE SKIP LOCKED leases.</summary>
[Collection(PostgresCollection.Name)]
public sealed class OutboxConcurrencyTests(PostgresServer server)
{
    private static readonly Dictionary<string, string?> Settings = new() { ["Headless:Outbox:Enabled"] = "false" };

    [ProviderFact]
    public async Task Three_workers_drain_a_thousand_messages_each_delivered_exactly_once()
    {
        await using var app = await HeadlessApp.PostgresAsync(server, Settings);
        _ = app.Services; // starts the host: migrations
        var ids = await OutboxTestSupport.EnqueueAsync(app, "test.record", 1000);

        var handler = new RecordingHandler("test.record")
        {
            // A little real work per message so the workers overlap.
            Behaviour = async (_, _, _) => await Task.Yield(),
        };
        var (processor, services) = OutboxTestSupport.Processor(app, new OutboxOptions { BatchSize = 20 }, handlers: handler);
        await using var handlerServices = services;

        var leasedBy = new ConcurrentDictionary<string, int>();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        var workers = Enumerable.Range(1, 3).Select(n => Task.Run(async () =>
        {
            var id = $"test-{Guid.NewGuid():N}-{n}";
            int leased;
            while ((leased = await processor.DrainOnceAsync(id, timeout.Token)) > 0)
            {
                leasedBy.AddOrUpdate(id, leased, (_, total) => total + leased);
            }
        })).ToList();
        await Task.WhenAll(workers);

        Assert.Equal(1000, handler.Delivered.Count);
        Assert.All(handler.Delivered, d => Assert.Equal(1, d.Value));
        Assert.Equal(1000, handler.Calls);
        Assert.Equal(1000, leasedBy.Values.Sum());
        Assert.True(leasedBy.Count >= 2, $"Expected the work to be shared; leases per worker: {string.Join(", ", leasedBy.Values)}");

        var rows = await OutboxTestSupport.AllAsync(app);
        Assert.Equal(ids.Order(), rows.Select(r => r.Id));
        Assert.All(rows, r =>
        {
            Assert.Equal(OutboxStatus.Done, r.Status);
            Assert.Equal(1, r.Attempts);
            Assert.Null(r.LeaseOwner);
            Assert.Null(r.LeasedUntil);
            Assert.Equal(app.Clock.GetUtcNow(), r.CompletedAt);
        });
    }
}
