using System.Net.WebSockets;
using System.Text;
using System.Text.Json;

namespace Headless.Tests.ScaleOut;

/// <summary>
/// A coordinator's live view: a graphql-transport-ws client (what the graphql-ws npm client speaks) on real sockets,
/// subscribed to <c>orderEvents(after:)</c> from a start cursor. It first connects straight to one instance; when that
/// connection ends (its instance was killed, or completed it on shutdown) it connects again through the load balancer and
/// subscribes with the cursor of the last event it received, as README "Subscriptions" tells a client to.
/// </summary>
public sealed class EventSubscriber(string name, string apiKey, Uri first, Uri reconnectTo, string startCursor)
{
    private const string Document = "subscription($after: String) { orderEvents(after: $after) { cursor type } }";
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private readonly Lock _gate = new();
    private readonly List<string> _cursors = [];
    private readonly List<string> _problems = [];

    public string Name { get; } = name;

    /// <summary>Connections after the first: each one resumed from the last cursor.</summary>
    public int Reconnects { get; private set; }

    public IReadOnlyList<string> Cursors
    {
        get
        {
            lock (_gate)
            {
                return [.. _cursors];
            }
        }
    }

    /// <summary>Protocol errors and unexpected messages (an <c>error</c> for the operation, say); none are expected.</summary>
    public IReadOnlyList<string> Problems
    {
        get
        {
            lock (_gate)
            {
                return [.. _problems];
            }
        }
    }

    public string LastCursor
    {
        get
        {
            lock (_gate)
            {
                return _cursors.Count > 0 ? _cursors[^1] : startCursor;
            }
        }
    }

    /// <summary>Receives until <paramref name="stop"/>, reconnecting through the balancer whenever a connection ends.</summary>
    public async Task RunAsync(CancellationToken stop)
    {
        var target = first;
        while (!stop.IsCancellationRequested)
        {
            try
            {
                await ReceiveAsync(target, stop);
            }
            catch (Exception) when (stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is WebSocketException or IOException or OperationCanceledException or HttpRequestException)
            {
                // The connection died with its instance, or the balancer had not yet taken the dead one out: again.
            }

            if (stop.IsCancellationRequested)
            {
                return;
            }

            target = reconnectTo;
            Reconnects++;

            // Waiting for a process that died: a short pause, not a clock.
            await Task.Delay(100, CancellationToken.None);
        }
    }

    private async Task ReceiveAsync(Uri address, CancellationToken stop)
    {
        using var socket = new ClientWebSocket();
        socket.Options.AddSubProtocol("graphql-transport-ws");
        using (var connecting = CancellationTokenSource.CreateLinkedTokenSource(stop))
        {
            connecting.CancelAfter(TimeSpan.FromSeconds(10));
            await socket.ConnectAsync(address, connecting.Token);
            await SendAsync(socket, new { type = "connection_init", payload = new Dictionary<string, string> { ["Authorization"] = $"Bearer {apiKey}" } }, connecting.Token);
            var ack = await ReadAsync(socket, connecting.Token);
            if (ack?.GetProperty("type").GetString() != "connection_ack")
            {
                throw new WebSocketException($"{Name}: no connection_ack: {ack}");
            }
        }

        await SendAsync(socket, new { id = "events", type = "subscribe", payload = new { query = Document, variables = new { after = LastCursor } } }, stop);
        while (true)
        {
            var message = await ReadAsync(socket, stop);
            if (message is not { } m)
            {
                return; // closed: the instance went away (1001 on shutdown, or the socket just died)
            }

            switch (m.GetProperty("type").GetString())
            {
                case "next":
                    var evt = m.GetProperty("payload").GetProperty("data").GetProperty("orderEvents");
                    lock (_gate)
                    {
                        _cursors.Add(evt.GetProperty("cursor").GetString()!);
                    }

                    break;
                case "ping":
                    await SendAsync(socket, new { type = "pong" }, stop);
                    break;
                case "pong":
                    break;
                case "complete":
                    return; // the server completes every subscription on shutdown
                default:
                    lock (_gate)
                    {
                        _problems.Add(m.GetRawText());
                    }

                    return;
            }
        }
    }

    private static Task SendAsync(ClientWebSocket socket, object message, CancellationToken ct) =>
        socket.SendAsync(Encoding.UTF8.GetBytes(JsonSerializer.Serialize(message, Json)), WebSocketMessageType.Text, true, ct);

    private static async Task<JsonElement?> ReadAsync(ClientWebSocket socket, CancellationToken ct)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        while (true)
        {
            var result = await socket.ReceiveAsync(chunk, ct);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                return null;
            }

            buffer.Write(chunk, 0, result.Count);
            if (result.EndOfMessage)
            {
                return JsonDocument.Parse(buffer.ToArray()).RootElement.Clone();
            }
        }
    }
}
