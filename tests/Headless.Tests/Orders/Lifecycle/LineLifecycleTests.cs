using System.Net;
using System.Text.Json;
using Headless.Data;
using Headless.GraphQL;
using Headless.Orders;
using Headless.Orders.Lifecycle;
using Headless.Tests.Infrastructure;
using Headless.Tests.Partners;
using Microsoft.Extensions.DependencyInjection;
using static Headless.Tests.Partners.PartnerCallbacks;

namespace Headless.Tests.Orders.Lifecycle;

/// <summary>The line lifecycle driven by signed partner callbacks: order independence, no backwards moves, holds, tracking, and the GraphQL view.</summary>
public abstract class LineLifecycleTests(DatabaseProvider provider, PostgresServer? postgres) : ProviderTest(provider, postgres)
{
    private static readonly string[] Forward = ["line.received", "line.compounding", "line.shipped", "line.delivered"];
    private static readonly object Shipment = new { carrier = "UPS", trackingNumber = "1Z999AA10123456784", trackingUrl = "https://www.ups.com/track?tracknum=1Z999AA10123456784" };

    private CartFixture _f = null!;
    private HttpClient _http = null!;
    private DateTimeOffset _checkedOutAt;

    protected override async Task InitializeAppAsync()
    {
        _f = await CartData.CreateAsync(App, 24);
        _http = App.CreateClient();
    }

    private async Task<CallbackOrder> OrderAsync(string key, int lines, int skip = 0)
    {
        var offerings = Enumerable.Range(0, lines).Select(i => i % 2 == 0 ? _f.Catalog.SemaEast : _f.Catalog.TestoEast).ToList();
        var order = await CheckoutAsync(App, _f, offerings, key, skip);
        _checkedOutAt = App.Clock.GetUtcNow();

        // The pharmacy works for an hour; events carry when they happened within it.
        App.Clock.Advance(TimeSpan.FromHours(1));
        return order;
    }

    private DateTimeOffset When(string type) => _checkedOutAt + TimeSpan.FromMinutes(10 * (Array.IndexOf(Forward, type) + 1));

    private async Task<JsonElement> SendAsync(CallbackOrder order, OrderLineInfo line, string type, object? extra = null, DateTimeOffset? at = null)
    {
        var (status, body) = await PartnerCallbacks.SendAsync(App, _http, order, line, type, at ?? When(type), extra ?? (type == "line.shipped" ? Shipment : null));
        Assert.True(status == HttpStatusCode.OK, $"{type} on {line.Number}: {(int)status} {body}");
        return body;
    }

    private static IEnumerable<string[]> Permutations(string[] items) =>
        items.Length <= 1 ? [items] : items.SelectMany((x, i) => Permutations([.. items[..i], .. items[(i + 1)..]]).Select(rest => new[] { x }.Concat(rest).ToArray()));

    private static int Rank(string? status) => status switch
    {
        "SUBMITTED" => 1,
        "RECEIVED" => 2,
        "COMPOUNDING" => 3,
        "SHIPPED" => 4,
        "DELIVERED" => 5,
        _ => 0,
    };

    [ProviderFact]
    public async Task Every_ordering_of_received_compounding_shipped_delivered_ends_delivered_with_tracking()
    {
        var permutations = Permutations(Forward).ToList();
        Assert.Equal(24, permutations.Count);
        var order = await OrderAsync("permutations", 24);

        var expectedEvents = new List<int>();
        for (var i = 0; i < 24; i++)
        {
            // What the lifecycle should record: each status ahead of the line, plus tracking arriving after delivery.
            var (reached, tracked, events) = (1, false, 0);
            foreach (var type in permutations[i])
            {
                var rank = Array.IndexOf(Forward, type) + 2;
                if (rank > reached)
                {
                    (reached, events) = (rank, events + 1);
                    tracked |= type == "line.shipped";
                }
                else if (type == "line.shipped" && !tracked)
                {
                    (tracked, events) = (true, events + 1);
                }
            }

            expectedEvents.Add(events);
            foreach (var type in permutations[i])
            {
                await SendAsync(order, order.Lines[i], type);
            }
        }

        var read = await ReadOrderAsync(order.Client, order.Number);
        Assert.Equal("CAPTURED", read.GetProperty("paymentStatus").GetString());
        Assert.Equal(read.At("total.amount").GetInt64(), read.At("capturedAmount.amount").GetInt64());
        var lines = read.At("lines.nodes").EnumerateArray().ToList();
        for (var i = 0; i < 24; i++)
        {
            var line = lines[i];
            var label = string.Join(",", permutations[i]);
            Assert.True(line.GetProperty("status").GetString() == "DELIVERED", label);
            Assert.Equal("UPS", line.At("tracking.carrier").GetString());
            Assert.Equal("1Z999AA10123456784", line.At("tracking.number").GetString());
            Assert.StartsWith("https://www.ups.com/", line.At("tracking.url").GetString(), StringComparison.Ordinal);
            Assert.Equal("NONE", line.GetProperty("owner").GetString());
            Assert.Equal(When("line.delivered"), line.GetProperty("statusSince").GetDateTimeOffset());

            var pharmacy = line.At("events.nodes").EnumerateArray().Where(e => e.GetProperty("source").GetString() == "PHARMACY").ToList();
            Assert.True(expectedEvents[i] == pharmacy.Count, $"{label}: {pharmacy.Count} events");
            var ranks = pharmacy.Select(e => Rank(e.GetProperty("to").GetString())).ToList();
            Assert.True(ranks.Zip(ranks.Skip(1)).All(p => p.Second >= p.First), $"{label} moved backwards");
            Assert.All(pharmacy, e => Assert.True(Rank(e.GetProperty("to").GetString()) >= Rank(e.GetProperty("from").GetString()), label));
            var sequences = line.At("events.nodes").EnumerateArray().Select(e => e.GetProperty("sequence").GetInt32()).ToList();
            Assert.True(sequences.Zip(sequences.Skip(1)).All(p => p.Second > p.First), $"{label}: sequences {string.Join(",", sequences)}");

            // One more per change, plus the one capture.
            Assert.True(order.Lines[i].Sequence + expectedEvents[i] + 1 == line.GetProperty("sequence").GetInt32(), label);
        }
    }

    [ProviderFact]
    public async Task A_late_received_after_delivered_changes_nothing()
    {
        var order = await OrderAsync("late", 2);
        var line = order.Lines[0];
        await SendAsync(order, line, "line.shipped");
        await SendAsync(order, line, "line.delivered");
        var before = await ReadLineAsync(order.Client, line.Id);

        var late = await SendAsync(order, line, "line.received");
        var compounding = await SendAsync(order, line, "line.compounding");
        var shippedAgain = await SendAsync(order, line, "line.shipped");

        Assert.False(late.GetProperty("changed").GetBoolean());
        Assert.False(compounding.GetProperty("changed").GetBoolean());
        Assert.False(shippedAgain.GetProperty("changed").GetBoolean());
        Assert.Equal("DELIVERED", late.GetProperty("status").GetString());
        Assert.Equal(before.GetRawText(), (await ReadLineAsync(order.Client, line.Id)).GetRawText());
    }

    [ProviderFact]
    public async Task GraphQL_shows_owner_tracking_and_events_through_a_hold()
    {
        var order = await OrderAsync("graphql", 2);
        var line = order.Lines[0];
        var t0 = _checkedOutAt;

        var fresh = await ReadLineAsync(order.Client, line.Id);
        Assert.Equal("PHARMACY", fresh.GetProperty("owner").GetString());
        Assert.Equal(JsonValueKind.Null, fresh.GetProperty("tracking").ValueKind);

        await SendAsync(order, line, "line.received", at: t0.AddMinutes(5));
        await SendAsync(order, line, "line.compounding", at: t0.AddMinutes(10));
        await SendAsync(order, line, "line.on_hold", new { reasonCode = "ADDRESS", message = "The patient must confirm the address.", owner = "PATIENT" }, t0.AddMinutes(15));

        var held = await ReadLineAsync(order.Client, line.Id);
        Assert.Equal("ON_HOLD", held.GetProperty("status").GetString());
        Assert.Equal("PATIENT", held.GetProperty("owner").GetString());
        Assert.Equal("ADDRESS", held.At("statusReason.code").GetString());
        Assert.Equal(t0.AddMinutes(15), held.GetProperty("statusSince").GetDateTimeOffset());

        // While held, statuses the line had reached before do not resume it.
        Assert.False((await SendAsync(order, line, "line.received", at: t0.AddMinutes(20))).GetProperty("changed").GetBoolean());
        Assert.False((await SendAsync(order, line, "line.compounding", at: t0.AddMinutes(20))).GetProperty("changed").GetBoolean());

        // Shipping news from before the hold does not resume it either, but its tracking attaches.
        var early = await SendAsync(order, line, "line.shipped", new { carrier = "USPS" }, t0.AddMinutes(12));
        Assert.True(early.GetProperty("changed").GetBoolean());
        Assert.Equal("ON_HOLD", early.GetProperty("status").GetString());
        Assert.Equal("ON_HOLD", (await ReadLineAsync(order.Client, line.Id)).GetProperty("status").GetString());

        // A later forward status resumes it.
        await SendAsync(order, line, "line.shipped", at: t0.AddMinutes(30));
        var shipped = await ReadLineAsync(order.Client, line.Id);
        Assert.Equal("SHIPPED", shipped.GetProperty("status").GetString());
        Assert.Equal("NONE", shipped.GetProperty("owner").GetString());
        Assert.Equal(JsonValueKind.Null, shipped.GetProperty("statusReason").ValueKind);
        Assert.Equal("UPS", shipped.At("tracking.carrier").GetString());
        Assert.Equal("1Z999AA10123456784", shipped.At("tracking.number").GetString());

        var events = shipped.At("events.nodes").EnumerateArray().ToList();
        Assert.Equal(events.Count, shipped.At("events.totalCount").GetInt32());
        Assert.Equal(
            [("PAYMENT", "PENDING_PAYMENT", "SUBMITTED"), ("PHARMACY", "SUBMITTED", "RECEIVED"), ("PHARMACY", "RECEIVED", "COMPOUNDING"), ("PHARMACY", "COMPOUNDING", "ON_HOLD"), ("PHARMACY", "ON_HOLD", "ON_HOLD"), ("PHARMACY", "ON_HOLD", "SHIPPED")],
            events.Select(e => (e.GetProperty("source").GetString(), e.GetProperty("from").GetString(), e.GetProperty("to").GetString())));
        Assert.Equal("ADDRESS", events[3].GetProperty("reasonCode").GetString());
        Assert.Equal(t0.AddMinutes(30), events[5].GetProperty("time").GetDateTimeOffset());
        Assert.Contains("USPS", events[4].GetProperty("message").GetString(), StringComparison.Ordinal);

        // Events page forward with cursors, oldest first.
        var page = await order.Client.DataAsync("""
            query($id: ID!, $after: String) { node(id: $id) { ... on OrderLine { events(first: 2, after: $after) { totalCount pageInfo { hasNextPage endCursor } nodes { to } } } } }
            """, new { id = line.Id, after = (string?)null });
        Assert.Equal(["SUBMITTED", "RECEIVED"], page.At("node.events.nodes").EnumerateArray().Select(e => e.GetProperty("to").GetString()));
        Assert.True(page.At("node.events.pageInfo.hasNextPage").GetBoolean());
        var next = await order.Client.DataAsync("""
            query($id: ID!, $after: String) { node(id: $id) { ... on OrderLine { events(first: 2, after: $after) { totalCount nodes { to } } } } }
            """, new { id = line.Id, after = page.At("node.events.pageInfo.endCursor").GetString() });
        Assert.Equal(["COMPOUNDING", "ON_HOLD"], next.At("node.events.nodes").EnumerateArray().Select(e => e.GetProperty("to").GetString()));
        Assert.Equal(events.Count, next.At("node.events.totalCount").GetInt32());
    }

    [ProviderFact]
    public async Task Cancellation_and_rejection_follow_the_lifecycle()
    {
        var order = await OrderAsync("terminal", 4);
        var (cancelEarly, cancelLate, rejectLate, clinicCancel) = (order.Lines[0], order.Lines[1], order.Lines[2], order.Lines[3]);

        // The pharmacy may cancel before compounding, not after.
        await SendAsync(order, cancelEarly, "line.received");
        Assert.True((await SendAsync(order, cancelEarly, "line.cancelled", new { reasonCode = "OUT_OF_STOCK" })).GetProperty("changed").GetBoolean());
        await SendAsync(order, cancelLate, "line.compounding");
        Assert.False((await SendAsync(order, cancelLate, "line.cancelled")).GetProperty("changed").GetBoolean());

        // The pharmacy may reject before shipping, not after.
        await SendAsync(order, rejectLate, "line.shipped");
        Assert.False((await SendAsync(order, rejectLate, "line.rejected", new { reasonCode = "OTHER", fixable = true })).GetProperty("changed").GetBoolean());

        // The clinic's own cancellation is on the trail with source CLINIC.
        await App.Services.GetRequiredService<OrderLineDecisions>().CancelAsync(Key(clinicCancel), "Patient changed plans.", default);

        var lines = (await ReadOrderAsync(order.Client, order.Number)).At("lines.nodes").EnumerateArray().ToList();
        Assert.Equal(["CANCELLED", "COMPOUNDING", "SHIPPED", "CANCELLED"], lines.Select(l => l.GetProperty("status").GetString()));
        Assert.Equal("OUT_OF_STOCK", lines[0].At("statusReason.code").GetString());
        Assert.Equal("NONE", lines[0].GetProperty("owner").GetString());
        var clinicEvent = lines[3].At("events.nodes").EnumerateArray().Last();
        Assert.Equal(("CLINIC", "CANCELLED_BY_CLINIC", "Patient changed plans."), (clinicEvent.GetProperty("source").GetString(), clinicEvent.GetProperty("reasonCode").GetString(), clinicEvent.GetProperty("message").GetString()));

        // Every line is decided: the two accepted ones are charged, the cancelled ones are not.
        var read = await ReadOrderAsync(order.Client, order.Number);
        Assert.Equal("CAPTURED", read.GetProperty("paymentStatus").GetString());
        Assert.Equal(order.Lines[1].Amount + order.Lines[2].Amount, read.At("capturedAmount.amount").GetInt64());

        // A clinic cannot cancel a line the pharmacy is already compounding.
        await Assert.ThrowsAsync<InvalidOperationException>(() => App.Services.GetRequiredService<OrderLineDecisions>().CancelAsync(Key(cancelLate), null, default));
    }

    [ProviderFact]
    public async Task A_page_of_lines_without_events_does_not_query_events_per_line()
    {
        var order = await OrderAsync("queries", 12);
        const string Lines = "query($n: String) { order(number: $n) { lines(first: 100) { nodes { number owner tracking { number } %EVENTS% } } } }";

        // Background workers share the counter: the least of a few runs is the query's own count.
        async Task<int> CountAsync(string query, string number)
        {
            var counts = new List<int>();
            for (var i = 0; i < 4; i++)
            {
                App.Commands.Reset();
                await order.Client.DataAsync(query, new { n = number });
                counts.Add(App.Commands.Count);
            }

            return counts.Min();
        }

        var fewer = await OrderAsync("queries-2", 2, skip: 12);
        var without = await CountAsync(Lines.Replace("%EVENTS%", ""), order.Number);
        var withEvents = await CountAsync(Lines.Replace("%EVENTS%", "events(first: 5) { totalCount nodes { to } }"), order.Number);
        Assert.Equal(without, await CountAsync(Lines.Replace("%EVENTS%", ""), fewer.Number));
        Assert.True(withEvents > without && withEvents - without <= 12, $"{withEvents} vs {without}");
    }

    private static long Key(OrderLineInfo line) => GlobalId.TryDecode(line.Id, "OrderLine", out var id) ? id : throw new InvalidOperationException();
}

public sealed class LineLifecycleTestsOnSqlite() : LineLifecycleTests(DatabaseProvider.Sqlite, null);

[Collection(PostgresCollection.Name)]
public sealed class LineLifecycleTestsOnPostgres(PostgresServer postgres) : LineLifecycleTests(DatabaseProvider.Postgres, postgres);
