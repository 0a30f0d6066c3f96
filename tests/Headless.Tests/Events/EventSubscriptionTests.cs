using System.Net;
using System.Text.Json;
using Headless.Data;
using Headless.Events;
using Headless.Tests.Infrastructure;
using Headless.Tests.Partners;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Headless.Tests.Events;

/// <summary>
/// Subscriptions over the event log through the WebSocket front door: a line's changes in order while the pharmacy works
/// through the order, a subscriber that disconnects and resumes with its last cursor getting exactly what it missed,
/// live carts, tenant isolation, nothing for a change that did not commit, and the server's shutdown.
/// </summary>
public abstract class EventSubscriptionTests(DatabaseProvider provider, PostgresServer? postgres) : ProviderTest(provider, postgres)
{
    private const string LineChanges = """
        subscription($lineId: ID, $orderId: ID, $clinicId: ID, $after: String) {
          orderLineStatusChanged(lineId: $lineId, orderId: $orderId, clinicId: $clinicId, after: $after) {
            previousStatus status sequence occurredAt cursor line { id number status tracking { number } }
          }
        }
        """;

    private const string OrderEvents = "subscription($types: [String!], $after: String) { orderEvents(types: $types, after: $after) { type cursor subject { id } sequence } }";

    private const string CartChanges = "subscription($cartId: ID!) { cartChanged(cartId: $cartId) { id version status lineCount } }";

    private const string LastCursor = "{ events(first: 100) { pageInfo { endCursor } } }";

    private readonly NthCommandFault _fault = new();
    private CartFixture _f = null!;
    private HttpClient _http = null!;

    protected override void ConfigureServices(IServiceCollection services) => _fault.AddTo(services);

    // One event per subscriber buffer: a burst of events overflows it, and the subscriber must catch up from the log.
    protected override IDictionary<string, string?>? Settings => new Dictionary<string, string?> { ["Headless:Events:SubscriberBuffer"] = "1" };

    protected override async Task InitializeAppAsync()
    {
        _f = await CartData.CreateAsync(App, 6);
        _http = App.CreateClient();
    }

    private Task<GraphQLWebSocketClient> ConnectAsync(string? apiKey = null) => GraphQLWebSocketClient.ConnectAndInitAsync(App, apiKey ?? _f.Tenant.ApiKey);

    private async Task<string?> CursorNowAsync()
    {
        string? cursor = null;
        while (true)
        {
            var page = (await _f.Tenant.Client.DataAsync("query($after: String) { events(first: 100, after: $after) { pageInfo { hasNextPage endCursor } } }", new { after = cursor })).At("events.pageInfo");
            cursor = page.GetProperty("endCursor").GetString() ?? cursor;
            if (!page.GetProperty("hasNextPage").GetBoolean())
            {
                return cursor;
            }
        }
    }

    private async Task MoveAsync(CallbackOrder order, OrderLineInfo line, string type, int minutes)
    {
        var extra = type == "line.shipped" ? new { carrier = "UPS", trackingNumber = "1Z999AA10123456784", trackingUrl = "https://www.ups.com/track?tracknum=1Z999AA10123456784" } : null;
        var (status, body) = await PartnerCallbacks.SendAsync(App, _http, order, line, type, App.Clock.GetUtcNow().AddMinutes(minutes - 60), extra);
        Assert.True(status == HttpStatusCode.OK, $"{type}: {(int)status} {body}");
    }

    private static async Task<JsonElement> NextAsync(GraphQLWebSocketClient ws, string id, string field)
    {
        var message = await ws.ReceiveSkippingPingsAsync();
        Assert.True(message.GetProperty("type").GetString() == "next" && message.GetProperty("id").GetString() == id, message.GetRawText());
        Assert.False(message.GetProperty("payload").TryGetProperty("errors", out _), message.GetRawText());
        return message.At($"payload.data.{field}");
    }

    /// <summary>Waits until the app's feed has <paramref name="count"/> subscribers: a subscription without a cursor starts from that moment.</summary>
    private async Task SubscribedAsync(int count)
    {
        var feed = App.Services.GetRequiredService<EventFeed>();
        using var patience = new CancellationTokenSource(GraphQLWebSocketClient.Patience);
        while (feed.SubscriberCount < count)
        {
            await Task.Delay(10, patience.Token);
        }
    }

    [ProviderFact]
    public async Task A_subscriber_sees_a_line_go_from_submitted_to_delivered_in_order_while_the_pharmacy_works()
    {
        var order = await PartnerCallbacks.CheckoutAsync(App, _f, [_f.Catalog.SemaEast, _f.Catalog.TestoEast], "live-line");
        App.Clock.Advance(TimeSpan.FromHours(1));
        var line = order.Lines[0];
        await using var ws = await ConnectAsync();
        await ws.SubscribeAsync("line", LineChanges, new { lineId = line.Id });
        await SubscribedAsync(1);

        var expected = new[] { ("line.received", "SUBMITTED", "RECEIVED"), ("line.compounding", "RECEIVED", "COMPOUNDING"), ("line.shipped", "COMPOUNDING", "SHIPPED"), ("line.delivered", "SHIPPED", "DELIVERED") };
        var sequences = new List<int>();
        for (var i = 0; i < expected.Length; i++)
        {
            await MoveAsync(order, line, expected[i].Item1, 10 * (i + 1));

            // The other line's change is not this subscriber's.
            if (i == 0)
            {
                await MoveAsync(order, order.Lines[1], "line.received", 5);
            }

            var change = await NextAsync(ws, "line", "orderLineStatusChanged");
            Assert.Equal(expected[i].Item2, change.GetProperty("previousStatus").GetString());
            Assert.Equal(expected[i].Item3, change.GetProperty("status").GetString());
            Assert.Equal(line.Id, change.At("line.id").GetString());
            Assert.Equal(expected[i].Item3, change.At("line.status").GetString());
            Assert.True(EventCursor.TryDecode(change.GetProperty("cursor").GetString(), out _));
            sequences.Add(change.GetProperty("sequence").GetInt32());
        }

        Assert.Equal(sequences.Order(), sequences);
        Assert.Equal(sequences.Count, sequences.Distinct().Count());
    }

    [ProviderFact]
    public async Task A_subscriber_that_reconnects_with_its_last_cursor_gets_exactly_what_it_missed_then_live_events()
    {
        var order = await PartnerCallbacks.CheckoutAsync(App, _f, [_f.Catalog.SemaEast, _f.Catalog.TestoEast], "resume");
        App.Clock.Advance(TimeSpan.FromHours(1));
        var start = await CursorNowAsync();
        var (first, second) = (order.Lines[0], order.Lines[1]);

        string cursor;
        await using (var ws = await ConnectAsync())
        {
            await ws.SubscribeAsync("o", LineChanges, new { orderId = order.OrderId, after = start });
            await MoveAsync(order, first, "line.received", 10);
            await MoveAsync(order, second, "line.received", 11);
            var a = await NextAsync(ws, "o", "orderLineStatusChanged");
            var b = await NextAsync(ws, "o", "orderLineStatusChanged");
            Assert.Equal([first.Id, second.Id], new[] { a.At("line.id").GetString()!, b.At("line.id").GetString()! });
            cursor = b.GetProperty("cursor").GetString()!;
        }

        // While nobody listens, both lines move on.
        await MoveAsync(order, first, "line.compounding", 20);
        await MoveAsync(order, second, "line.compounding", 21);
        await MoveAsync(order, first, "line.shipped", 30);

        await using var again = await ConnectAsync();
        await again.SubscribeAsync("o", LineChanges, new { orderId = order.OrderId, after = cursor });
        var missed = new[]
        {
            await NextAsync(again, "o", "orderLineStatusChanged"),
            await NextAsync(again, "o", "orderLineStatusChanged"),
            await NextAsync(again, "o", "orderLineStatusChanged"),
        };
        Assert.Equal([(first.Id, "COMPOUNDING"), (second.Id, "COMPOUNDING"), (first.Id, "SHIPPED")], missed.Select(m => (m.At("line.id").GetString()!, m.GetProperty("status").GetString()!)));

        // Then live, with nothing repeated at the seam.
        await MoveAsync(order, second, "line.shipped", 31);
        var live = await NextAsync(again, "o", "orderLineStatusChanged");
        Assert.Equal((second.Id, "COMPOUNDING", "SHIPPED"), (live.At("line.id").GetString()!, live.GetProperty("previousStatus").GetString()!, live.GetProperty("status").GetString()!));
        var cursors = missed.Append(live).Select(m => EventCursor.TryDecode(m.GetProperty("cursor").GetString(), out var p) ? p : -1).ToList();
        Assert.Equal(cursors.Order(), cursors);
        Assert.Equal(4, cursors.Distinct().Count());
    }

    [ProviderFact]
    public async Task Order_events_replay_from_a_cursor_in_log_order_filtered_by_type()
    {
        await PartnerCallbacks.CheckoutAsync(App, _f, [_f.Catalog.TestoEast], "before", skipPatients: 1);
        var start = await CursorNowAsync();
        Assert.NotNull(start);
        var order = await PartnerCallbacks.CheckoutAsync(App, _f, [_f.Catalog.SemaEast], "order-events");
        var logged = (await _f.Tenant.Client.DataAsync("query($after: String) { events(after: $after, types: [\"order.created\", \"order.payment_authorized\"], first: 100) { nodes { type cursor } } }", new { after = start }))
            .At("events.nodes").EnumerateArray().Select(e => (e.GetProperty("type").GetString()!, e.GetProperty("cursor").GetString()!)).ToList();
        Assert.Equal(["order.created", "order.payment_authorized"], logged.Select(e => e.Item1));

        await using var ws = await ConnectAsync();
        await ws.SubscribeAsync("e", OrderEvents, new { types = new[] { "order.created", "order.payment_authorized" }, after = start });
        var replayed = new[] { await NextAsync(ws, "e", "orderEvents"), await NextAsync(ws, "e", "orderEvents") };

        Assert.Equal(logged, replayed.Select(e => (e.GetProperty("type").GetString()!, e.GetProperty("cursor").GetString()!)));
        Assert.Equal(order.OrderId, replayed[0].At("subject.id").GetString());
    }

    [ProviderFact]
    public async Task A_subscriber_whose_buffer_overflows_reads_the_log_itself_and_misses_nothing()
    {
        await PartnerCallbacks.CheckoutAsync(App, _f, [_f.Catalog.TestoEast], "warm-up", skipPatients: 4);
        var start = await CursorNowAsync();
        await using var ws = await ConnectAsync();
        await ws.SubscribeAsync("all", OrderEvents, new { after = start });

        // Checkout commits a burst of events per transaction, far more than this app's one-event subscriber buffer.
        await PartnerCallbacks.CheckoutAsync(App, _f, [_f.Catalog.SemaEast, _f.Catalog.TestoEast, _f.Catalog.SemaEast], "burst");
        var logged = (await _f.Tenant.Client.DataAsync("query($after: String) { events(after: $after, first: 100) { nodes { cursor } } }", new { after = start }))
            .At("events.nodes").EnumerateArray().Select(e => e.GetProperty("cursor").GetString()!).ToList();
        Assert.True(logged.Count > 5, $"{logged.Count} events");

        var received = new List<string>();
        while (received.Count < logged.Count)
        {
            received.Add((await NextAsync(ws, "all", "orderEvents")).GetProperty("cursor").GetString()!);
        }

        Assert.Equal(logged, received);
    }

    [ProviderFact]
    public async Task A_cart_subscriber_gets_the_cart_with_its_version_after_each_committed_edit_and_nothing_for_a_refused_one()
    {
        var cart = (await _f.Tenant.Client.DataAsync(CartData.Read, new { clinicId = _f.ClinicId })).GetProperty("cart");
        var cartId = cart.GetProperty("id").GetString()!;
        await using var ws = await ConnectAsync();
        await ws.SubscribeAsync("cart", CartChanges, new { cartId });
        await SubscribedAsync(1);

        // Refused whole: nothing committed, nothing delivered.
        var refused = await _f.Tenant.Client.DataAsync(CartData.Add, new { clinicId = _f.ClinicId, lines = new[] { CartData.GoodLine(_f.Patients[0], _f.Prescriber, _f.Catalog.SemaEast, quantity: 0) } });
        Assert.NotEmpty(refused.At("cartLinesAdd.userErrors").EnumerateArray());

        var added = (await _f.Tenant.Client.DataAsync(CartData.Add, new { clinicId = _f.ClinicId, lines = new[] { CartData.GoodLine(_f.Patients[0], _f.Prescriber, _f.Catalog.SemaEast) } })).At("cartLinesAdd.cart");
        var first = await NextAsync(ws, "cart", "cartChanged");
        Assert.Equal(cartId, first.GetProperty("id").GetString());
        Assert.Equal(added.GetProperty("version").GetInt32(), first.GetProperty("version").GetInt32());
        Assert.Equal(1, first.GetProperty("lineCount").GetInt32());

        var lineId = added.At("lines.nodes.0.id").GetString()!;
        await _f.Tenant.Client.DataAsync(CartData.Update, new { cartId, lines = new[] { new { lineId, quantity = 2 } } });
        var second = await NextAsync(ws, "cart", "cartChanged");
        Assert.Equal(first.GetProperty("version").GetInt32() + 1, second.GetProperty("version").GetInt32());
    }

    [ProviderFact]
    public async Task A_change_whose_commit_fails_is_never_delivered()
    {
        var added = (await _f.Tenant.Client.DataAsync(CartData.Add, new { clinicId = _f.ClinicId, lines = new[] { CartData.GoodLine(_f.Patients[0], _f.Prescriber, _f.Catalog.SemaEast) } })).At("cartLinesAdd.cart");
        var (cartId, lineId) = (added.GetProperty("id").GetString()!, added.At("lines.nodes.0.id").GetString()!);
        await using var ws = await ConnectAsync();
        await ws.SubscribeAsync("cart", CartChanges, new { cartId });
        await SubscribedAsync(1);

        // The same edit twice: counted, to find its commit; then with the commit failing.
        int commit;
        using (var counted = _fault.Count())
        {
            await _f.Tenant.Client.DataAsync(CartData.Update, new { cartId, lines = new[] { new { lineId, quantity = 2 } } });
            commit = counted.Commands.Select((c, i) => (c.Kind, N: i + 1)).Last(c => c.Kind == CommandKind.Commit).N;
        }

        var first = await NextAsync(ws, "cart", "cartChanged");
        using (var failing = _fault.Arm(commit))
        {
            var response = await _f.Tenant.Client.PostAsync(CartData.Update, new { cartId, lines = new[] { new { lineId, quantity = 3 } } });
            Assert.NotNull(failing.Struck);
            Assert.True(response.HasErrors, response.Raw);
        }

        await _f.Tenant.Client.DataAsync(CartData.Update, new { cartId, lines = new[] { new { lineId, quantity = 4 } } });
        var next = await NextAsync(ws, "cart", "cartChanged");

        // The failed edit never existed: the next delivery is the one after, one version on.
        Assert.Equal(first.GetProperty("version").GetInt32() + 1, next.GetProperty("version").GetInt32());
    }

    [ProviderFact]
    public async Task Another_organizations_ids_are_refused_exactly_like_unknown_ones()
    {
        var other = await CartData.CreateAsync(App, 2, "Other Org");
        var theirOrder = await PartnerCallbacks.CheckoutAsync(App, other, [other.Catalog.SemaEast], "theirs");
        var theirCart = (await other.Tenant.Client.DataAsync(CartData.Read, new { clinicId = other.ClinicId })).At("cart.id").GetString()!;
        await using var ws = await ConnectAsync();

        async Task<(string Code, string Message)> RefusalAsync(string query, object variables)
        {
            var id = Guid.NewGuid().ToString("N");
            await ws.SubscribeAsync(id, query, variables);
            var error = await ws.ReceiveSkippingPingsAsync();
            Assert.True(error.GetProperty("type").GetString() == "error", error.GetRawText());
            var e = error.GetProperty("payload").EnumerateArray().Single();
            return (e.At("extensions.code").GetString()!, e.GetProperty("message").GetString()!);
        }

        var unknownLine = Headless.GraphQL.GlobalId.Encode("OrderLine", 999_999);
        Assert.Equal(await RefusalAsync(LineChanges, new { lineId = unknownLine }), await RefusalAsync(LineChanges, new { lineId = theirOrder.Lines[0].Id }));
        Assert.Equal(await RefusalAsync(LineChanges, new { orderId = Headless.GraphQL.GlobalId.Encode("Order", 999_999) }), await RefusalAsync(LineChanges, new { orderId = theirOrder.OrderId }));
        Assert.Equal(await RefusalAsync(LineChanges, new { clinicId = Headless.GraphQL.GlobalId.Encode("Clinic", 999_999) }), await RefusalAsync(LineChanges, new { clinicId = other.ClinicId }));
        Assert.Equal(await RefusalAsync(CartChanges, new { cartId = Headless.GraphQL.GlobalId.Encode("Cart", 999_999) }), await RefusalAsync(CartChanges, new { cartId = theirCart }));
        Assert.Equal("NOT_FOUND", (await RefusalAsync(CartChanges, new { cartId = theirCart })).Code);

        // And an organization-wide subscription never carries another organization's events.
        await ws.SubscribeAsync("all", OrderEvents, new { after = (string?)null });
        await SubscribedAsync(1);
        var theirs = await PartnerCallbacks.CheckoutAsync(App, other, [other.Catalog.TestoEast], "theirs-again", skipPatients: 1);
        var mine = await PartnerCallbacks.CheckoutAsync(App, _f, [_f.Catalog.SemaEast], "mine");
        while (true)
        {
            var e = await NextAsync(ws, "all", "orderEvents");
            Assert.NotEqual(theirs.OrderId, e.At("subject.id").GetString());
            if (e.GetProperty("type").GetString() == "order.created")
            {
                Assert.Equal(mine.OrderId, e.At("subject.id").GetString());
                break;
            }
        }
    }

    [ProviderFact]
    public async Task Server_shutdown_completes_open_subscriptions_and_closes_1001()
    {
        await using var ws = await ConnectAsync();
        await ws.SubscribeAsync("a", OrderEvents, new { after = (string?)null });
        await ws.SubscribeAsync("b", CartChanges, new { cartId = (await _f.Tenant.Client.DataAsync(CartData.Read, new { clinicId = _f.ClinicId })).At("cart.id").GetString() });
        await SubscribedAsync(2);

        App.Services.GetRequiredService<IHostApplicationLifetime>().StopApplication();

        var completed = new[] { await ws.ReceiveSkippingPingsAsync(), await ws.ReceiveSkippingPingsAsync() };
        Assert.All(completed, m => Assert.Equal("complete", m.GetProperty("type").GetString()));
        Assert.Equal(["a", "b"], completed.Select(m => m.GetProperty("id").GetString()).Order());
        Assert.Equal(1001, await ws.ClosedWithAsync());
    }
}

public sealed class EventSubscriptionTestsOnSqlite() : EventSubscriptionTests(DatabaseProvider.Sqlite, null);

[Collection(PostgresCollection.Name)]
public sealed class EventSubscriptionTestsOnPostgres(PostgresServer postgres) : EventSubscriptionTests(DatabaseProvider.Postgres, postgres);
