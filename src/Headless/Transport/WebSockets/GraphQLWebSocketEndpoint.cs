using Microsoft.Extensions.Options;

namespace Headless.Transport.WebSockets;

/// <summary>
/// The WebSocket side of /graphql: accepts upgrades that ask for graphql-transport-ws, within the instance's connection
/// limit, and serves each as a <see cref="GraphQLWebSocketSession"/> until it closes or the server stops.
/// </summary>
internal sealed class GraphQLWebSocketEndpoint(GraphQLWebSocketServices services, IOptions<GraphQLWebSocketOptions> options, IHostApplicationLifetime lifetime, ILogger<GraphQLWebSocketEndpoint> logger)
{
    private int _connections;

    /// <summary>Connections being served now.</summary>
    public int Connections => Volatile.Read(ref _connections);

    public async Task HandleAsync(HttpContext context)
    {
        var protocols = context.WebSockets.WebSocketRequestedProtocols;
        var speaksProtocol = protocols.Contains(GraphQLWebSocketSession.SubProtocol, StringComparer.Ordinal);
        using var socket = await context.WebSockets.AcceptWebSocketAsync(speaksProtocol ? GraphQLWebSocketSession.SubProtocol : null);
        if (!speaksProtocol)
        {
            // As the reference server does: accept, then say why in a close code every client can read.
            await CloseAsync(socket, 4406, "Subprotocol not acceptable: use graphql-transport-ws");
            return;
        }

        if (Interlocked.Increment(ref _connections) > options.Value.MaxConnections)
        {
            Interlocked.Decrement(ref _connections);
            logger.LogWarning("WebSocket connection refused: this instance serves its maximum of {MaxConnections} connections", options.Value.MaxConnections);
            await CloseAsync(socket, GraphQLWebSocketSession.TryAgainLater, "Too many connections on this instance; try again later");
            return;
        }

        try
        {
            await using var session = new GraphQLWebSocketSession(context, socket, services);
            await session.RunAsync(lifetime.ApplicationStopping);
        }
        finally
        {
            Interlocked.Decrement(ref _connections);
        }
    }

    private static async Task CloseAsync(System.Net.WebSockets.WebSocket socket, int code, string reason)
    {
        try
        {
            using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await socket.CloseAsync((System.Net.WebSockets.WebSocketCloseStatus)code, reason, wait.Token);
        }
        catch (Exception ex) when (ex is System.Net.WebSockets.WebSocketException or OperationCanceledException or IOException)
        {
            // The client went away first.
        }
    }
}
