using Headless.Outbox;
using Headless.Tests.Infrastructure;

namespace Headless.Tests.Fulfillment;

/// <summary>A handler that keeps its own schedule (webhooks retry for days): the message waits until the time it names and is never parked.</summary>
public sealed class OutboxRescheduleTests : IAsyncLifetime
{
    private const string Kind = "test.reschedule";
    private readonly RecordingHandler _handler = new(Kind);
    private HeadlessApp _app = null!;

    public Task InitializeAsync()
    {
        _app = HeadlessApp.Sqlite();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public async Task A_rescheduled_message_waits_for_the_time_its_handler_names_past_the_attempt_limit()
    {
        var options = new OutboxOptions { MaxAttempts = 2 };
        var (processor, services) = OutboxTestSupport.Processor(_app, options, null, _handler);
        await using var _ = services;
        _handler.Behaviour = (_, call, _) => call <= 3 ? throw new OutboxRescheduleException(_app.Clock.GetUtcNow() + TimeSpan.FromDays(1), "Later") : Task.CompletedTask;
        var id = (await OutboxTestSupport.EnqueueAsync(_app, Kind, 1))[0];

        for (var day = 1; day <= 3; day++)
        {
            Assert.Equal(1, await processor.DrainOnceAsync("w", default));
            var waiting = await OutboxTestSupport.LoadAsync(_app, id);
            Assert.Equal((OutboxStatus.Pending, day, "Later"), (waiting.Status, waiting.Attempts, waiting.LastError));
            Assert.Equal(_app.Clock.GetUtcNow() + TimeSpan.FromDays(1), waiting.NextAttemptAt);

            _app.Clock.Advance(TimeSpan.FromHours(23));
            Assert.Equal(0, await processor.DrainOnceAsync("w", default));
            _app.Clock.Advance(TimeSpan.FromHours(1));
        }

        Assert.Equal(1, await processor.DrainOnceAsync("w", default));
        Assert.Equal(OutboxStatus.Done, (await OutboxTestSupport.LoadAsync(_app, id)).Status);
        Assert.Equal(4, _handler.Calls);
    }
}
