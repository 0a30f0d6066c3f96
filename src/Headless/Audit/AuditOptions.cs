using System.ComponentModel.DataAnnotations;

namespace Headless.Audit;

/// <summary>Settings under Headless:Audit: how audit rows are queued and written.</summary>
public sealed class AuditOptions : IValidatableObject
{
    public const string Section = "Headless:Audit";

    /// <summary>Rows the queue holds before a request that adds more waits for the writer (it never drops them).</summary>
    [Range(1, 1_000_000)]
    public int ChannelCapacity { get; set; } = 10_000;

    /// <summary>Rows written with one SaveChanges. A full batch is written at once.</summary>
    [Range(1, 10_000)]
    public int BatchSize { get; set; } = 100;

    /// <summary>
    /// The longest a row waits for its batch to fill, from the moment the batch's first row is taken. Above 49 days
    /// (the longest .NET timer) batches are written only when full, drained or on shutdown: the tests run that way.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "3650.00:00:00")]
    public TimeSpan FlushInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Attempts to write one batch before its rows are given up (with an error log line that has counts only).</summary>
    [Range(1, 100)]
    public int MaxWriteAttempts { get; set; } = 10;

    /// <summary>Wait after the first failed write; each further failure doubles it up to <see cref="MaxBackOff"/>.</summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "01:00:00")]
    public TimeSpan BaseBackOff { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>The longest wait between two write attempts.</summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "01:00:00")]
    public TimeSpan MaxBackOff { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Object keys kept on one row; a row that touched more keeps the lowest ones and its true objectIdCount.</summary>
    [Range(1, 10_000)]
    public int MaxObjectIdsPerEvent { get; set; } = 1000;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (MaxBackOff < BaseBackOff)
        {
            yield return new ValidationResult($"{nameof(MaxBackOff)} must not be shorter than {nameof(BaseBackOff)}.", [nameof(MaxBackOff), nameof(BaseBackOff)]);
        }
    }

    /// <summary>The wait before attempt <paramref name="failures"/> + 1: base, doubled per failure, capped.</summary>
    internal TimeSpan BackOff(int failures)
    {
        var ticks = BaseBackOff.Ticks * Math.Pow(2, Math.Min(failures - 1, 30));
        return ticks >= MaxBackOff.Ticks ? MaxBackOff : TimeSpan.FromTicks((long)ticks);
    }
}
