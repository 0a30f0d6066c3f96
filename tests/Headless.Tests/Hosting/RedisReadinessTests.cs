using System.Net;
using Headless.Tests.Infrastructure;

namespace Headless.Tests.Hosting;

/// <summary>/health/ready covers Redis when Redis is configured: not ready while it is down, ready again once it is back.</summary>
public sealed class RedisReadinessTests(RedisServer redis) : IClassFixture<RedisServer>
{
    [RedisFact]
    public async Task Ready_follows_the_configured_redis_down_and_up_again_while_live_stays_200()
    {
        await using var app = HeadlessApp.Sqlite(new Dictionary<string, string?> { ["Headless:Redis:Configuration"] = redis.Configuration });
        using var http = app.CreateClient();
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/health/ready")).StatusCode);

        await redis.KillAsync();
        await UntilAsync(http, HttpStatusCode.ServiceUnavailable);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/health/live")).StatusCode);

        await redis.StartAsync();
        await UntilAsync(http, HttpStatusCode.OK);
    }

    [Fact]
    public async Task Ready_is_503_when_the_configured_redis_cannot_be_reached_from_the_start()
    {
        // Nothing listens on port 1.
        await using var app = HeadlessApp.Sqlite(new Dictionary<string, string?> { ["Headless:Redis:Configuration"] = "127.0.0.1:1,connectTimeout=500" });
        using var http = app.CreateClient();

        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await http.GetAsync("/health/ready")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/health/live")).StatusCode);
    }

    /// <summary>The connection notices the loss (or the return) on its own schedule: ask until it has.</summary>
    private static async Task UntilAsync(HttpClient http, HttpStatusCode expected)
    {
        using var patience = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while ((await http.GetAsync("/health/ready", patience.Token)).StatusCode != expected)
        {
            await Task.Delay(100, patience.Token);
        }
    }
}
