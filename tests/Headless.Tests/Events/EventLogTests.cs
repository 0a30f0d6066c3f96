using System.Text.Json;
using Headless.Data;
using Headless.Events;
using Headless.Tests.Checkout;
using Headless.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Headless.Tests.Events;

/// <summary>
/// The organization's event log: every change is written in its own transaction with a position that only grows,
/// readers page it by opaque cursors and never miss an event committed out of order, payloads carry no patient data,
/// and retention refuses a cursor whose events are gone.
/// </summary>
public abstract class EventLogTests(DatabaseProvider provider, PostgresServer? postgres) : ProviderTest(provider, postgres)
{
    private const string Events = """
        query($after: String, $types: [String!], $first: Int) {
          events(after: $after, types: $types, first: $first) {
            pageInfo { hasNextPage endCursor }
            nodes { id cursor type occurredAt subject { type id number } orderId sequence payload }
          }
        }
        """;

    private CartFixture _f = null!;

    private GraphQLClient C => _f.Tenant.Client;

    protected override async Task InitializeAppAsync() => _f = await CartData.CreateAsync(App, 6);

    [ProviderFact]
    public async Task Cart_edits_and_checkout_are_logged_in_order_with_payloads_free_of_patient_data()
    {
        var add = (await C.DataAsync(CartData.Add, new { clinicId = _f.ClinicId, lines = new[] { CartData.GoodLine(_f.Patients[0], _f.Prescriber, _f.Catalog.SemaEast), CartData.GoodLine(_f.Patients[1], _f.Prescriber, _f.Catalog.SemaEast) } })).At("cartLinesAdd.cart");
        var cartId = add.GetProperty("id").GetString()!;
        var lineIds = add.At("lines.nodes").EnumerateArray().Select(l => l.GetProperty("id").GetString()!).ToList();
        await C.DataAsync(CartData.Update, new { cartId, lines = new[] { new { lineId = lineIds[0], quantity = 2 } } });
        await C.DataAsync(CartData.Remove, new { cartId, ids = new[] { lineIds[1] } });
        var version = (await C.DataAsync(CartData.Validate, new { cartId })).At("cartValidate.cart.version").GetInt32();
        var order = (await C.DataAsync(CheckoutTests.Checkout, new { input = new { cartId, expectedVersion = version, paymentMethodId = "pm_card_visa", idempotencyKey = "logged" } })).At("cartCheckout.order");

        var events = await ReadAllAsync(C);
        var cartEvents = events.Where(e => e.GetProperty("type").GetString() == "cart.changed" && e.At("subject.id").GetString() == cartId).ToList();
        Assert.Equal([2, 3, 4, 5, 6], cartEvents.Select(e => e.At("payload.version").GetInt32()));
        Assert.Equal([2, 2, 1, 1, 1], cartEvents.Select(e => e.At("payload.lineCount").GetInt32()));
        Assert.Equal(["OPEN", "OPEN", "OPEN", "CHECKING_OUT", "CHECKED_OUT"], cartEvents.Select(e => e.At("payload.status").GetString()));

        // The authorization moved the order and its one line, and the clinic got its next, empty cart.
        var orderEvents = events.Where(e => e.GetProperty("orderId").ValueKind == JsonValueKind.String && e.GetProperty("orderId").GetString() == order.GetProperty("id").GetString()).ToList();
        Assert.Equal(["order.created", "order.payment_authorized", "order_line.status_changed"], orderEvents.Select(e => e.GetProperty("type").GetString()));
        var submitted = orderEvents[2];
        Assert.Equal("ORDER_LINE", submitted.At("subject.type").GetString());
        Assert.Equal("PENDING_PAYMENT", submitted.At("payload.from").GetString());
        Assert.Equal("SUBMITTED", submitted.At("payload.to").GetString());
        Assert.Equal("PHARMACY", submitted.At("payload.owner").GetString());
        Assert.Equal(submitted.GetProperty("sequence").GetInt32(), submitted.At("payload.sequence").GetInt32());
        var next = events.Last(e => e.GetProperty("type").GetString() == "cart.changed");
        Assert.NotEqual(cartId, next.At("subject.id").GetString());
        Assert.Equal(0, next.At("payload.lineCount").GetInt32());
        var created = Assert.Single(events, e => e.GetProperty("type").GetString() == "order.created");
        Assert.Equal("ORDER", created.At("subject.type").GetString());
        Assert.Equal(order.GetProperty("id").GetString(), created.At("subject.id").GetString());
        Assert.Equal(order.GetProperty("number").GetString(), created.At("subject.number").GetString());
        Assert.Equal(order.At("total.amount").GetInt64(), created.At("payload.total.amount").GetInt64());
        Assert.Equal(1, created.At("payload.lineCount").GetInt32());

        // Positions only grow, and the log's order is the order of the changes.
        var cursors = events.Select(e => e.GetProperty("cursor").GetString()!).ToList();
        Assert.Equal(cursors.Count, cursors.Distinct().Count());
        Assert.True(events.IndexOf(created) > events.IndexOf(cartEvents[2]));

        // No patient data anywhere in the log: names and addresses of the fixture's patients.
        var log = JsonSerializer.Serialize(events);
        Assert.DoesNotContain("Pat00", log, StringComparison.Ordinal);
        Assert.DoesNotContain("Oak Ave", log, StringComparison.Ordinal);
    }

    [ProviderFact]
    public async Task Paging_by_cursor_returns_every_event_once_filters_by_type_and_counts_only_when_asked()
    {
        for (var i = 0; i < 6; i++)
        {
            await C.DataAsync(CartData.Add, new { clinicId = _f.ClinicId, lines = new[] { CartData.GoodLine(_f.Patients[i], _f.Prescriber, _f.Catalog.SemaEast) } });
        }

        var all = await ReadAllAsync(C, pageSize: 4);
        Assert.Equal(6, all.Count);
        Assert.Equal(Enumerable.Range(1, 6), all.Select(e => e.At("payload.lineCount").GetInt32()));

        var firstTwo = (await C.DataAsync(Events, new { first = 2 })).GetProperty("events");
        var rest = (await C.DataAsync(Events, new { after = firstTwo.At("pageInfo.endCursor").GetString(), first = 100 })).GetProperty("events");
        Assert.Equal(all.Skip(2).Select(e => e.GetProperty("id").GetString()), rest.GetProperty("nodes").EnumerateArray().Select(e => e.GetProperty("id").GetString()));
        Assert.False(rest.At("pageInfo.hasNextPage").GetBoolean());

        Assert.Empty((await C.DataAsync(Events, new { types = new[] { "order.created" } })).At("events.nodes").EnumerateArray());
        Assert.Equal(6, (await C.DataAsync("{ events(types: [\"cart.changed\"]) { totalCount } }")).At("events.totalCount").GetInt32());

        // An event is a node of its own, and B sees none of A's.
        var other = await App.CreateTenantAsync("Other Org");
        var id = all[0].GetProperty("id").GetString();
        Assert.Equal("cart.changed", (await C.DataAsync("query($id: ID!) { node(id: $id) { ... on Event { type } } }", new { id })).At("node.type").GetString());
        Assert.Equal(JsonValueKind.Null, (await other.Client.DataAsync("query($id: ID!) { node(id: $id) { id } }", new { id })).GetProperty("node").ValueKind);
        Assert.Equal(0, (await other.Client.DataAsync("{ events { totalCount nodes { id } } }")).At("events.totalCount").GetInt32());
    }

    [ProviderFact]
    public async Task Cursors_that_are_not_event_cursors_and_unknown_types_are_refused()
    {
        var badCursor = await C.PostAsync(Events, new { after = "bm90LWEtY3Vyc29y" });
        var clinicCursor = await C.PostAsync(Events, new { after = (await C.DataAsync("{ viewer { organization { clinics(first: 1) { pageInfo { endCursor } } } } }")).At("viewer.organization.clinics.pageInfo.endCursor").GetString() });
        var badType = await C.PostAsync(Events, new { types = new[] { "order.shipped" } });

        Assert.Equal(["INVALID_CURSOR"], badCursor.ErrorCodes);
        Assert.Equal(["INVALID_CURSOR"], clinicCursor.ErrorCodes);
        Assert.Equal(["INVALID_EVENT_TYPE"], badType.ErrorCodes);
    }

    [ProviderFact]
    public async Task Events_past_retention_are_deleted_and_a_cursor_before_them_is_refused()
    {
        await C.DataAsync(CartData.Add, new { clinicId = _f.ClinicId, lines = new[] { CartData.GoodLine(_f.Patients[0], _f.Prescriber, _f.Catalog.SemaEast) } });
        var start = (await C.DataAsync(Events, new { first = 1 })).At("events.nodes.0.cursor").GetString();
        await C.DataAsync(CartData.Add, new { clinicId = _f.ClinicId, lines = new[] { CartData.GoodLine(_f.Patients[1], _f.Prescriber, _f.Catalog.SemaEast) } });

        // The background purge may run as soon as the clock moves; purging again is harmless.
        App.Clock.Advance(TimeSpan.FromDays(31));
        await C.DataAsync(CartData.Add, new { clinicId = _f.ClinicId, lines = new[] { CartData.GoodLine(_f.Patients[2], _f.Prescriber, _f.Catalog.SemaEast) } });
        await App.Services.GetRequiredService<EventRetention>().PurgeAsync(default);

        var expired = await C.PostAsync(Events, new { after = start });
        Assert.Equal(["EVENT_CURSOR_EXPIRED"], expired.ErrorCodes);
        var kept = await ReadAllAsync(C);
        Assert.Equal([3], kept.Select(e => e.At("payload.lineCount").GetInt32()));
    }

    /// <summary>
    /// The gap problem: writers commit concurrently while a reader pages by cursor. Every event the reader sees is
    /// new and in position order, and once the writers are done it has seen exactly the whole log.
    /// </summary>
    [ProviderFact]
    public async Task A_reader_paging_while_writers_race_sees_every_event_exactly_once_and_in_order()
    {
        var clinics = new List<string>();
        for (var i = 0; i < 4; i++)
        {
            clinics.Add(await TestData.CreateAsync(C, TestData.ClinicCreate, "clinicCreate", TestData.Clinic($"Race Clinic {i}")));
        }

        var writing = true;
        var writers = clinics.Select((clinic, w) => Task.Run(async () =>
        {
            for (var i = 0; i < 6; i++)
            {
                await C.DataAsync(CartData.Add, new { clinicId = clinic, lines = new[] { CartData.GoodLine(_f.Patients[i], _f.Prescriber, w % 2 == 0 ? _f.Catalog.SemaEast : _f.Catalog.SemaWest) } });
            }
        })).ToList();
        var reader = Task.Run(async () =>
        {
            var seen = new List<string>();
            string? after = null;
            while (true)
            {
                var done = !Volatile.Read(ref writing);
                var page = (await C.DataAsync(Events, new { after, first = 5 })).GetProperty("events");
                foreach (var e in page.GetProperty("nodes").EnumerateArray())
                {
                    seen.Add(e.GetProperty("id").GetString()!);
                }

                after = page.At("pageInfo.endCursor").GetString() ?? after;
                if (done && !page.At("pageInfo.hasNextPage").GetBoolean())
                {
                    return seen;
                }
            }
        });

        await Task.WhenAll(writers);
        Volatile.Write(ref writing, false);
        var seenByReader = await reader;

        var log = (await ReadAllAsync(C)).Select(e => e.GetProperty("id").GetString()!).ToList();
        Assert.Equal(24, log.Count);
        Assert.Equal(log, seenByReader);
    }

    private static async Task<List<JsonElement>> ReadAllAsync(GraphQLClient client, int pageSize = 100)
    {
        var all = new List<JsonElement>();
        string? after = null;
        while (true)
        {
            var page = (await client.DataAsync(Events, new { after, first = pageSize })).GetProperty("events");
            all.AddRange(page.GetProperty("nodes").EnumerateArray());
            if (!page.At("pageInfo.hasNextPage").GetBoolean())
            {
                return all;
            }

            after = page.At("pageInfo.endCursor").GetString();
        }
    }
}

public sealed class EventLogTestsOnSqlite() : EventLogTests(DatabaseProvider.Sqlite, null);

[Collection(PostgresCollection.Name)]
public sealed class EventLogTestsOnPostgres(PostgresServer postgres) : EventLogTests(DatabaseProvider.Postgres, postgres);
