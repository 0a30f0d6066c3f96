using System.ComponentModel.DataAnnotations;

namespace Headless.Transport.WebSockets;

/// <summary>Settings under Headless:WebSockets: the graphql-transport-ws endpoint's timings and limits.</summary>
public sealed class GraphQLWebSocketOptions
{
    public const string Section = "Headless:WebSockets";

    /// <summary>How long a new connection has to send connection_init before it is closed with 4408.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:05:00")]
    public TimeSpan ConnectionInitTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How often the server pings an acknowledged connection (graphql-transport-ws ping); zero turns pings off.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "01:00:00")]
    public TimeSpan PingInterval { get; set; } = TimeSpan.FromSeconds(25);

    /// <summary>
    /// How often an acknowledged connection's API key is checked again; a revoked key's connection is closed with 4403.
    /// A key checked within the last second costs no database command (ApiKeyCache), so this is at most one lookup per
    /// key per interval on an instance, whatever the number of its connections.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:05:00")]
    public TimeSpan CredentialRecheckInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Operations one connection may have running at once; a subscribe beyond it gets an error, the connection stays.</summary>
    [Range(1, 10_000)]
    public int MaxOperationsPerConnection { get; set; } = 100;

    /// <summary>The largest message a client may send, in bytes; a larger one closes the connection with 1009.</summary>
    [Range(1_024, 16 * 1024 * 1024)]
    public int MaxMessageBytes { get; set; } = 256 * 1024;

    /// <summary>Connections this instance serves at once; one more is closed with 1013 (try again later) right after the upgrade.</summary>
    [Range(1, 1_000_000)]
    public int MaxConnections { get; set; } = 20_000;

    /// <summary>Messages waiting to be sent on one connection; a client that reads slower than that is closed with 1013 and resumes with its cursor.</summary>
    [Range(16, 1_000_000)]
    public int MaxQueuedMessages { get; set; } = 5_000;
}
