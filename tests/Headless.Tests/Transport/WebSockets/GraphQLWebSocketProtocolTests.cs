using System.Text.Json;
using Headless.Tests.Infrastructure;

namespace Headless.Tests.Transport.WebSockets;

/// <summary>
/// graphql-transport-ws at /graphql, message by message: every close code of the protocol, ping and pong, complete in
/// both directions, queries and mutations over the socket, the per-connection limits and the server's shutdown.
/// </summary>
public sealed class GraphQLWebSocketProtocolTests : IAsyncLifetime
{
    private const string Viewer = "{ viewer { organization { name } } }";
    private const string Events = "subscription($after: String) { orderEvents(after: $after) { type cursor } }";

    private HeadlessApp _app = null!;
    private TestTenant _tenant = null!;

    public async Task InitializeAsync()
    {
        _app = HeadlessApp.Sqlite(new Dictionary<string, string?>
        {
            ["Headless:WebSockets:ConnectionInitTimeout"] = "00:00:03",
            ["Headless:WebSockets:MaxOperationsPerConnection"] = "2",
            ["Headless:WebSockets:MaxMessageBytes"] = "2048",
            ["Headless:WebSockets:PingInterval"] = "00:00:20",
            ["Headless:GraphQL:MaxDepth"] = "6",
        });
        _tenant = await _app.CreateTenantAsync("Socket Org");
    }

    public async Task DisposeAsync() => await _app.DisposeAsync();

    private Task<GraphQLWebSocketClient> ReadyAsync() => GraphQLWebSocketClient.ConnectAndInitAsync(_app, _tenant.ApiKey);

    [Fact]
    public async Task A_query_over_the_socket_answers_one_next_and_a_complete()
    {
        await using var ws = await ReadyAsync();
        await ws.SubscribeAsync("q1", Viewer);

        var next = await ws.ReceiveAsync();
        Assert.Equal("next", next.GetProperty("type").GetString());
        Assert.Equal("q1", next.GetProperty("id").GetString());
        Assert.Equal("Socket Org", next.At("payload.data.viewer.organization.name").GetString());
        var complete = await ws.ReceiveAsync();
        Assert.Equal("complete", complete.GetProperty("type").GetString());
        Assert.Equal("q1", complete.GetProperty("id").GetString());
    }

    [Fact]
    public async Task A_mutation_over_the_socket_answers_one_next_and_a_complete()
    {
        await using var ws = await ReadyAsync();
        await ws.SubscribeAsync("m1", TestData.ClinicCreate, new { input = TestData.Clinic() });

        var next = await ws.ReceiveAsync();
        Assert.True(next.GetProperty("type").GetString() == "next", next.ToString());
        Assert.Empty(next.At("payload.data.clinicCreate.userErrors").EnumerateArray());
        Assert.Equal("complete", (await ws.ReceiveAsync()).GetProperty("type").GetString());
    }

    [Fact]
    public async Task A_document_that_does_not_validate_gets_an_error_and_no_complete()
    {
        await using var ws = await ReadyAsync();
        await ws.SubscribeAsync("bad", "{ nope }");

        var error = await ws.ReceiveAsync();
        Assert.Equal("error", error.GetProperty("type").GetString());
        Assert.Equal("bad", error.GetProperty("id").GetString());
        Assert.Equal(JsonValueKind.Array, error.GetProperty("payload").ValueKind);

        // The connection carries on, and the id is free again.
        await ws.SubscribeAsync("bad", Viewer);
        Assert.Equal("next", (await ws.ReceiveAsync()).GetProperty("type").GetString());
    }

    [Fact]
    public async Task Ping_is_answered_with_pong_and_its_payload_and_a_pong_needs_no_answer()
    {
        await using var ws = await GraphQLWebSocketClient.ConnectAsync(_app);

        // Allowed before connection_init.
        await ws.SendAsync(new { type = "pong" });
        await ws.SendAsync(new { type = "ping", payload = new { at = 1 } });
        var pong = await ws.ReceiveAsync();
        Assert.Equal("pong", pong.GetProperty("type").GetString());
        Assert.Equal(1, pong.At("payload.at").GetInt32());
    }

    [Fact]
    public async Task The_server_pings_an_acknowledged_connection_on_its_interval()
    {
        await using var ws = await ReadyAsync();
        _app.Clock.Advance(TimeSpan.FromSeconds(21));

        Assert.Equal("ping", (await ws.ReceiveAsync()).GetProperty("type").GetString());
    }

    [Fact]
    public async Task No_connection_init_within_the_timeout_closes_4408()
    {
        await using var ws = await GraphQLWebSocketClient.ConnectAsync(_app);
        await SessionRunningAsync(ws);
        _app.Clock.Advance(TimeSpan.FromSeconds(4));

        Assert.Equal(4408, await ws.ClosedWithAsync());
    }

    [Fact]
    public async Task A_connection_init_within_the_timeout_keeps_the_connection()
    {
        await using var ws = await ReadyAsync();
        _app.Clock.Advance(TimeSpan.FromSeconds(4));

        await ws.SubscribeAsync("q", Viewer);
        Assert.Equal("next", (await ws.ReceiveSkippingPingsAsync()).GetProperty("type").GetString());
    }

    [Theory]
    [InlineData(null)]
    [InlineData("Bearer hk_nope_nope")]
    [InlineData("hk_without_bearer")]
    public async Task A_missing_or_unknown_credential_in_connection_init_closes_4403(string? authorization)
    {
        await using var ws = await GraphQLWebSocketClient.ConnectAsync(_app);
        await ws.SendAsync(new { type = "connection_init", payload = authorization is null ? new Dictionary<string, string>() : new Dictionary<string, string> { ["Authorization"] = authorization } });

        Assert.Equal(4403, await ws.ClosedWithAsync());
    }

    [Fact]
    public async Task The_credential_key_may_be_lower_case()
    {
        await using var ws = await GraphQLWebSocketClient.ConnectAsync(_app);
        await ws.SendAsync(new { type = "connection_init", payload = new { authorization = $"Bearer {_tenant.ApiKey}" } });

        Assert.Equal("connection_ack", (await ws.ReceiveAsync()).GetProperty("type").GetString());
    }

    [Fact]
    public async Task Subscribe_before_connection_ack_closes_4401()
    {
        await using var ws = await GraphQLWebSocketClient.ConnectAsync(_app);
        await ws.SubscribeAsync("early", Viewer);

        Assert.Equal(4401, await ws.ClosedWithAsync());
    }

    [Fact]
    public async Task A_second_connection_init_closes_4429()
    {
        await using var ws = await ReadyAsync();
        await ws.SendAsync(new { type = "connection_init", payload = new Dictionary<string, string> { ["Authorization"] = $"Bearer {_tenant.ApiKey}" } });

        Assert.Equal(4429, await ws.ClosedWithAsync());
    }

    [Fact]
    public async Task A_duplicate_operation_id_closes_4409()
    {
        await using var ws = await ReadyAsync();
        await ws.SubscribeAsync("same", Events);
        await ws.SubscribeAsync("same", Events);

        Assert.Equal(4409, await ws.ClosedWithAsync());
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("[1,2]")]
    [InlineData("{\"payload\":{}}")]
    [InlineData("{\"type\":7}")]
    [InlineData("{\"type\":\"unknown\"}")]
    [InlineData("{\"type\":\"next\",\"id\":\"1\",\"payload\":{}}")]
    [InlineData("{\"type\":\"subscribe\",\"payload\":{\"query\":\"{ viewer { id } }\"}}")]
    [InlineData("{\"type\":\"subscribe\",\"id\":\"\",\"payload\":{\"query\":\"{ viewer { id } }\"}}")]
    [InlineData("{\"type\":\"subscribe\",\"id\":\"1\",\"payload\":{\"query\":7}}")]
    [InlineData("{\"type\":\"subscribe\",\"id\":\"1\",\"payload\":{\"query\":\"{ viewer { id } }\",\"variables\":[]}}")]
    [InlineData("{\"type\":\"subscribe\",\"id\":\"1\",\"payload\":\"{ viewer { id } }\"}")]
    [InlineData("{\"type\":\"complete\"}")]
    public async Task A_malformed_message_closes_4400(string message)
    {
        await using var ws = await ReadyAsync();
        await ws.SendTextAsync(message);

        Assert.Equal(4400, await ws.ClosedWithAsync());
    }

    [Fact]
    public async Task A_message_over_the_size_limit_closes_1009()
    {
        await using var ws = await ReadyAsync();
        await ws.SubscribeAsync("big", "{ viewer { id } }" + new string(' ', 4096));

        Assert.Equal(1009, await ws.ClosedWithAsync());
    }

    [Fact]
    public async Task A_connection_without_the_subprotocol_is_closed_4406()
    {
        await using var ws = await GraphQLWebSocketClient.ConnectAsync(_app, subProtocol: "");

        Assert.Equal(4406, await ws.ClosedWithAsync());
    }

    [Fact]
    public async Task Operations_beyond_the_connection_limit_get_an_error_and_the_connection_stays()
    {
        await using var ws = await ReadyAsync();
        await ws.SubscribeAsync("a", Events);
        await ws.SubscribeAsync("b", Events);
        await ws.SubscribeAsync("c", Events);

        var refused = await ws.ReceiveAsync();
        Assert.Equal("error", refused.GetProperty("type").GetString());
        Assert.Equal("c", refused.GetProperty("id").GetString());
        Assert.Equal("TOO_MANY_OPERATIONS", refused.At("payload").EnumerateArray().Single().At("extensions.code").GetString());

        // Completing one makes room.
        await ws.SendAsync(new { id = "a", type = "complete" });
        await ws.SubscribeAsync("q", Viewer);
        Assert.Equal("next", (await ws.ReceiveAsync()).GetProperty("type").GetString());
    }

    [Fact]
    public async Task The_same_depth_limit_as_http_applies_to_a_subscribe()
    {
        await using var ws = await ReadyAsync();
        await ws.SubscribeAsync("deep", "{ viewer { organization { clinics { edges { node { shipTo { zip } } } } } } }");

        var error = await ws.ReceiveAsync();
        Assert.Equal("error", error.GetProperty("type").GetString());
        Assert.Equal("COMPLEXITY", error.At("payload").EnumerateArray().Single().At("extensions.code").GetString());
    }

    [Fact]
    public async Task A_client_complete_stops_a_subscription_and_the_server_sends_nothing_more_for_it()
    {
        await using var ws = await ReadyAsync();
        await ws.SubscribeAsync("s", Events);
        await ws.SendAsync(new { id = "s", type = "complete" });

        // The id can be used again at once, and only the new operation answers.
        await ws.SubscribeAsync("s", Viewer);
        var next = await ws.ReceiveAsync();
        Assert.Equal("next", next.GetProperty("type").GetString());
        Assert.True(next.At("payload.data").TryGetProperty("viewer", out _));
        Assert.Equal("complete", (await ws.ReceiveAsync()).GetProperty("type").GetString());
    }

    [Fact]
    public async Task A_subscription_with_a_bad_cursor_gets_an_error()
    {
        await using var ws = await ReadyAsync();
        await ws.SubscribeAsync("s", Events, new { after = "not-a-cursor" });

        var error = await ws.ReceiveAsync();
        Assert.Equal("error", error.GetProperty("type").GetString());
        Assert.Equal("INVALID_CURSOR", error.At("payload").EnumerateArray().Single().At("extensions.code").GetString());
    }

    [Fact]
    public async Task Subscriptions_over_http_are_still_refused()
    {
        var response = await _tenant.Client.PostAsync(Events);

        Assert.Equal(["SUBSCRIPTION_OVER_HTTP"], response.ErrorCodes);
    }

    /// <summary>
    /// The session's timers start with it, after the upgrade: a ping answered proves they are on the fake clock, so
    /// moving the clock reaches them.
    /// </summary>
    private static async Task SessionRunningAsync(GraphQLWebSocketClient ws)
    {
        await ws.SendAsync(new { type = "ping" });
        Assert.Equal("pong", (await ws.ReceiveAsync()).GetProperty("type").GetString());
    }
}
