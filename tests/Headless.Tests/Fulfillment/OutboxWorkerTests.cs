using System.Diagnostics;
using System.Text.RegularExpressions;
using Headless.Data;
using Headless.Fulfillment;
using Headless.Outbox;
using Headless.Tests.Infrastructure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Headless.Tests.Fulfillment;

/// <summary>The background worker, the back-off formula, the options and the leasing SQL.</summary>
public sealed partial class OutboxWorkerTests
{
    [Fact]
    public async Task The_background_worker_delivers_on_its_poll_interval_and_stops_cleanly()
    {
        var handler = new RecordingHandler("test.worker");
        var app = HeadlessApp.Sqlite(
            new Dictionary<string, string?> { ["Headless:Outbox:Workers"] = "4", ["Headless:Outbox:Enabled"] = "true" },
            services =>
            {
                services.AddOutbox();
                services.AddOutbox(); // idempotent
                services.AddSingleton<IOutboxHandler>(handler);
            });
        try
        {
            _ = app.Services;
            await OutboxTestSupport.EnqueueAsync(app, "test.worker", 3);

            var deadline = Stopwatch.StartNew();
            while (handler.Delivered.Count < 3 && deadline.Elapsed < TimeSpan.FromSeconds(60))
            {
                app.Clock.Advance(TimeSpan.FromSeconds(1));
                await Task.Delay(20);
            }

            Assert.Equal(3, handler.Delivered.Count);
            Assert.All(handler.Delivered.Values, n => Assert.Equal(1, n));

            // SQLite always runs one loop, whatever Workers says.
            var worker = app.Services.GetRequiredService<OutboxWorker>();
            var workerId = Assert.Single(worker.WorkerIds);
            Assert.Matches(WorkerIdPattern(), workerId);
            Assert.Single(app.Services.GetServices<Microsoft.Extensions.Hosting.IHostedService>().OfType<OutboxWorker>());
        }
        finally
        {
            var stop = Stopwatch.StartNew();
            await app.DisposeAsync();
            Assert.True(stop.Elapsed < TimeSpan.FromSeconds(10), $"Shutdown took {stop.Elapsed}.");
        }
    }

    [Theory]
    [InlineData(1, 5)]
    [InlineData(2, 10)]
    [InlineData(3, 20)]
    [InlineData(10, 2560)]
    [InlineData(11, 3600)]
    [InlineData(12, 3600)]
    [InlineData(1000, 3600)]
    public void Back_off_doubles_from_the_base_up_to_the_maximum_with_twenty_percent_jitter(int attempts, int seconds)
    {
        var options = new OutboxOptions();
        Assert.Equal(TimeSpan.FromMilliseconds(seconds * 800), OutboxProcessor.BackOff(attempts, options, 0));
        Assert.Equal(TimeSpan.FromSeconds(seconds), OutboxProcessor.BackOff(attempts, options, 0.5));
        Assert.Equal(TimeSpan.FromMilliseconds(seconds * 1200), OutboxProcessor.BackOff(attempts, options, 1));
    }

    [Fact]
    public void Options_have_the_documented_defaults_and_bind_from_headless_outbox()
    {
        var o = new OutboxOptions();
        Assert.True(o.Enabled);
        Assert.Equal(2, o.Workers);
        Assert.Equal(20, o.BatchSize);
        Assert.Equal(TimeSpan.FromMinutes(2), o.LeaseDuration);
        Assert.Equal(TimeSpan.FromSeconds(1), o.PollInterval);
        Assert.Equal(12, o.MaxAttempts);
        Assert.Equal(TimeSpan.FromSeconds(5), o.BaseBackOff);
        Assert.Equal(TimeSpan.FromHours(1), o.MaxBackOff);
        Assert.Equal("Headless:Outbox", OutboxOptions.Section);

        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Headless:Outbox:BatchSize"] = "7",
                ["Headless:Outbox:LeaseDuration"] = "00:00:30",
                ["Headless:Outbox:HandlerTimeout"] = "00:01:00",
            })
            .Build());
        services.AddOutbox();
        using var provider = services.BuildServiceProvider();
        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<OutboxOptions>>().Value);
        Assert.Contains("HandlerTimeout", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_postgres_lease_skips_locked_rows_and_returns_the_leased_ids()
    {
        var sql = OutboxLeaseSql.For(DatabaseProvider.Postgres);
        Assert.Contains("FOR UPDATE SKIP LOCKED", sql, StringComparison.Ordinal);
        Assert.Contains("ORDER BY \"Id\"", sql, StringComparison.Ordinal);
        Assert.Contains("LIMIT @n", sql, StringComparison.Ordinal);
        Assert.Contains("\"Status\" = 'PENDING' AND \"NextAttemptAt\" <= @now AND (\"LeasedUntil\" IS NULL OR \"LeasedUntil\" < @now)", sql, StringComparison.Ordinal);
        Assert.Contains("SET \"LeasedUntil\" = @until, \"LeaseOwner\" = @owner", sql, StringComparison.Ordinal);
        Assert.EndsWith("RETURNING \"Id\"", sql.TrimEnd(), StringComparison.Ordinal);
    }

    [Fact]
    public void The_sql_server_lease_reads_past_locked_rows_and_outputs_the_leased_ids()
    {
        var sql = OutboxLeaseSql.For(DatabaseProvider.SqlServer);
        Assert.Contains("WITH (UPDLOCK, READPAST, ROWLOCK)", sql, StringComparison.Ordinal);
        Assert.Contains("SELECT TOP (@n)", sql, StringComparison.Ordinal);
        Assert.Contains("ORDER BY [Id]", sql, StringComparison.Ordinal);
        Assert.Contains("[Status] = N'PENDING' AND [NextAttemptAt] <= @now AND ([LeasedUntil] IS NULL OR [LeasedUntil] < @now)", sql, StringComparison.Ordinal);
        Assert.Contains("SET [LeasedUntil] = @until, [LeaseOwner] = @owner", sql, StringComparison.Ordinal);
        Assert.Contains("OUTPUT inserted.[Id]", sql, StringComparison.Ordinal);
        Assert.DoesNotContain("\"", sql, StringComparison.Ordinal);

        // Every parameter the processor binds is used, and no other.
        Assert.Equal(["@n", "@now", "@owner", "@until"], ParameterPattern().Matches(sql).Select(m => m.Value).Distinct().Order());
        Assert.Throws<NotSupportedException>(() => OutboxLeaseSql.For(DatabaseProvider.Sqlite));
    }

    [GeneratedRegex(@"^.{1,40}-[0-9a-f]{32}-1$")]
    private static partial Regex WorkerIdPattern();

    [GeneratedRegex(@"@\w+")]
    private static partial Regex ParameterPattern();
}
