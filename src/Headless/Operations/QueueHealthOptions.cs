using System.ComponentModel.DataAnnotations;
using Headless.Orders;

namespace Headless.Operations;

/// <summary>
/// Settings under Headless:QueueHealth: how long a line may stay in each open status before queueHealth counts it as
/// overdue. Each is a TimeSpan, e.g. Headless__QueueHealth__Received=1.00:00:00.
/// </summary>
public sealed class QueueHealthOptions
{
    public const string Section = "Headless:QueueHealth";

    [Range(typeof(TimeSpan), "00:01:00", "365.00:00:00")]
    public TimeSpan PendingPayment { get; set; } = TimeSpan.FromMinutes(30);

    [Range(typeof(TimeSpan), "00:01:00", "365.00:00:00")]
    public TimeSpan Submitted { get; set; } = TimeSpan.FromHours(2);

    [Range(typeof(TimeSpan), "00:01:00", "365.00:00:00")]
    public TimeSpan Received { get; set; } = TimeSpan.FromHours(24);

    [Range(typeof(TimeSpan), "00:01:00", "365.00:00:00")]
    public TimeSpan Compounding { get; set; } = TimeSpan.FromHours(72);

    [Range(typeof(TimeSpan), "00:01:00", "365.00:00:00")]
    public TimeSpan Shipped { get; set; } = TimeSpan.FromDays(7);

    [Range(typeof(TimeSpan), "00:01:00", "365.00:00:00")]
    public TimeSpan OnHold { get; set; } = TimeSpan.FromHours(4);

    /// <summary>A fixable rejection waiting for the clinic to correct and resubmit it.</summary>
    [Range(typeof(TimeSpan), "00:01:00", "365.00:00:00")]
    public TimeSpan Rejected { get; set; } = TimeSpan.FromHours(24);

    public TimeSpan For(OrderLineStatus status) => status switch
    {
        OrderLineStatus.PendingPayment => PendingPayment,
        OrderLineStatus.Submitted => Submitted,
        OrderLineStatus.Received => Received,
        OrderLineStatus.Compounding => Compounding,
        OrderLineStatus.Shipped => Shipped,
        OrderLineStatus.OnHold => OnHold,
        OrderLineStatus.Rejected => Rejected,
        _ => throw new ArgumentOutOfRangeException(nameof(status), status, "Not an open status."),
    };
}
