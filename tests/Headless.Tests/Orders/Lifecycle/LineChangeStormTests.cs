using System.Net;
using System.Text.Json;
using Headless.Data;
using Headless.Events;
using Headless.GraphQL;
using Headless.Shared;
using Headless.Tests.Infrastructure;
using Headless.Tests.Partners;
using Microsoft.EntityFrameworkCore;
using static Headless.Tests.Partners.PartnerCallbacks;

namespace Headless.Tests.Orders.Lifecycle;

/// <summary>
/// 200 partner callbacks and clinic cancellations over the 20 lines of one order, all at once, while a brand pages
/// events(after:): every change is one event, positions only grow, each line's sequence only grows, and the reader
/// sees the whole log exactly once and in order.
/// </summary>
public abstract class LineChangeStormTests(DatabaseProvider provider, PostgresServer? postgres) : ProviderTest(provider, postgres)
{
    private const string EventsPage = """
        query($after: String) {
          events(after: $after, first: 50) {
            pageInfo { hasNextPage endCursor }
            nodes { id cursor type subject { type id } sequence payload }
          }
        }
        """;

    private const string Cancel = """
        mutation($lineId: ID!) { orderLineCancel(lineId: $lineId, reason: "Changed plans") { line { status } userErrors { code } } }
        """;

    private static readonly string[] Steps = ["line.received", "line.compounding", "line.on_hold", "line.shipped", "line.delivered"];

    private CartFixture _f = null!;

    protected override async Task InitializeAppAsync() => _f = await CartData.CreateAsync(App, 20);

    [ProviderFact]
    public async Task Two_hundred_concurrent_changes_give_one_event_each_in_order_and_a_reader_sees_every_one_once()
    {
        var offerings = Enumerable.Range(0, 20).Select(i => i % 2 == 0 ? _f.Catalog.SemaEast : _f.Catalog.SemaWest).ToList();
        var order = await CheckoutAsync(App, _f, offerings, "storm");
        using var http = App.CreateClient();
        var now = App.Clock.GetUtcNow();

        // Ten operations per line: the forward path with a hold, each callback also delivered a second time (same id),
        // and on every fourth line two clinic cancellations racing them. Shuffled with a fixed seed, then all at once.
        var operations = new List<Func<Task<HttpStatusCode>>>();
        for (var l = 0; l < order.Lines.Count; l++)
        {
            var line = order.Lines[l];
            var perLine = new List<Func<Task<HttpStatusCode>>>();
            for (var s = 0; s < Steps.Length - (l % 4 == 0 ? 1 : 0); s++)
            {
                var type = Steps[s];
                var id = $"evt_storm_{l}_{s}";
                var extra = type == "line.shipped" ? new { carrier = "UPS", trackingNumber = $"1Z{l:000}" } : (object?)(type == "line.on_hold" ? new { reasonCode = "OUT_OF_STOCK", owner = "PHARMACY" } : null);
                var body = Body(type, line.Number, now.AddSeconds(s - 60), id, extra);
                operations.Add(() => PostOnceAsync(http, order, line, body));
                perLine.Add(() => PostOnceAsync(http, order, line, body));
            }

            if (l % 4 == 0)
            {
                // Two coordinators cancel the same line: at most one of them changes it.
                perLine.Add(async () => (await order.Client.PostAsync(Cancel, new { lineId = line.Id })).Status);
                perLine.Add(async () => (await order.Client.PostAsync(Cancel, new { lineId = line.Id })).Status);
            }

            operations.AddRange(perLine);
        }

        Assert.Equal(200, operations.Count);
        var random = new Random(20261201);
        var shuffled = operations.OrderBy(_ => random.Next()).ToList();

        using var stop = new CancellationTokenSource();
        var reader = Task.Run(() => ReadWhileAsync(order.Client, stop.Token));
        var statuses = await Task.WhenAll(shuffled.Select(op => Task.Run(op)));
        await stop.CancelAsync();
        var seenByReader = await reader;

        Assert.All(statuses, s => Assert.Equal(HttpStatusCode.OK, s));

        // Lost races are handled, not failures: nothing at error level.
        Assert.Empty(App.Logs.Errors);

        var log = await ReadFromAsync(order.Client, null, CancellationToken.None);
        var positions = log.Select(e => Position(e)).ToList();
        Assert.Equal(positions.Order().ToList(), positions);
        Assert.Equal(positions.Count, positions.Distinct().Count());
        Assert.Equal(log.Select(Id), seenByReader.Select(Id));

        // One event per change: the line's audit trail and its status_changed events match one for one.
        await using var db = App.Database.CreatePlatformContext();
        foreach (var line in order.Lines)
        {
            GlobalId.TryDecode(line.Id, "OrderLine", out var key);
            var trail = await db.OrderLineEvents.IgnoreQueryFilters().AsNoTracking().Where(e => e.OrderLineId == key).OrderBy(e => e.Id).Select(e => e.Sequence).ToListAsync();
            var events = log.Where(e => e.GetProperty("type").GetString() == EventTypes.OrderLineStatusChanged && e.At("subject.id").GetString() == line.Id).ToList();
            var sequences = events.Select(e => e.GetProperty("sequence").GetInt32()).ToList();
            Assert.Equal(trail, sequences);
            Assert.Equal(sequences.Order().Distinct().ToList(), sequences);
            var stored = await db.OrderLines.IgnoreQueryFilters().AsNoTracking().Where(l => l.Id == key).Select(l => new { l.Sequence, l.Status }).SingleAsync();
            Assert.Equal(stored.Status.ToWire(), events[^1].At("payload.to").GetString());
            Assert.True(stored.Sequence >= sequences[^1]);
        }

        // Every line was decided (delivered, or cancelled in time, or moved on past the cancellation): one capture.
        Assert.Single(log, e => e.GetProperty("type").GetString() == EventTypes.OrderPaymentCaptured);
    }

    private static string Id(JsonElement e) => e.GetProperty("id").GetString()!;

    private static long Position(JsonElement e)
    {
        Assert.True(EventCursor.TryDecode(e.GetProperty("cursor").GetString(), out var position));
        return position;
    }

    private async Task<HttpStatusCode> PostOnceAsync(HttpClient http, CallbackOrder order, OrderLineInfo line, string body)
    {
        using var response = await PostAsync(http, line.PharmacyId, order.SecretOf(line), body, App.Clock.GetUtcNow());
        return response.StatusCode;
    }

    private static async Task<List<JsonElement>> ReadWhileAsync(GraphQLClient client, CancellationToken stop)
    {
        var seen = new List<JsonElement>();
        string? after = null;
        while (!stop.IsCancellationRequested)
        {
            var page = await ReadFromAsync(client, after, CancellationToken.None, onePage: true);
            if (page.Count > 0)
            {
                seen.AddRange(page);
                after = page[^1].GetProperty("cursor").GetString();
            }
        }

        // The storm is over: whatever committed last is read now.
        seen.AddRange(await ReadFromAsync(client, after, CancellationToken.None));
        return seen;
    }

    private static async Task<List<JsonElement>> ReadFromAsync(GraphQLClient client, string? after, CancellationToken ct, bool onePage = false)
    {
        var all = new List<JsonElement>();
        while (!ct.IsCancellationRequested)
        {
            var page = (await client.DataAsync(EventsPage, new { after })).GetProperty("events");
            all.AddRange(page.GetProperty("nodes").EnumerateArray());
            if (onePage || !page.At("pageInfo.hasNextPage").GetBoolean())
            {
                break;
            }

            after = page.At("pageInfo.endCursor").GetString();
        }

        return all;
    }
}

public sealed class LineChangeStormTestsOnSqlite() : LineChangeStormTests(DatabaseProvider.Sqlite, null);

[Collection(PostgresCollection.Name)]
public sealed class LineChangeStormTestsOnPostgres(PostgresServer postgres) : LineChangeStormTests(DatabaseProvider.Postgres, postgres);
