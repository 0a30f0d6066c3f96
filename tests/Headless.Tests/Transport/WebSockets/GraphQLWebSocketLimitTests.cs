using Headless.Tests.Infrastructure;

namespace Headless.Tests.Transport.WebSockets;

/// <summary>The instance's connection limit and the credential's request bucket, on the socket as on HTTP.</summary>
public sealed class GraphQLWebSocketLimitTests : IAsyncLifetime
{
    private HeadlessApp _app = null!;
    private TestTenant _tenant = null!;

    public async Task InitializeAsync()
    {
        _app = HeadlessApp.Sqlite(new Dictionary<string, string?>
        {
            ["Headless:WebSockets:MaxConnections"] = "1",
            ["Headless:RateLimits:Enabled"] = "true",
            ["Headless:RateLimits:RequestsBurst"] = "3",
            ["Headless:RateLimits:RequestsPerSecond"] = "1",
        });
        _tenant = await _app.CreateTenantAsync("Limited Org");
    }

    public async Task DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public async Task A_connection_beyond_the_instance_limit_is_closed_1013_and_the_first_keeps_working()
    {
        await using var first = await GraphQLWebSocketClient.ConnectAndInitAsync(_app, _tenant.ApiKey);
        await using var second = await GraphQLWebSocketClient.ConnectAsync(_app);

        Assert.Equal(1013, await second.ClosedWithAsync());
        await first.SubscribeAsync("q", "{ viewer { organization { name } } }");
        Assert.Equal("next", (await first.ReceiveAsync()).GetProperty("type").GetString());
    }

    [Fact]
    public async Task Each_subscribe_draws_on_the_credentials_request_bucket_and_an_empty_one_gets_throttled()
    {
        await using var ws = await GraphQLWebSocketClient.ConnectAndInitAsync(_app, _tenant.ApiKey);

        // The key's bucket holds 3; the tenant setup spent none of it over the socket, but HTTP and socket share it.
        await _tenant.Client.DataAsync("{ viewer { organization { name } } }");
        for (var i = 0; i < 2; i++)
        {
            await ws.SubscribeAsync($"q{i}", "{ viewer { organization { name } } }");
            Assert.Equal("next", (await ws.ReceiveAsync()).GetProperty("type").GetString());
            Assert.Equal("complete", (await ws.ReceiveAsync()).GetProperty("type").GetString());
        }

        await ws.SubscribeAsync("over", "{ viewer { organization { name } } }");
        var refused = await ws.ReceiveAsync();
        Assert.Equal("error", refused.GetProperty("type").GetString());
        var error = refused.GetProperty("payload").EnumerateArray().Single();
        Assert.Equal("THROTTLED", error.At("extensions.code").GetString());
        Assert.Equal("1", error.At("extensions.retryAfterSeconds").GetString());

        // A second later the bucket has a request again.
        _app.Clock.Advance(TimeSpan.FromSeconds(1));
        await ws.SubscribeAsync("later", "{ viewer { organization { name } } }");
        Assert.Equal("next", (await ws.ReceiveAsync()).GetProperty("type").GetString());
    }
}
