using System.Net;
using Headless.Data;
using Headless.Tests.Infrastructure;

namespace Headless.Tests.Hosting;

public sealed class HealthTests
{
    [Fact]
    public async Task Live_and_ready_answer_without_credentials_when_the_database_is_reachable()
    {
        await using var app = HeadlessApp.Sqlite();
        using var http = app.CreateClient();

        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/health/live")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/health/ready")).StatusCode);
    }

    [Fact]
    public async Task Ready_is_503_while_live_stays_200_when_the_database_cannot_be_reached()
    {
        // Nothing listens on port 1; migrations are off so the service still starts.
        await using var app = HeadlessApp.On(
            DatabaseProvider.Postgres,
            "Host=127.0.0.1;Port=1;Database=none;Username=none;Timeout=2",
            new Dictionary<string, string?> { ["Headless:Database:MigrateOnStartup"] = "false" });
        using var http = app.CreateClient();

        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/health/live")).StatusCode);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await http.GetAsync("/health/ready")).StatusCode);
    }
}
