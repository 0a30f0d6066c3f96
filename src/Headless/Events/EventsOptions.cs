using System.ComponentModel.DataAnnotations;

namespace Headless.Events;

/// <summary>Settings under Headless:Events.</summary>
public sealed class EventsOptions
{
    public const string Section = "Headless:Events";

    /// <summary>How long events are kept. A cursor older than this cannot be resumed: the events after it are gone.</summary>
    [Range(typeof(TimeSpan), "1.00:00:00", "365.00:00:00")]
    public TimeSpan Retention { get; set; } = TimeSpan.FromDays(30);

    /// <summary>How often expired events are deleted.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan PurgeInterval { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Events deleted per statement, so a purge never holds long locks.</summary>
    [Range(1, 100_000)]
    public int PurgeBatchSize { get; set; } = 5_000;

    /// <summary>
    /// How often each instance reads its subscribed organizations' logs even when no commit was announced: the safety
    /// net that delivers events committed on another instance while the fan-out (Redis) is down.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "00:10:00")]
    public TimeSpan FeedPollInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Events buffered per subscriber; a subscriber that falls further behind reads the log itself to catch up.</summary>
    [Range(1, 100_000)]
    public int SubscriberBuffer { get; set; } = 512;

    /// <summary>Events read from the log per query when a subscriber replays or catches up.</summary>
    [Range(1, 10_000)]
    public int FeedBatchSize { get; set; } = 500;
}
