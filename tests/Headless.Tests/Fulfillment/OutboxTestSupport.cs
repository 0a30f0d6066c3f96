using System.Collections.Concurrent;
using Headless.Fulfillment;
using Headless.Outbox;
using Headless.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Headless.Tests.Fulfillment;

/// <summary>An outbox handler that counts deliveries per key and does whatever the test says.</summary>
internal sealed class RecordingHandler(string kind) : IOutboxHandler
{
    private int _calls;

    public string Kind { get; } = kind;

    /// <summary>Successful deliveries per message key.</summary>
    public ConcurrentDictionary<string, int> Delivered { get; } = new();

    /// <summary>Every call, successful or not.</summary>
    public int Calls => Volatile.Read(ref _calls);

    /// <summary>Runs on every call with the 1-based call number; throw to fail the delivery.</summary>
    public Func<OutboxMessage, int, CancellationToken, Task> Behaviour { get; set; } = (_, _, _) => Task.CompletedTask;

    public async Task HandleAsync(OutboxMessage message, CancellationToken ct)
    {
        var call = Interlocked.Increment(ref _calls);
        await Behaviour(message, call, ct);
        Delivered.AddOrUpdate(message.Key, 1, (_, n) => n + 1);
    }
}

internal static class OutboxTestSupport
{
    /// <summary>
    /// A processor on the app's database with the given handlers and clock, built outside the app's container
    /// (so it works for any provider without a services hook).
    /// </summary>
    public static (OutboxProcessor Processor, ServiceProvider Services) Processor(
        HeadlessApp app, OutboxOptions options, TimeProvider? clock = null, params IOutboxHandler[] handlers)
    {
        var services = new ServiceCollection();
        foreach (var h in handlers)
        {
            services.AddSingleton(h);
        }

        var provider = services.BuildServiceProvider();
        var processor = new OutboxProcessor(
            app.Database,
            provider.GetRequiredService<IServiceScopeFactory>(),
            Options.Create(options),
            clock ?? app.Clock,
            NullLogger<OutboxProcessor>.Instance);
        return (processor, provider);
    }

    public static async Task<List<long>> EnqueueAsync(HeadlessApp app, string kind, int count, long? organizationId = null, string keyPrefix = "k")
    {
        await using var db = app.Database.CreatePlatformContext();
        var messages = Enumerable.Range(1, count)
            .Select(i => OutboxQueue.Enqueue(db, kind, $"{keyPrefix}-{i}", new { n = i }, organizationId, app.Clock.GetUtcNow()))
            .ToList();
        await db.SaveChangesAsync();
        return messages.Select(m => m.Id).ToList();
    }

    public static async Task<OutboxMessage> LoadAsync(HeadlessApp app, long id)
    {
        await using var db = app.Database.CreatePlatformContext();
        return await db.OutboxMessages.AsNoTracking().SingleAsync(m => m.Id == id);
    }

    public static async Task<List<OutboxMessage>> AllAsync(HeadlessApp app)
    {
        await using var db = app.Database.CreatePlatformContext();
        return await db.OutboxMessages.AsNoTracking().OrderBy(m => m.Id).ToListAsync();
    }

    /// <summary>Makes a message look leased by a worker that then died.</summary>
    public static async Task LeaseAsDeadWorkerAsync(HeadlessApp app, long id, string owner, DateTimeOffset until)
    {
        await using var db = app.Database.CreatePlatformContext();
        var rows = await db.OutboxMessages.Where(m => m.Id == id)
            .ExecuteUpdateAsync(s => s.SetProperty(m => m.LeaseOwner, owner).SetProperty(m => m.LeasedUntil, until));
        Assert.Equal(1, rows);
    }
}
