using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Headless.Data;
using Headless.Tests.Infrastructure;
using Headless.Tests.Webhooks;
using Microsoft.AspNetCore.Builder;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using PartnerPharmacy;
using Xunit.Abstractions;

namespace Headless.Tests.ScaleOut;

/// <summary>
/// A refill day on three instances of the service, each its own process, on one PostgreSQL database and one Redis, behind
/// a YARP load balancer. Several brands build 40-line carts, validate, read and check out (sandbox payments); the partner
/// pharmacy simulator takes the submissions and calls every line through its lifecycle back through the balancer; a
/// coordinator per brand watches on every instance over graphql-ws; a CRM receives each brand's order webhooks. Midway one
/// instance is killed (SIGKILL). Afterwards nothing is lost or doubled: orders, payments, partner submissions, line
/// events, subscriptions, webhooks and stock all add up, and no instance logged an error. Throughput and p99 per
/// operation are written to the test output.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class ScaleOutTests(PostgresServer postgres, RedisServer redis, ITestOutputHelper output) : IClassFixture<RedisServer>
{
    private const int Instances = 3;
    private const int Organizations = 6;
    private const int Rounds = 2;
    private const int LinesPerCart = 40;
    private const int LinesPerAdd = 10;
    private const int Stock = 10_000;
    private const int Killed = 1;

    private static readonly string[] WebhookTypes = ["order.created", "order.payment_authorized", "order.payment_captured"];
    private static readonly string[] LinePath = ["SUBMITTED", "RECEIVED", "COMPOUNDING", "SHIPPED", "DELIVERED"];

    private const string CartLight = "query($clinicId: ID!) { cart(clinicId: $clinicId) { id version status lineCount } }";

    private const string CartFull = """
        query($clinicId: ID!) { cart(clinicId: $clinicId) { id version status lineCount checkoutReady totals { total { amount } }
          lines(first: 40) { nodes { id quantity landedCost { amount } patient { id } product { id } pharmacy { id } issues { code } } } } }
        """;

    private const string Add = """
        mutation($clinicId: ID!, $lines: [CartLineInput!]!, $v: Int) {
          cartLinesAdd(clinicId: $clinicId, lines: $lines, expectedVersion: $v) { cart { id version lineCount } userErrors { code field message } } }
        """;

    private const string Remove = """
        mutation($cartId: ID!, $ids: [ID!]!) { cartLinesRemove(cartId: $cartId, lineIds: $ids) { cart { version lineCount } userErrors { code } } }
        """;

    private const string Validate = """
        mutation($cartId: ID!) { cartValidate(cartId: $cartId) { validation { cartVersion errorCount warningCount passed } userErrors { code message } } }
        """;

    private const string Checkout = """
        mutation($input: CartCheckoutInput!) { cartCheckout(input: $input) {
          order { id number status paymentStatus total { amount } } userErrors { code message lineIds } } }
        """;

    private const string OrderQuery = """
        query($n: String) { order(number: $n) { number status paymentStatus lineCount total { amount } capturedAmount { amount }
          lines(first: 40) { nodes { number status paymentStatus quantity amount { amount } capturedAmount { amount } patient { id } product { id } pharmacy { id } } } } }
        """;

    private const string EventsPage = """
        query($after: String) { events(after: $after, first: 100) { pageInfo { hasNextPage endCursor }
          nodes { cursor type subject { number } payload } } }
        """;

    private readonly List<InstanceProcess> _instances = [];
    private CancellationTokenSource? _stopProbe;

    [RedisFact]
    public async Task Three_instances_lose_and_double_nothing_when_one_is_killed_midway_through_a_refill_day()
    {
        try
        {
            await RunAsync();
        }
        catch
        {
            _stopProbe?.Cancel();

            // What the instances said is the first thing to read when this fails.
            foreach (var instance in _instances)
            {
                output.WriteLine($"--- {instance.Name}{(instance.Killed ? " (killed)" : "")}: errors, then the last lines");
                foreach (var line in instance.Errors.Take(30))
                {
                    output.WriteLine(line);
                }

                foreach (var line in instance.Lines.TakeLast(30))
                {
                    output.WriteLine(line);
                }
            }

            throw;
        }
    }

    /// <summary>Diagnostics: every second, the sessions that waited more than two seconds for a lock, and who held it.</summary>
    private async Task ProbeLockWaitsAsync(string connectionString, ConcurrentQueue<string> found, CancellationToken stop)
    {
        const string sql = """
            SELECT now()::time(3)::text, w.application_name, (now() - w.query_start)::text, left(w.query, 90),
                   b.application_name, b.state, (now() - b.xact_start)::text, left(b.query, 90)
            FROM pg_stat_activity w
            JOIN LATERAL unnest(pg_blocking_pids(w.pid)) AS blocker(pid) ON true
            JOIN pg_stat_activity b ON b.pid = blocker.pid
            WHERE w.datname = current_database() AND now() - w.query_start > interval '2 seconds'
            """;
        try
        {
            await using var connection = new Npgsql.NpgsqlConnection(connectionString);
            await connection.OpenAsync(stop);
            while (!stop.IsCancellationRequested)
            {
                await using (var command = new Npgsql.NpgsqlCommand(sql, connection))
                await using (var reader = await command.ExecuteReaderAsync(stop))
                {
                    while (await reader.ReadAsync(stop))
                    {
                        var row = string.Join(" | ", Enumerable.Range(0, reader.FieldCount).Select(i => reader.IsDBNull(i) ? "" : reader.GetString(i)));
                        if (found.Count < 10)
                        {
                            found.Enqueue(row);
                            output.WriteLine("lock wait: " + row);
                        }
                    }
                }

                await Task.Delay(1000, stop);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or Npgsql.NpgsqlException or InvalidOperationException)
        {
            // Diagnostics only: stopped, or the test ended under it.
        }
    }

    private async Task RunAsync()
    {
        var total = Stopwatch.StartNew();
        var service = InstanceProcess.FindServiceAssembly()
            ?? throw new InvalidOperationException("src/Headless has no build output next to this test build (dotnet build builds it with the tests).");
        var latencies = new Latencies();
        var connectionString = await postgres.CreateDatabaseAsync();
        var balancerPort = FreePort();
        var balancerAddress = new Uri($"http://127.0.0.1:{balancerPort}/");

        await using var receiver = await WebhookReceiver.StartAsync();
        var callbackAnswers = new ConcurrentDictionary<int, int>();
        await using var simulator = await StartSimulatorAsync(latencies, callbackAnswers);
        var pharmacyApi = SimulatorHost.GetBaseAddress(simulator);

        // Migrations run once, here, and the brands are onboarded through the API of an in-process instance on the same
        // database; it stops before the three start.
        var brands = await OnboardAsync(connectionString, pharmacyApi, receiver);
        var setup = total.Elapsed;
        output.WriteLine($"{setup.TotalSeconds:0.0} s: onboarded");

        var settings = InstanceSettings(connectionString, redis.Configuration, balancerAddress);
        var instances = Enumerable.Range(0, Instances).Select(i => InstanceProcess.Start($"instance-{i}", service, settings)).ToList();
        _instances.AddRange(instances);
        await using var stopInstances = new AsyncDisposables(instances);
        await Task.WhenAll(instances.Select(i => i.WaitReadyAsync(TimeSpan.FromSeconds(60))));
        await using var balancer = await LoadBalancer.StartAsync(instances, balancerPort);
        var started = total.Elapsed;
        output.WriteLine($"{started.TotalSeconds:0.0} s: instances ready");

        // Not disposed here: the failure handler above stops it too.
        var stopProbe = _stopProbe = new CancellationTokenSource();
        var lockWaits = new ConcurrentQueue<string>();
        var probe = Task.Run(() => ProbeLockWaitsAsync(connectionString, lockWaits, stopProbe.Token));

        // A coordinator of every brand on every instance, each from the brand's start cursor.
        using var stopSubscribers = new CancellationTokenSource();
        var subscribers = brands.SelectMany(b => instances.Select(i =>
            (Brand: b, Instance: i, Subscriber: new EventSubscriber($"{b.Name}@{i.Name}", b.ApiKey, i.WebSocketAddress, balancer.WebSocketAddress, b.StartCursor)))).ToList();
        var subscriberTasks = subscribers.Select(s => Task.Run(() => s.Subscriber.RunAsync(stopSubscribers.Token))).ToList();

        // The refill day; midway, once half the checkouts are done, one instance dies.
        var checkouts = 0;
        var halfway = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var killedAt = TimeSpan.Zero;
        var kill = Task.Run(async () =>
        {
            await halfway.Task;
            instances[Killed].Kill();
            killedAt = total.Elapsed;
            output.WriteLine($"{killedAt.TotalSeconds:0.0} s ({DateTime.UtcNow:HH:mm:ss.fff}): killed {instances[Killed].Name}");
        });
        var loadStart = total.Elapsed;
        var orders = (await Task.WhenAll(brands.Select(b => Task.Run(() => RefillDayAsync(b, balancerAddress, latencies, () =>
        {
            if (Interlocked.Increment(ref checkouts) == Organizations * Rounds / 2)
            {
                halfway.TrySetResult();
            }
        }))))).SelectMany(o => o).ToList();
        await kill;
        var loadEnd = total.Elapsed;
        output.WriteLine($"{loadEnd.TotalSeconds:0.0} s: every order placed");

        // Settled: every line delivered and every payment captured, nothing waiting in any outbox, every webhook received,
        // every subscriber caught up with its brand's log.
        using var api = Client(balancerAddress, brands[0].ApiKey);
        var finalOrders = await WaitAsync("every line delivered and every order captured", TimeSpan.FromSeconds(90), async () =>
        {
            var read = new List<(Brand Brand, PlacedOrder Placed, JsonElement Order)>();
            foreach (var o in orders)
            {
                using var http = Client(balancerAddress, o.Brand.ApiKey);
                var order = (await DataAsync(http, OrderQuery, new { n = o.Placed.Number })).GetProperty("order");
                if (order.GetProperty("paymentStatus").GetString() != "CAPTURED"
                    || order.At("lines.nodes").EnumerateArray().Any(l => l.GetProperty("status").GetString() != "DELIVERED"))
                {
                    return null;
                }

                read.Add((o.Brand, o.Placed, order));
            }

            return read;
        });
        output.WriteLine($"{total.Elapsed.TotalSeconds:0.0} s: every line delivered, every order captured");
        var logs = new Dictionary<string, List<JsonElement>>();
        foreach (var b in brands)
        {
            using var http = Client(balancerAddress, b.ApiKey);
            await WaitAsync($"{b.Name}: no outbox work pending or parked", TimeSpan.FromSeconds(60), async () =>
            {
                var q = (await DataAsync(http, "{ queueHealth { pending parked } }")).GetProperty("queueHealth");
                return q.GetProperty("pending").GetInt32() == 0 && q.GetProperty("parked").GetInt32() == 0 ? "" : null;
            });
            logs[b.Name] = await ReadLogAsync(http, b.StartCursor);
        }

        await WaitAsync("every webhook received", TimeSpan.FromSeconds(60), () => Task.FromResult(brands.All(b =>
            WebhookCursors(receiver, b).Keys.ToHashSet().SetEquals(logs[b.Name].Where(e => WebhookTypes.Contains(e.GetProperty("type").GetString())).Select(e => e.GetProperty("cursor").GetString()!))) ? "" : null));
        await WaitAsync("every subscriber caught up", TimeSpan.FromSeconds(60), () => Task.FromResult(subscribers.All(s =>
            s.Subscriber.LastCursor == (logs[s.Brand.Name] is { Count: > 0 } log ? log[^1].GetProperty("cursor").GetString() : s.Brand.StartCursor)) ? "" : null));
        var settled = total.Elapsed;
        await stopProbe.CancelAsync();
        await probe;
        await stopSubscribers.CancelAsync();
        await Task.WhenAll(subscriberTasks);

        // Orders: 40 lines each, exactly the cart that was checked out, every line delivered and captured, the capture
        // exactly the authorized total.
        Assert.Equal(Organizations * Rounds, finalOrders.Count);
        foreach (var (brand, placed, order) in finalOrders)
        {
            var lines = order.At("lines.nodes").EnumerateArray().ToList();
            Assert.Equal(("SUBMITTED", "CAPTURED", LinesPerCart), (order.GetProperty("status").GetString(), order.GetProperty("paymentStatus").GetString(), order.GetProperty("lineCount").GetInt32()));
            Assert.Equal(placed.Total, order.At("total.amount").GetInt64());
            Assert.Equal(placed.Total, order.At("capturedAmount.amount").GetInt64());
            Assert.Equal(placed.Total, lines.Sum(l => l.At("amount.amount").GetInt64()));
            Assert.All(lines, l => Assert.Equal(("DELIVERED", "CAPTURED", l.At("amount.amount").GetInt64()),
                (l.GetProperty("status").GetString(), l.GetProperty("paymentStatus").GetString(), l.At("capturedAmount.amount").GetInt64())));
            Assert.Equal(placed.Lines.Order(), lines.Select(l => (l.At("patient.id").GetString()!, l.At("product.id").GetString()!, l.At("pharmacy.id").GetString()!, l.GetProperty("quantity").GetInt32())).Order());
        }

        // The event log: per order one created, one authorized, one captured; per line each step once, in order.
        foreach (var b in brands)
        {
            var log = logs[b.Name];
            foreach (var (_, placed, order) in finalOrders.Where(o => o.Brand == b))
            {
                Assert.All(new[] { "order.created", "order.payment_authorized", "order.payment_captured" }, type =>
                    Assert.Single(log, e => e.GetProperty("type").GetString() == type && e.At("subject.number").GetString() == placed.Number));
                foreach (var line in order.At("lines.nodes").EnumerateArray())
                {
                    var number = line.GetProperty("number").GetString();
                    Assert.Equal(LinePath, log.Where(e => e.GetProperty("type").GetString() == "order_line.status_changed" && e.At("subject.number").GetString() == number)
                        .Select(e => e.At("payload.to").GetString()));
                }
            }
        }

        // Partner submissions: one partner order per pharmacy of each order, each received once in effect (repeats are
        // answered from the simulator's idempotency record), and every order line in exactly one of them.
        var book = simulator.Services.GetRequiredService<OrderBook>();
        var keys = book.OrderKeys();
        var partnerLines = keys.SelectMany(k => book.Find(k.Reference!)!.Lines.Select(l => l.LineNumber)).ToList();
        var orderLines = finalOrders.SelectMany(o => o.Order.At("lines.nodes").EnumerateArray().Select(l => l.GetProperty("number").GetString()!)).ToList();
        Assert.Equal(finalOrders.Sum(o => o.Placed.Lines.Select(l => l.Pharmacy).Distinct().Count()), keys.Count);
        Assert.Equal(orderLines.Order(), partnerLines.Order());
        var stats = book.Stats();
        Assert.Equal(0, stats.EventsFailed);

        // Webhooks: every order event of each brand received, each webhook-id always for one event; the receiver processes
        // each once (by webhook-id) however often it was delivered.
        var deliveries = 0;
        foreach (var b in brands)
        {
            var byCursor = WebhookCursors(receiver, b);
            Assert.All(byCursor, kv => Assert.Single(kv.Value.Ids));
            Assert.Equal(logs[b.Name].Where(e => WebhookTypes.Contains(e.GetProperty("type").GetString())).Select(e => e.GetProperty("cursor").GetString()!).Order(), byCursor.Keys.Order());
            deliveries += byCursor.Values.Sum(v => v.Deliveries);
        }

        // Subscribers: each saw its brand's whole log once, in order, from its start cursor; those on the killed instance
        // by resuming through the balancer with their cursor.
        foreach (var (brand, instance, subscriber) in subscribers)
        {
            Assert.Empty(subscriber.Problems);
            Assert.Equal(logs[brand.Name].Select(e => e.GetProperty("cursor").GetString()!), subscriber.Cursors);
            Assert.True(instance.Killed ? subscriber.Reconnects >= 1 : subscriber.Reconnects == 0, $"{subscriber.Name}: {subscriber.Reconnects} reconnect(s)");
        }

        // Stock: every offering moved by exactly the units ordered from it.
        var ordered = finalOrders.SelectMany(o => o.Placed.Lines).GroupBy(l => (l.Product, l.Pharmacy)).ToDictionary(g => g.Key, g => g.Sum(l => l.Quantity));
        var catalog = (await DataAsync(api, "{ catalog(shipToState: \"TX\", first: 50) { nodes { stock product { id } pharmacy { id } } } }")).At("catalog.nodes").EnumerateArray().ToList();
        Assert.Equal(ordered.Count, catalog.Count);
        Assert.All(catalog, o => Assert.Equal(Stock - ordered[(o.At("product.id").GetString()!, o.At("pharmacy.id").GetString()!)], o.GetProperty("stock").GetInt32()));

        // The pharmacy's callbacks: each failure is one the kill caused (the balancer's 502 for a callback in flight on the
        // killed instance), and the simulator's retry got every one through.
        Assert.All(callbackAnswers.Keys, status => Assert.True(status is 200 or 502, $"callback answered {status}"));

        // Logs: no instance logged an error or worse. The killed one could not log its own death; the others lose
        // nothing by it (its Postgres sessions end with it, Redis stays up), so none is expected there either.
        foreach (var instance in instances)
        {
            var errors = instance.Errors;
            Assert.True(errors.Count == 0, $"{instance.Name} logged errors:\n{string.Join('\n', errors.Take(20))}");
        }

        output.WriteLine($"Scale-out refill day: {Instances} instances (one killed at {killedAt.TotalSeconds:0.0} s), {Organizations} brands x {Rounds} rounds x {LinesPerCart}-line carts = {finalOrders.Count} orders, {orderLines.Count} lines.");
        output.WriteLine($"Times: setup {setup.TotalSeconds:0.0} s, instances ready {started.TotalSeconds:0.0} s, load {loadStart.TotalSeconds:0.0}-{loadEnd.TotalSeconds:0.0} s, settled {settled.TotalSeconds:0.0} s, test {total.Elapsed.TotalSeconds:0.0} s.");
        output.WriteLine($"Balancer: served {string.Join(", ", balancer.Served.OrderBy(kv => kv.Key).Select(kv => $"{kv.Key} {kv.Value}"))}; refused connections sent elsewhere {balancer.ConnectRetries}; client retries {latencies.Retries}.");
        output.WriteLine($"Simulator: {stats.OrdersReceived} partner orders from {stats.OrderRequests} requests ({stats.OrderRequests - stats.OrdersReceived} answered from the idempotency record); {stats.EventsSent} callbacks acknowledged, {stats.DeliveryAttempts} attempts ({string.Join(", ", callbackAnswers.OrderBy(kv => kv.Key).Select(kv => $"{kv.Key}: {kv.Value}"))}).");
        output.WriteLine($"Webhooks: {logs.Values.Sum(l => l.Count(e => WebhookTypes.Contains(e.GetProperty("type").GetString())))} events, {deliveries} deliveries. Subscribers: {subscribers.Count}, {subscribers.Sum(s => s.Subscriber.Cursors.Count)} events received, {subscribers.Sum(s => s.Subscriber.Reconnects)} resumed after the kill.");
        output.WriteLine("");
        output.WriteLine(latencies.Table());
    }

    /// <summary>What a brand is given at onboarding, and its cursor before the refill day.</summary>
    private sealed record Brand(int Index, string Name, string ApiKey, string ClinicId, string Prescriber, IReadOnlyList<string> Patients, IReadOnlyList<Offer> Offers, string StartCursor, string WebhookPath);

    private sealed record Offer(string OfferingId, string ProductId, string PharmacyId);

    private sealed record PlacedOrder(string Number, long Total, IReadOnlyList<(string Patient, string Product, string Pharmacy, int Quantity)> Lines);

    private sealed record BrandOrder(Brand Brand, PlacedOrder Placed);

    private static Dictionary<string, string> InstanceSettings(string connectionString, string redisConfiguration, Uri balancer) => new()
    {
        ["Headless:Database:Provider"] = "Postgres",
        ["Headless:Database:ConnectionString"] = connectionString,

        // The suite shares a small host with other work: a command that a CPU-starved instance could not finish within the
        // default 30 s is not what this test is about (it failed that way at a load average of 50 to 90 on 2 cores).
        ["Headless:Database:CommandTimeoutSeconds"] = "120",
        ["Headless:Demo:Seed"] = "false",
        ["Headless:Redis:Configuration"] = redisConfiguration,
        ["Headless:Http:KnownProxies:0"] = "127.0.0.1",

        // Pharmacies call back through the balancer, like any public URL.
        ["Headless:Partners:CallbackBaseUrl"] = balancer.ToString().TrimEnd('/'),
        ["Headless:Partners:Timeout"] = "00:00:03",

        // A killed instance's leases lapse in seconds, and failed attempts come back soon, so the test is bounded.
        ["Headless:Outbox:LeaseDuration"] = "00:00:05",
        ["Headless:Outbox:HandlerTimeout"] = "00:00:04",
        ["Headless:Outbox:PollInterval"] = "00:00:00.200",
        ["Headless:Outbox:BaseBackOff"] = "00:00:00.250",
        ["Headless:Outbox:MaxBackOff"] = "00:00:02",
        ["Headless:Events:FeedPollInterval"] = "00:00:01",
        ["Headless:Webhooks:FanoutPollInterval"] = "00:00:01",
        ["Headless:Webhooks:AllowPrivateDestinations"] = "true",
        ["Headless:Webhooks:Timeout"] = "00:00:03",
        ["Headless:Webhooks:RetrySchedule:0"] = "00:00:01",
        ["Headless:Webhooks:RetrySchedule:1"] = "00:00:02",
        ["Headless:Webhooks:RetrySchedule:2"] = "00:00:05",
        ["Headless:Payments:CaptureSweepInterval"] = "00:00:02",

        // One client address and one clock-time budget for six brands' load: the limits are tested elsewhere.
        ["Headless:RateLimits:Enabled"] = "false",
    };

    private static async Task<WebApplication> StartSimulatorAsync(Latencies latencies, ConcurrentDictionary<int, int> answers)
    {
        var simulator = SimulatorHost.Build(
            ["--urls", "http://127.0.0.1:0", "--Simulator:StepDelay=00:00:01", "--Simulator:RetryBaseDelay=00:00:00.200", "--Simulator:MaxDeliveryAttempts=12"],
            services =>
            {
                services.Configure<SimulatorOptions>(o => (o.OutOfStockProducts, o.HoldProducts) = ([], []));
                services.AddHttpClient(LineLifecycle.CallbackClientName).AddHttpMessageHandler(() => new CallbackTiming(latencies, answers));
                services.AddLogging(l => l.ClearProviders());
            });
        await simulator.StartAsync();
        return simulator;
    }

    /// <summary>Times each partner callback as the pharmacy sees it, through the balancer, and counts its answers.</summary>
    private sealed class CallbackTiming(Latencies latencies, ConcurrentDictionary<int, int> answers) : DelegatingHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var start = latencies.Now;
            try
            {
                var response = await base.SendAsync(request, cancellationToken);
                answers.AddOrUpdate((int)response.StatusCode, 1, (_, n) => n + 1);
                if (response.IsSuccessStatusCode)
                {
                    latencies.Record("partner callback", start);
                }
                else
                {
                    latencies.Retry("partner callback");
                }

                return response;
            }
            catch (HttpRequestException)
            {
                answers.AddOrUpdate(0, 1, (_, n) => n + 1);
                latencies.Retry("partner callback");
                throw;
            }
        }
    }

    private async Task<List<Brand>> OnboardAsync(string connectionString, Uri pharmacyApi, WebhookReceiver receiver)
    {
        await using var app = HeadlessApp.On(DatabaseProvider.Postgres, connectionString);
        var c = new CatalogBuilder(Stock);
        var (semaEast, semaWest, testo, sermorelin, oxytocin) = (c.SemaEast(), c.SemaWest(), c.TestoEast(), c.SermorelinSlow(), c.OxytocinEast());
        await c.SaveAsync(app.Database);
        Offer Of(Headless.Catalog.Offering o) => new(CatalogBuilder.Id(o), CatalogBuilder.Id(o.Product), CatalogBuilder.Id(o.Pharmacy));
        await using (var db = app.Database.CreatePlatformContext())
        {
            foreach (var pharmacy in await db.Pharmacies.ToListAsync())
            {
                pharmacy.ConfigureIntegration(pharmacyApi.ToString(), new Uri(pharmacyApi, "oauth/token").ToString(), SimulatorOptions.DefaultClientId,
                    app.Secrets.Protect(SimulatorOptions.DefaultClientSecret), app.Secrets.Protect(SimulatorOptions.DefaultWebhookSecret));
            }

            await db.SaveChangesAsync();
        }

        return [.. await Task.WhenAll(Enumerable.Range(0, Organizations).Select(async i =>
        {
            var tenant = await app.CreateTenantAsync($"Brand {i}");
            var client = tenant.Client;
            var clinic = await TestData.CreateAsync(client, TestData.ClinicCreate, "clinicCreate", TestData.Clinic($"Brand {i} Clinic"));
            var prescriber = await TestData.CreateAsync(client, TestData.PrescriberCreate, "prescriberCreate", TestData.Prescriber());
            var patients = new List<string>();
            for (var p = 0; p < LinesPerCart; p++)
            {
                patients.Add(await TestData.CreateAsync(client, TestData.PatientCreate, "patientCreate", TestData.Patient($"Pat{p:00}", $"Brand{i}", $"B{i}-P{p:000}")));
            }

            var path = $"hooks/brand-{i}";
            await WebhookHarness.CreateEndpointAsync(client, receiver.Url(path), WebhookTypes);

            // One edit before the day, so the log has a position to start from: every subscriber and check counts from here.
            var added = (await client.DataAsync(Add, new { clinicId = clinic, lines = new[] { CartData.GoodLine(patients[0], prescriber, Of(testo).OfferingId) } })).At("cartLinesAdd.cart");
            await client.DataAsync(Remove, new { cartId = added.GetProperty("id").GetString(), ids = await LineIdsAsync(client, clinic) });
            var start = (await client.DataAsync("{ events(first: 100) { pageInfo { endCursor } } }")).At("events.pageInfo.endCursor").GetString()!;
            Offer[] offers = [Of(i % 2 == 0 ? semaEast : semaWest), Of(testo), Of(sermorelin), Of(oxytocin)];
            return new Brand(i, $"brand-{i}", tenant.ApiKey, clinic, prescriber, patients, offers, start, "/" + path);
        }))];
    }

    private static async Task<string[]> LineIdsAsync(GraphQLClient client, string clinicId) =>
        [.. (await client.DataAsync(CartFull, new { clinicId })).At("cart.lines.nodes").EnumerateArray().Select(l => l.GetProperty("id").GetString()!)];

    /// <summary>
    /// One brand's refill day through the balancer: per round, a 40-line cart built in four adds, validated, read whole and
    /// checked out. Every request that fails in transit (the instance died under it) is retried the way the API makes safe:
    /// adds carry the expected version and are checked against the cart, checkout keeps its idempotency key.
    /// </summary>
    private static async Task<List<BrandOrder>> RefillDayAsync(Brand b, Uri balancer, Latencies latencies, Action checkedOut)
    {
        using var http = Client(balancer, b.ApiKey);
        var placed = new List<BrandOrder>();
        for (var round = 0; round < Rounds; round++)
        {
            var cart = await ReliablyAsync(http, latencies, "cart (light)", CartLight, new { clinicId = b.ClinicId });
            var (cartId, version) = (cart.At("cart.id").GetString()!, cart.At("cart.version").GetInt32());
            var lines = Enumerable.Range(0, LinesPerCart).Select(p =>
            {
                var offer = b.Offers[(p + round) % b.Offers.Count];
                return (Patient: b.Patients[p], Offer: offer, Quantity: 1 + (p % 2));
            }).ToList();
            for (var chunk = 0; chunk < LinesPerCart / LinesPerAdd; chunk++)
            {
                var input = lines.Skip(chunk * LinesPerAdd).Take(LinesPerAdd).Select(l => CartData.GoodLine(l.Patient, b.Prescriber, l.Offer.OfferingId, l.Quantity)).ToArray();
                version = await AddAsync(http, latencies, b, input, version, (chunk + 1) * LinesPerAdd);
            }

            var validation = (await ReliablyAsync(http, latencies, "cartValidate", Validate, new { cartId })).At("cartValidate.validation");
            Assert.Equal((0, true, version), (validation.GetProperty("errorCount").GetInt32(), validation.GetProperty("passed").GetBoolean(), validation.GetProperty("cartVersion").GetInt32()));

            var full = (await ReliablyAsync(http, latencies, "cart (40 lines)", CartFull, new { clinicId = b.ClinicId })).GetProperty("cart");
            Assert.Equal((LinesPerCart, true, version), (full.GetProperty("lineCount").GetInt32(), full.GetProperty("checkoutReady").GetBoolean(), full.GetProperty("version").GetInt32()));
            var cartTotal = full.At("totals.total.amount").GetInt64();

            var order = await CheckoutAsync(http, latencies, cartId, version, $"{b.Name}-round-{round}");
            Assert.Equal(cartTotal, order.At("total.amount").GetInt64());
            placed.Add(new BrandOrder(b, new PlacedOrder(order.GetProperty("number").GetString()!, cartTotal,
                [.. lines.Select(l => (l.Patient, l.Offer.ProductId, l.Offer.PharmacyId, l.Quantity))])));
            checkedOut();
        }

        return placed;
    }

    private static async Task<int> AddAsync(HttpClient http, Latencies latencies, Brand b, object[] input, int version, int linesAfter)
    {
        for (var attempt = 0; attempt < 20; attempt++)
        {
            if (await TryAsync(http, latencies, "cartLinesAdd", Add, new { clinicId = b.ClinicId, lines = input, v = version }) is { } data)
            {
                var payload = data.GetProperty("cartLinesAdd");
                var codes = payload.UserErrorCodes();
                if (codes.Count == 0)
                {
                    Assert.Equal(linesAfter, payload.At("cart.lineCount").GetInt32());
                    return payload.At("cart.version").GetInt32();
                }

                Assert.True(codes is ["CART_VERSION_MISMATCH"] or ["BUSY_RETRY"], $"cartLinesAdd: {payload.GetRawText()}");
            }

            // Unknown outcome (the instance died under the request) or a version that moved: the cart says whether it applied.
            var cart = (await ReliablyAsync(http, latencies, "cart (light)", CartLight, new { clinicId = b.ClinicId })).GetProperty("cart");
            version = cart.GetProperty("version").GetInt32();
            if (cart.GetProperty("lineCount").GetInt32() == linesAfter)
            {
                return version;
            }
        }

        throw new InvalidOperationException($"{b.Name}: cartLinesAdd did not go through in 20 attempts.");
    }

    private static async Task<JsonElement> CheckoutAsync(HttpClient http, Latencies latencies, string cartId, int version, string key)
    {
        var deadline = Stopwatch.StartNew();
        var last = "";
        while (deadline.Elapsed < TimeSpan.FromSeconds(60))
        {
            var input = new { cartId, expectedVersion = version, paymentMethodId = "pm_card_visa", idempotencyKey = key };
            if (await TryAsync(http, latencies, "cartCheckout", Checkout, new { input }) is { } data)
            {
                var payload = data.GetProperty("cartCheckout");
                var codes = payload.UserErrorCodes();
                if (codes.Count == 0 && payload.At("order.status").GetString() == "SUBMITTED")
                {
                    return payload.GetProperty("order");
                }

                // PENDING_PAYMENT: an attempt that died with its instance holds the authorization lease until it lapses; the
                // same key then finishes the checkout (README "Checkout and payments").
                Assert.True(codes.Count == 0 || codes is ["BUSY_RETRY"], $"cartCheckout: {payload.GetRawText()}");
                last = payload.GetRawText();
                latencies.Retry("cartCheckout");
                await Task.Delay(500);
            }
        }

        throw new TimeoutException($"Checkout {key} did not complete within 60 s; the last answer: {last}");
    }

    /// <summary>A read or an idempotent mutation: sent again until it goes through.</summary>
    private static async Task<JsonElement> ReliablyAsync(HttpClient http, Latencies latencies, string operation, string query, object variables)
    {
        for (var attempt = 0; attempt < 50; attempt++)
        {
            if (await TryAsync(http, latencies, operation, query, variables) is { } data)
            {
                return data;
            }
        }

        throw new InvalidOperationException($"{operation} did not go through in 50 attempts.");
    }

    /// <summary>
    /// The data of a successful answer (timed); null for a failure in transit that the caller may retry (the balancer's 502,
    /// or the connection dropping). Anything else, a 500 above all, fails the test.
    /// </summary>
    private static async Task<JsonElement?> TryAsync(HttpClient http, Latencies latencies, string operation, string query, object variables)
    {
        var start = latencies.Now;
        try
        {
            using var content = new StringContent(JsonSerializer.Serialize(new { query, variables }), Encoding.UTF8, "application/json");
            using var response = await http.PostAsync("graphql", content);
            if (response.StatusCode is HttpStatusCode.BadGateway or HttpStatusCode.ServiceUnavailable or HttpStatusCode.GatewayTimeout)
            {
                latencies.Retry(operation);
                await Task.Delay(100);
                return null;
            }

            var body = await GraphQLResponse.ReadAsync(response);
            Assert.True(body.Status == HttpStatusCode.OK && !body.HasErrors, $"{operation}: {(int)body.Status} {body.Raw}");
            latencies.Record(operation, start);
            return body.Data;
        }
        catch (HttpRequestException)
        {
            latencies.Retry(operation);
            await Task.Delay(100);
            return null;
        }
    }

    private static async Task<JsonElement> DataAsync(HttpClient http, string query, object? variables = null)
    {
        using var content = new StringContent(JsonSerializer.Serialize(new { query, variables }), Encoding.UTF8, "application/json");
        using var response = await http.PostAsync("graphql", content);
        var body = await GraphQLResponse.ReadAsync(response);
        Assert.True(body.Status == HttpStatusCode.OK && !body.HasErrors, $"{(int)body.Status} {body.Raw}");
        return body.Data;
    }

    private static async Task<List<JsonElement>> ReadLogAsync(HttpClient http, string after)
    {
        var events = new List<JsonElement>();
        string? cursor = after;
        while (true)
        {
            var page = (await DataAsync(http, EventsPage, new { after = cursor })).GetProperty("events");
            events.AddRange(page.GetProperty("nodes").EnumerateArray());
            if (!page.At("pageInfo.hasNextPage").GetBoolean())
            {
                return events;
            }

            cursor = page.At("pageInfo.endCursor").GetString();
        }
    }

    /// <summary>The webhooks a brand's CRM received, by the event cursor in their body: the webhook-ids used for it and how often it came.</summary>
    private static Dictionary<string, (HashSet<string> Ids, int Deliveries)> WebhookCursors(WebhookReceiver receiver, Brand b) =>
        receiver.Received.Where(r => r.Path == b.WebhookPath)
            .GroupBy(r => JsonDocument.Parse(r.Body).RootElement.At("data.cursor").GetString()!)
            .ToDictionary(g => g.Key, g => (g.Select(r => r.Id!).ToHashSet(), g.Count()));

    /// <summary>Polls (the instances are other processes, off any fake clock) until the probe returns a value, or fails at the deadline.</summary>
    private static async Task<T> WaitAsync<T>(string what, TimeSpan patience, Func<Task<T?>> probe)
        where T : class
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            if (await probe() is { } done)
            {
                return done;
            }

            Assert.True(deadline.Elapsed < patience, $"Not settled within {patience}: {what}.");
            await Task.Delay(250);
        }
    }

    private static HttpClient Client(Uri baseAddress, string apiKey)
    {
        var http = new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(60) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
        http.DefaultRequestHeaders.TryAddWithoutValidation("Accept", GraphQLClient.Accept);
        return http;
    }

    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private sealed class AsyncDisposables(IEnumerable<IAsyncDisposable> items) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            foreach (var item in items)
            {
                await item.DisposeAsync();
            }
        }
    }
}
