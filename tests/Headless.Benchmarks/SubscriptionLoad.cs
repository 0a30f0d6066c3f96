using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using Headless.Auth;
using Headless.Data;
using Headless.Events;
using Headless.Hosting;
using Headless.Organizations;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Headless.Benchmarks;

/// <summary>
/// Many graphql-transport-ws subscribers on one instance while events commit at a steady rate: how many connections
/// the machine holds, the latency from an event's commit to its receipt (p50, p99), and memory per idle connection.
/// A load run, not a BenchmarkDotNet benchmark (it measures a running service over seconds, not a method):
/// <c>dotnet run -c Release --project tests/Headless.Benchmarks -- subscriptions [--subscribers 10000] [--per-org 10] [--rate 1000] [--seconds 20]</c>.
/// Subscribers watch their organization's orderEvents; each event goes to the subscribers of its organization, so
/// receipts per second are rate x per-org. Events are committed through the event log (EventLog.Append in a
/// transaction), the path every change takes, without the business logic in front of it. Clients and server share
/// the process (and its 2 cores here), so the figures are conservative.
/// </summary>
internal static class SubscriptionLoad
{
    public static async Task<int> RunAsync(string[] args)
    {
        var subscribers = Option(args, "--subscribers", 10_000);
        var perOrganization = Option(args, "--per-org", 10);
        var rate = Option(args, "--rate", 1_000);
        var seconds = Option(args, "--seconds", 20);
        var organizations = Math.Max(1, subscribers / perOrganization);

        var directory = Path.Combine(Path.GetTempPath(), "headless-subs-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(directory);
        var builder = HeadlessHost.CreateBuilder([]);
        builder.Environment.EnvironmentName = "Development";
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Headless:Database:Provider"] = Environment.GetEnvironmentVariable("HEADLESS_BENCH_POSTGRES") is { Length: > 0 } ? "Postgres" : "Sqlite",
            ["Headless:Database:ConnectionString"] = Environment.GetEnvironmentVariable("HEADLESS_BENCH_POSTGRES") is { Length: > 0 } pg ? pg : $"Data Source={Path.Combine(directory, "subs.db")}",
            ["Headless:Demo:Seed"] = "false",
            ["Headless:RateLimits:Enabled"] = "false",
            ["Headless:WebSockets:MaxConnections"] = (subscribers + 100).ToString(CultureInfo.InvariantCulture),
            ["Headless:WebSockets:PingInterval"] = "00:00:00",
            ["Headless:Outbox:Enabled"] = "false",
        });
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.WebHost.UseKestrel(o => o.Listen(System.Net.IPAddress.Loopback, 0));
        builder.Services.AddHeadless();
        await using var app = builder.Build();
        app.MapHeadless();
        await app.StartAsync();
        var address = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        var url = new UriBuilder(address) { Scheme = "ws", Path = "/graphql" }.Uri;

        var database = app.Services.GetRequiredService<HeadlessDatabase>();
        var tenants = await SeedAsync(database, organizations);
        Console.WriteLine($"{organizations} organizations, {subscribers} subscribers wanted, {rate} events/s for {seconds} s");

        var committedAt = new ConcurrentDictionary<(long Org, long Position), long>();
        var latencies = new ConcurrentBag<double>();
        var received = 0L;
        using var stop = new CancellationTokenSource();

        // Idle connections first, for memory per connection.
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        var before = GC.GetTotalMemory(forceFullCollection: true);
        var workingSetBefore = Process.GetCurrentProcess().WorkingSet64;
        var clients = new List<Subscriber>();
        var connectWatch = Stopwatch.StartNew();
        try
        {
            for (var i = 0; i < subscribers; i++)
            {
                var (orgId, key) = tenants[i % organizations];
                clients.Add(await Subscriber.ConnectAsync(url, key, orgId));
            }
        }
        catch (Exception ex) when (ex is WebSocketException or IOException or HttpRequestException)
        {
            Console.WriteLine($"Connections stopped at {clients.Count}: {ex.GetType().Name} {ex.Message}");
        }

        var feed = app.Services.GetRequiredService<EventFeed>();
        while (feed.SubscriberCount < clients.Count && connectWatch.Elapsed < TimeSpan.FromMinutes(5))
        {
            await Task.Delay(100);
        }

        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        var after = GC.GetTotalMemory(forceFullCollection: true);
        var workingSetAfter = Process.GetCurrentProcess().WorkingSet64;
        Console.WriteLine($"Connected and subscribed: {clients.Count} in {connectWatch.Elapsed.TotalSeconds:F1} s; feed subscribers {feed.SubscriberCount}");
        Console.WriteLine($"Memory per idle connection (client and server side, one process): managed {(after - before) / Math.Max(1, clients.Count) / 1024.0:F1} KiB, working set {(workingSetAfter - workingSetBefore) / Math.Max(1, clients.Count) / 1024.0:F1} KiB");

        var readers = clients.Select(c => c.ReadAsync((org, position) =>
        {
            var now = Stopwatch.GetTimestamp();
            if (committedAt.TryGetValue((org, position), out var at))
            {
                latencies.Add(Stopwatch.GetElapsedTime(at, now).TotalMilliseconds);
            }

            Interlocked.Increment(ref received);
        }, stop.Token)).ToList();

        // Commit at a steady rate: every 10 ms, the events due by then, round-robin over the organizations.
        var total = rate * seconds;
        var committed = 0;
        var clock = Stopwatch.StartNew();
        var next = 0;
        while (committed < total)
        {
            var due = (int)Math.Min(total, clock.Elapsed.TotalSeconds * rate);

            // The events due by now commit concurrently, as many requests' changes would.
            var batch = Enumerable.Range(0, due - committed).Select(_ => tenants[next++ % organizations].OrgId).ToList();
            await Parallel.ForEachAsync(batch, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (orgId, _) =>
            {
                var position = await CommitAsync(database, orgId);
                committedAt[(orgId, position)] = Stopwatch.GetTimestamp();
            });
            committed = due;

            await Task.Delay(10);
        }

        var commitSeconds = clock.Elapsed.TotalSeconds;
        var expected = (long)total * perOrganization * clients.Count / Math.Max(1, subscribers);
        var drain = Stopwatch.StartNew();
        while (Interlocked.Read(ref received) < expected && drain.Elapsed < TimeSpan.FromSeconds(60))
        {
            await Task.Delay(50);
        }

        await stop.CancelAsync();
        var sorted = latencies.OrderBy(x => x).ToArray();
        double Percentile(double p) => sorted.Length == 0 ? double.NaN : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];
        Console.WriteLine($"Committed {committed} events in {commitSeconds:F1} s ({committed / commitSeconds:F0}/s); received {received} of {expected} expected deliveries");
        Console.WriteLine($"Commit to receipt: p50 {Percentile(0.50):F1} ms, p99 {Percentile(0.99):F1} ms, max {sorted.LastOrDefault():F1} ms");
        foreach (var c in clients)
        {
            c.Dispose();
        }

        await app.StopAsync();
        return received == expected ? 0 : 1;
    }

    private static int Option(string[] args, string name, int fallback)
    {
        var at = Array.IndexOf(args, name);
        return at >= 0 && at + 1 < args.Length ? int.Parse(args[at + 1], CultureInfo.InvariantCulture) : fallback;
    }

    private static async Task<List<(long OrgId, string Key)>> SeedAsync(HeadlessDatabase database, int organizations)
    {
        var now = DateTimeOffset.UtcNow;
        await using var db = database.CreatePlatformContext();
        var orgs = Enumerable.Range(0, organizations).Select(i => new Organization($"Load {i}", $"load-{i}-{Guid.NewGuid():N}"[..30], now)).ToList();
        db.Organizations.AddRange(orgs);
        await db.SaveChangesAsync();
        var keys = orgs.Select(o => ApiKey.Generate(o.Id, "load", now)).ToList();
        db.ApiKeys.AddRange(keys.Select(k => k.Key));
        await db.SaveChangesAsync();
        return orgs.Zip(keys, (o, k) => (o.Id, k.PlainText)).ToList();
    }

    private static async Task<long> CommitAsync(HeadlessDatabase database, long organizationId)
    {
        await using var db = database.CreateContext(TenantContext.For(organizationId));
        await using var tx = await db.Database.BeginTransactionAsync();
        var e = Headless.Events.EventLog.Append(db, organizationId, EventTypes.CartChanged, new EventSubject(EventSubjectKind.Cart, 1, null, null, 1), null, DateTimeOffset.UtcNow, new { version = 1, lineCount = 0, status = "OPEN" });
        await db.SaveChangesAsync();
        await tx.CommitAsync();
        return e.Position;
    }

    private sealed class Subscriber(ClientWebSocket socket, long organizationId) : IDisposable
    {
        private static readonly byte[] Subscribe = Encoding.UTF8.GetBytes("""{"id":"1","type":"subscribe","payload":{"query":"subscription { orderEvents { cursor } }"}}""");

        public static async Task<Subscriber> ConnectAsync(Uri url, string key, long organizationId)
        {
            var socket = new ClientWebSocket();
            socket.Options.AddSubProtocol("graphql-transport-ws");
            socket.Options.KeepAliveInterval = TimeSpan.Zero;
            await socket.ConnectAsync(url, CancellationToken.None);
            await socket.SendAsync(Encoding.UTF8.GetBytes(JsonSerializer.Serialize(new { type = "connection_init", payload = new Dictionary<string, string> { ["Authorization"] = $"Bearer {key}" } })), WebSocketMessageType.Text, true, CancellationToken.None);
            var buffer = new byte[1024];
            var ack = await socket.ReceiveAsync(buffer, CancellationToken.None);
            if (!Encoding.UTF8.GetString(buffer, 0, ack.Count).Contains("connection_ack", StringComparison.Ordinal))
            {
                throw new WebSocketException("No connection_ack");
            }

            await socket.SendAsync(Subscribe, WebSocketMessageType.Text, true, CancellationToken.None);
            return new Subscriber(socket, organizationId);
        }

        public async Task ReadAsync(Action<long, long> onEvent, CancellationToken ct)
        {
            var buffer = new byte[4096];
            try
            {
                while (!ct.IsCancellationRequested)
                {
                    var result = await socket.ReceiveAsync(buffer, ct);
                    if (result.MessageType == WebSocketMessageType.Close)
                    {
                        return;
                    }

                    using var json = JsonDocument.Parse(buffer.AsMemory(0, result.Count));
                    if (json.RootElement.GetProperty("type").GetString() == "next" &&
                        EventCursor.TryDecode(json.RootElement.GetProperty("payload").GetProperty("data").GetProperty("orderEvents").GetProperty("cursor").GetString(), out var position))
                    {
                        onEvent(organizationId, position);
                    }
                }
            }
            catch (OperationCanceledException)
            {
            }
            catch (WebSocketException)
            {
            }
        }

        public void Dispose() => socket.Abort();
    }
}
