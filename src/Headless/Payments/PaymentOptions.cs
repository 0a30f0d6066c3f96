using System.ComponentModel.DataAnnotations;

namespace Headless.Payments;

/// <summary>Settings under Headless:Payments.</summary>
public sealed class PaymentOptions
{
    public const string Section = "Headless:Payments";

    /// <summary>
    /// Capture at the latest this long after authorization, for whatever the pharmacies accepted by then.
    /// Card authorizations usually lapse after seven days; five leaves room for retries.
    /// </summary>
    [Range(typeof(TimeSpan), "00:01:00", "7.00:00:00")]
    public TimeSpan CaptureAfter { get; set; } = TimeSpan.FromDays(5);

    /// <summary>How often the capture worker looks for orders that are due or were left mid-way.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan CaptureSweepInterval { get; set; } = TimeSpan.FromMinutes(1);
}
