using System.Net;
using Headless.Data;
using Headless.Tests.Infrastructure;
using Headless.Tests.Partners;

namespace Headless.Tests.Events;

/// <summary>
/// Two instances on one PostgreSQL database and one Redis: a change applied through instance A reaches a subscriber
/// connected to instance B through Redis, and while Redis is down the subscriber still gets every event, once, when it
/// is back. The instances' polls run on their fake clocks, which stand still: only Redis can wake B.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class EventFanoutTests(PostgresServer postgres, RedisServer redis) : IClassFixture<RedisServer>, IAsyncLifetime
{
    private const string LineChanges = """
        subscription($orderId: ID, $after: String) {
          orderLineStatusChanged(orderId: $orderId, after: $after) { previousStatus status cursor line { id } }
        }
        """;

    private HeadlessApp? _a;
    private HeadlessApp? _b;

    public async Task InitializeAsync()
    {
        if (RedisServer.SkipReason is not null || PostgresServer.SkipReason is not null)
        {
            return;
        }

        var settings = new Dictionary<string, string?> { ["Headless:Redis:Configuration"] = redis.Configuration };
        _a = await HeadlessApp.PostgresAsync(postgres, settings);
        _ = _a.Services;
        _b = HeadlessApp.On(DatabaseProvider.Postgres, _a.ConnectionString, settings);
        _ = _b.Services;
    }

    public async Task DisposeAsync()
    {
        if (_b is not null)
        {
            await _b.DisposeAsync();
        }

        if (_a is not null)
        {
            await _a.DisposeAsync();
        }
    }

    [RedisFact]
    public async Task A_change_through_one_instance_reaches_a_subscriber_on_the_other_even_across_a_redis_outage()
    {
        var (a, b) = (_a!, _b!);
        var f = await CartData.CreateAsync(a, 2);
        var order = await PartnerCallbacks.CheckoutAsync(a, f, [f.Catalog.SemaEast, f.Catalog.TestoEast], "fan-out");
        a.Clock.Advance(TimeSpan.FromHours(1));
        var start = (await f.Tenant.Client.DataAsync("{ events(first: 100) { pageInfo { endCursor } } }")).At("events.pageInfo.endCursor").GetString();
        var http = a.CreateClient();

        async Task MoveAsync(OrderLineInfo line, string type, int minutes)
        {
            var (status, body) = await PartnerCallbacks.SendAsync(a, http, order, line, type, a.Clock.GetUtcNow().AddMinutes(minutes - 60));
            Assert.True(status == HttpStatusCode.OK, $"{type}: {(int)status} {body}");
        }

        await using var ws = await GraphQLWebSocketClient.ConnectAndInitAsync(b, f.Tenant.ApiKey);
        await ws.SubscribeAsync("o", LineChanges, new { orderId = order.OrderId, after = start });

        async Task<(string Line, string Status)> NextAsync()
        {
            var m = await ws.ReceiveSkippingPingsAsync();
            Assert.True(m.GetProperty("type").GetString() == "next", m.GetRawText());
            var change = m.At("payload.data.orderLineStatusChanged");
            return (change.At("line.id").GetString()!, change.GetProperty("status").GetString()!);
        }

        await MoveAsync(order.Lines[0], "line.received", 10);
        Assert.Equal((order.Lines[0].Id, "RECEIVED"), await NextAsync());

        // Redis goes away; A commits two changes nobody can announce.
        await redis.KillAsync();
        await MoveAsync(order.Lines[1], "line.received", 11);
        await MoveAsync(order.Lines[0], "line.compounding", 20);
        await redis.StartAsync();

        Assert.Equal((order.Lines[1].Id, "RECEIVED"), await NextAsync());
        Assert.Equal((order.Lines[0].Id, "COMPOUNDING"), await NextAsync());

        // And live again through Redis, with nothing repeated.
        await MoveAsync(order.Lines[1], "line.compounding", 21);
        Assert.Equal((order.Lines[1].Id, "COMPOUNDING"), await NextAsync());
    }
}
