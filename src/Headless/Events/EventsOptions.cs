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
}
