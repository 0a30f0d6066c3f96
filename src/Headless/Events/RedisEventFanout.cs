using System.Globalization;
using Headless.Data;
using StackExchange.Redis;

namespace Headless.Events;

/// <summary>
/// Tells the other instances, through Redis pub/sub, that an organization's log has grown, and wakes this instance's
/// feed when they say so. The message is only "organization:position": each instance reads the events from the log
/// itself, so a message lost while Redis is down only delays delivery until the connection is back (every feed then
/// reads its logs) or the feed's poll comes round.
/// </summary>
internal sealed class RedisEventFanout(RedisConnection redis, EventCommits commits, EventFeed feed, ILogger<RedisEventFanout> logger) : BackgroundService
{
    private ISubscriber? _subscriber;
    private RedisChannel _channel;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!redis.Configured || await redis.GetAsync() is not { } connection)
        {
            return;
        }

        _channel = RedisChannel.Literal($"{redis.Prefix}:events");
        _subscriber = connection.GetSubscriber();
        connection.ConnectionRestored += (_, e) =>
        {
            if (e.ConnectionType == ConnectionType.Subscription)
            {
                feed.NotifyAll();
            }
        };
        commits.Committed += Publish;

        // Redis may be down when the service starts: subscribe as soon as it answers. Once subscribed, the client
        // restores the subscription itself after every reconnect.
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await _subscriber.SubscribeAsync(_channel, (_, message) => Received(message));
                feed.NotifyAll();
                return;
            }
            catch (Exception ex) when (ex is RedisException or TimeoutException)
            {
                logger.LogWarning("Subscribing to Redis failed ({ExceptionType}); events from other instances wait for the feed's poll until it works", ex.GetType().Name);
                try
                {
                    await Task.Delay(TimeSpan.FromSeconds(2), stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    private void Publish(long organizationId, long position)
    {
        if (_subscriber is not { } subscriber)
        {
            return;
        }

        try
        {
            subscriber.Publish(_channel, string.Create(CultureInfo.InvariantCulture, $"{organizationId}:{position}"), CommandFlags.FireAndForget);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            // Redis is down: the other instances catch up when it is back, or on their poll.
        }
    }

    private void Received(RedisValue message)
    {
        var text = message.ToString();
        var colon = text.IndexOf(':', StringComparison.Ordinal);
        if (colon > 0
            && long.TryParse(text.AsSpan(0, colon), NumberStyles.None, CultureInfo.InvariantCulture, out var organizationId)
            && long.TryParse(text.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var position))
        {
            feed.Notify(organizationId, position);
        }
    }

    public override void Dispose()
    {
        commits.Committed -= Publish;
        base.Dispose();
    }
}
