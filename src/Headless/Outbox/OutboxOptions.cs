using System.ComponentModel.DataAnnotations;

namespace Headless.Outbox;

/// <summary>Settings under Headless:Outbox: how workers lease, deliver and retry outbox messages.</summary>
public sealed class OutboxOptions : IValidatableObject
{
    public const string Section = "Headless:Outbox";

    /// <summary>Run the background workers in this instance. Off, messages are still written; another instance (or a test) delivers them.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Concurrent worker loops per instance on PostgreSQL and SQL Server. SQLite always runs one.</summary>
    [Range(1, 64)]
    public int Workers { get; set; } = 2;

    /// <summary>How many messages one worker leases at a time.</summary>
    [Range(1, 1000)]
    public int BatchSize { get; set; } = 20;

    /// <summary>How long a leased message belongs to its worker. A worker that dies loses its messages when this passes.</summary>
    [Range(typeof(TimeSpan), "00:00:05", "01:00:00")]
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>How long an idle worker waits before looking for work again. A worker that leased a full batch looks again at once.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:10:00")]
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Failed deliveries after which a message is parked (kept, visible in queueHealth, retried only on request).</summary>
    [Range(1, 100)]
    public int MaxAttempts { get; set; } = 12;

    /// <summary>Wait after the first failure; each further failure doubles it (with ±20% jitter) up to <see cref="MaxBackOff"/>.</summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "1.00:00:00")]
    public TimeSpan BaseBackOff { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The longest wait between two attempts (before jitter).</summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "7.00:00:00")]
    public TimeSpan MaxBackOff { get; set; } = TimeSpan.FromHours(1);

    /// <summary>How long one handler call may take before it counts as a failure. Must be shorter than <see cref="LeaseDuration"/>.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:30:00")]
    public TimeSpan HandlerTimeout { get; set; } = TimeSpan.FromSeconds(30);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (HandlerTimeout >= LeaseDuration)
        {
            yield return new ValidationResult($"{nameof(HandlerTimeout)} must be shorter than {nameof(LeaseDuration)}.", [nameof(HandlerTimeout), nameof(LeaseDuration)]);
        }

        if (MaxBackOff < BaseBackOff)
        {
            yield return new ValidationResult($"{nameof(MaxBackOff)} must not be shorter than {nameof(BaseBackOff)}.", [nameof(MaxBackOff), nameof(BaseBackOff)]);
        }
    }
}
