using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Headless.Data;

/// <summary>Settings under Headless:Redis. Without a configuration the service runs on one instance's memory.</summary>
public sealed class RedisOptions
{
    public const string Section = "Headless:Redis";

    /// <summary>A StackExchange.Redis configuration string, e.g. "localhost:6379" or "redis.internal:6380,ssl=true,password=...".</summary>
    public string? Configuration { get; set; }

    /// <summary>Prefix of every channel and key the service uses, so several deployments can share one Redis.</summary>
    public string Prefix { get; set; } = "headless";
}

/// <summary>
/// The one Redis connection of this instance, when Redis is configured. It is opened without failing when Redis is
/// down (AbortOnConnectFail off): StackExchange.Redis reconnects in the background, and every user of Redis here treats
/// it as an accelerator whose absence delays, never loses, anything.
/// </summary>
public sealed class RedisConnection(IOptions<RedisOptions> options, ILogger<RedisConnection> logger) : IAsyncDisposable
{
    private readonly Lazy<Task<IConnectionMultiplexer?>> _connection = new(() => ConnectAsync(options.Value, logger));

    public bool Configured => !string.IsNullOrWhiteSpace(options.Value.Configuration);

    public string Prefix => options.Value.Prefix;

    public Task<IConnectionMultiplexer?> GetAsync() => _connection.Value;

    private static async Task<IConnectionMultiplexer?> ConnectAsync(RedisOptions settings, ILogger logger)
    {
        if (string.IsNullOrWhiteSpace(settings.Configuration))
        {
            return null;
        }

        var configuration = ConfigurationOptions.Parse(settings.Configuration);
        configuration.AbortOnConnectFail = false;
        configuration.ClientName ??= "headless";
        var connection = await ConnectionMultiplexer.ConnectAsync(configuration);
        connection.ConnectionFailed += (_, e) => logger.LogWarning("Redis connection lost ({ConnectionType}): {FailureType}", e.ConnectionType, e.FailureType);
        connection.ConnectionRestored += (_, e) => logger.LogInformation("Redis connection restored ({ConnectionType})", e.ConnectionType);
        return connection;
    }

    public async ValueTask DisposeAsync()
    {
        if (_connection.IsValueCreated && await _connection.Value is { } connection)
        {
            await connection.DisposeAsync();
        }
    }
}
