using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Mvc.Testing;

namespace Headless.Tests.Infrastructure;

/// <summary>
/// A raw graphql-transport-ws client over the in-process test server, for protocol tests that send what no well-behaved
/// client would (a second connection_init, a malformed frame). Waits for a message at most <see cref="Patience"/>, so a
/// missing message fails the test instead of hanging it.
/// </summary>
public sealed class GraphQLWebSocketClient : IAsyncDisposable
{
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private readonly WebSocket _socket;

    private GraphQLWebSocketClient(WebSocket socket) => _socket = socket;

    public WebSocketCloseStatus? CloseStatus => _socket.CloseStatus;

    public string? CloseReason => _socket.CloseStatusDescription;

    public static async Task<GraphQLWebSocketClient> ConnectAsync<T>(WebApplicationFactory<T> app, string subProtocol = "graphql-transport-ws")
        where T : class
    {
        var client = app.Server.CreateWebSocketClient();
        if (subProtocol.Length > 0)
        {
            client.SubProtocols.Add(subProtocol);
        }

        var uri = new UriBuilder(app.Server.BaseAddress) { Scheme = "ws", Path = "/graphql" }.Uri;
        using var timeout = new CancellationTokenSource(Patience);
        return new GraphQLWebSocketClient(await client.ConnectAsync(uri, timeout.Token));
    }

    /// <summary>Connects, sends connection_init with the key and waits for connection_ack.</summary>
    public static async Task<GraphQLWebSocketClient> ConnectAndInitAsync<T>(WebApplicationFactory<T> app, string apiKey)
        where T : class
    {
        var client = await ConnectAsync(app);
        await client.SendAsync(new { type = "connection_init", payload = new Dictionary<string, string> { ["Authorization"] = $"Bearer {apiKey}" } });
        var ack = await client.ReceiveAsync();
        Assert.Equal("connection_ack", ack.GetProperty("type").GetString());
        return client;
    }

    public Task SendAsync(object message) => SendTextAsync(JsonSerializer.Serialize(message, Json));

    public async Task SendTextAsync(string text)
    {
        using var timeout = new CancellationTokenSource(Patience);
        await _socket.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, true, timeout.Token);
    }

    public Task SubscribeAsync(string id, string query, object? variables = null) =>
        SendAsync(new { id, type = "subscribe", payload = new { query, variables } });

    /// <summary>The next message; fails when the server closes the connection instead.</summary>
    public async Task<JsonElement> ReceiveAsync()
    {
        var message = await ReceiveOrCloseAsync();
        Assert.True(message is not null, $"Expected a message, the server closed with {(int?)_socket.CloseStatus} {_socket.CloseStatusDescription}");
        return message.Value;
    }

    /// <summary>The next message other than a ping (answered) or pong.</summary>
    public async Task<JsonElement> ReceiveSkippingPingsAsync()
    {
        while (true)
        {
            var message = await ReceiveAsync();
            var type = message.GetProperty("type").GetString();
            if (type == "ping")
            {
                await SendAsync(new { type = "pong" });
                continue;
            }

            if (type != "pong")
            {
                return message;
            }
        }
    }

    /// <summary>Waits for the server to close the connection and returns its close code.</summary>
    public async Task<int> ClosedWithAsync()
    {
        while (await ReceiveOrCloseAsync() is not null)
        {
        }

        return (int)(_socket.CloseStatus ?? 0);
    }

    private async Task<JsonElement?> ReceiveOrCloseAsync()
    {
        using var timeout = new CancellationTokenSource(Patience);
        var buffer = new byte[64 * 1024];
        using var message = new MemoryStream();
        while (true)
        {
            var result = await _socket.ReceiveAsync(buffer, timeout.Token);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                if (_socket.State == WebSocketState.CloseReceived)
                {
                    await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "", timeout.Token);
                }

                return null;
            }

            message.Write(buffer, 0, result.Count);
            if (result.EndOfMessage)
            {
                return JsonDocument.Parse(message.ToArray()).RootElement.Clone();
            }
        }
    }

    public async Task CloseAsync()
    {
        if (_socket.State == WebSocketState.Open)
        {
            using var timeout = new CancellationTokenSource(Patience);
            await _socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", timeout.Token);
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await CloseAsync();
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or IOException or ObjectDisposedException or InvalidOperationException)
        {
            // Closing while a receive is still pending (a test that stopped listening) may fail; the socket goes anyway.
        }

        _socket.Dispose();
    }
}
