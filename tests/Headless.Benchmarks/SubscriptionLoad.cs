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
            ["Headless:Database:MigrateOnStartup"] = "true",
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

        // The subscribers run in a child process: a process may hold 20,000 open files here, and every connection
        // is one file on each side.
        var keysFile = Path.Combine(directory, "keys.txt");
        await File.WriteAllLinesAsync(keysFile, tenants.Select(t => $"{t.OrgId} {t.Key}"));
        var self = Environment.ProcessPath!;
        var clientInfo = new ProcessStartInfo(self) { RedirectStandardOutput = true, RedirectStandardInput = true };
        foreach (var a in new[] { "subscription-clients", url.ToString(), keysFile, subscribers.ToString(CultureInfo.InvariantCulture), ((long)rate * seconds * perOrganization).ToString(CultureInfo.InvariantCulture) })
        {
            clientInfo.ArgumentList.Add(a);
        }

        if (!self.EndsWith("Headless.Benchmarks", StringComparison.Ordinal))
        {
            clientInfo.ArgumentList.Insert(0, typeof(SubscriptionLoad).Assembly.Location);
        }

        var feed = app.Services.GetRequiredService<EventFeed>();
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        var managedBefore = GC.GetTotalMemory(forceFullCollection: true);
        var workingSetBefore = Process.GetCurrentProcess().WorkingSet64;
        var connectWatch = Stopwatch.StartNew();
        using var clients = Process.Start(clientInfo)!;
        var connected = int.Parse((await clients.StandardOutput.ReadLineAsync())!.Split(' ')[1], CultureInfo.InvariantCulture);
        while (feed.SubscriberCount < connected && connectWatch.Elapsed < TimeSpan.FromMinutes(5))
        {
            await Task.Delay(100);
        }

        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        var managedAfter = GC.GetTotalMemory(forceFullCollection: true);
        var workingSetAfter = Process.GetCurrentProcess().WorkingSet64;
        Console.WriteLine($"Connected and subscribed: {connected} in {connectWatch.Elapsed.TotalSeconds:F1} s; feed subscribers {feed.SubscriberCount}; server connections {app.Services.GetRequiredService<Headless.Transport.WebSockets.GraphQLWebSocketEndpoint>().Connections}");
        Console.WriteLine($"Server memory per idle connection: managed {(managedAfter - managedBefore) / Math.Max(1, connected) / 1024.0:F1} KiB, working set {(workingSetAfter - workingSetBefore) / Math.Max(1, connected) / 1024.0:F1} KiB");

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
            await Parallel.ForEachAsync(batch, new ParallelOptions { MaxDegreeOfParallelism = 32 }, async (orgId, _) => await CommitAsync(database, orgId));
            committed = due;
            await Task.Delay(10);
        }

        var commitSeconds = clock.Elapsed.TotalSeconds;
        Console.WriteLine($"Committed {committed} events in {commitSeconds:F1} s ({committed / commitSeconds:F0}/s)");
        Console.WriteLine(await clients.StandardOutput.ReadLineAsync());
        Console.WriteLine(await clients.StandardOutput.ReadLineAsync());
        await clients.WaitForExitAsync();
        await app.StopAsync();
        return clients.ExitCode;
    }

    /// <summary>The child process: connects the subscribers, then reports deliveries and latency.</summary>
    public static async Task<int> RunClientsAsync(string[] args)
    {
        var url = new Uri(args[0]);
        var tenants = (await File.ReadAllLinesAsync(args[1])).Select(l => l.Split(' ')).Select(p => (Org: long.Parse(p[0], CultureInfo.InvariantCulture), Key: p[1])).ToList();
        var subscribers = int.Parse(args[2], CultureInfo.InvariantCulture);
        var expected = long.Parse(args[3], CultureInfo.InvariantCulture) * subscribers / Math.Max(1, subscribers);
        var clients = new List<Subscriber>();
        try
        {
            for (var i = 0; i < subscribers; i++)
            {
                var (_, key) = tenants[i % tenants.Count];
                clients.Add(await Subscriber.ConnectAsync(url, key));
            }
        }
        catch (Exception ex) when (ex is WebSocketException or IOException or HttpRequestException)
        {
            Console.Error.WriteLine($"Connections stopped at {clients.Count}: {ex.GetType().Name} {ex.Message}");
        }

        Console.WriteLine($"connected {clients.Count}");
        expected = expected * clients.Count / subscribers;
        var latencies = new ConcurrentBag<double>();
        var received = 0L;
        using var stop = new CancellationTokenSource();
        var readers = clients.Select(c => c.ReadAsync(committedAt =>
        {
            latencies.Add(Stopwatch.GetElapsedTime(committedAt).TotalMilliseconds);
            Interlocked.Increment(ref received);
        }, stop.Token)).ToList();

        var idle = Stopwatch.StartNew();
        var last = 0L;
        while (Interlocked.Read(ref received) < expected)
        {
            await Task.Delay(100);
            var now = Interlocked.Read(ref received);
            if (now != last)
            {
                (last, idle) = (now, Stopwatch.StartNew());
            }
            else if (now > 0 && idle.Elapsed > TimeSpan.FromSeconds(30))
            {
                break;
            }
        }

        await stop.CancelAsync();
        var sorted = latencies.OrderBy(x => x).ToArray();
        double Percentile(double p) => sorted.Length == 0 ? double.NaN : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];
        Console.WriteLine($"Received {received} of {expected} expected deliveries");
        Console.WriteLine($"From just before commit to receipt: p50 {Percentile(0.50):F1} ms, p99 {Percentile(0.99):F1} ms, max {sorted.LastOrDefault():F1} ms");
        foreach (var c in clients)
        {
            c.Dispose();
        }

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
        var e = Headless.Events.EventLog.Append(db, organizationId, EventTypes.CartChanged, new EventSubject(EventSubjectKind.Cart, 1, null, null, 1), null, DateTimeOffset.UtcNow, new { version = 1, lineCount = 0, status = "OPEN", committedAt = Stopwatch.GetTimestamp() });
        await db.SaveChangesAsync();
        await tx.CommitAsync();
        return e.Position;
    }

    private sealed class Subscriber(ClientWebSocket socket) : IDisposable
    {
        private static readonly byte[] Subscribe = Encoding.UTF8.GetBytes("""{"id":"1","type":"subscribe","payload":{"query":"subscription { orderEvents { payload } }"}}""");

        public static async Task<Subscriber> ConnectAsync(Uri url, string key)
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
            return new Subscriber(socket);
        }

        /// <summary>Reads deliveries until cancelled, handing each one's commit timestamp (Stopwatch ticks, one clock for both processes) to <paramref name="onEvent"/>.</summary>
        public async Task ReadAsync(Action<long> onEvent, CancellationToken ct)
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
                    if (json.RootElement.GetProperty("type").GetString() == "next")
                    {
                        var payload = json.RootElement.GetProperty("payload").GetProperty("data").GetProperty("orderEvents").GetProperty("payload");
                        onEvent(payload.GetProperty("committedAt").GetInt64());
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
