using System.ComponentModel.DataAnnotations;

namespace Headless.Webhooks;

/// <summary>Settings under Headless:Webhooks.</summary>
public sealed class WebhooksOptions : IValidatableObject
{
    public const string Section = "Headless:Webhooks";

    /// <summary>The Standard Webhooks example schedule: the waits after the 1st, 2nd, ... failed attempt (about 75 h 35 min in all).</summary>
    public static readonly IReadOnlyList<TimeSpan> DefaultRetrySchedule =
    [
        TimeSpan.FromSeconds(5), TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(30), TimeSpan.FromHours(2), TimeSpan.FromHours(5),
        TimeSpan.FromHours(10), TimeSpan.FromHours(14), TimeSpan.FromHours(20), TimeSpan.FromHours(24),
    ];

    /// <summary>
    /// Let endpoints point at private, loopback, link-local and metadata addresses, and at plain http. Only for tests and
    /// local development: in production a webhook URL must never reach into the service's own network.
    /// </summary>
    public bool AllowPrivateDestinations { get; set; }

    /// <summary>How long one attempt may take, connection and whole answer included.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:01:00")]
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>The waits between attempts (null: <see cref="DefaultRetrySchedule"/>); each is stretched by a random 0 to 20%.</summary>
    public TimeSpan[]? RetrySchedule { get; set; }

    public IReadOnlyList<TimeSpan> EffectiveRetrySchedule => RetrySchedule is { Length: > 0 } s ? s : DefaultRetrySchedule;

    /// <summary>An endpoint whose every attempt has failed for this long is disabled (reason FAILING).</summary>
    [Range(typeof(TimeSpan), "00:01:00", "30.00:00:00")]
    public TimeSpan DisableAfter { get; set; } = TimeSpan.FromDays(5);

    /// <summary>After webhookEndpointRotateSecret, how long the previous secret keeps signing (after the new one).</summary>
    [Range(typeof(TimeSpan), "00:00:00", "30.00:00:00")]
    public TimeSpan SecretRotationOverlap { get; set; } = TimeSpan.FromHours(24);

    /// <summary>Run the fan-out (events to deliveries) in this instance. Tests call <see cref="WebhookFanout.RunOnceAsync"/> instead.</summary>
    public bool FanoutEnabled { get; set; } = true;

    /// <summary>How often the fan-out reads every organization's log even without a commit announced here (commits on other instances).</summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "00:10:00")]
    public TimeSpan FanoutPollInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Events turned into deliveries per transaction.</summary>
    [Range(1, 5000)]
    public int FanoutBatchSize { get; set; } = 200;

    /// <summary>Endpoints one organization may have.</summary>
    [Range(1, 1000)]
    public int MaxEndpointsPerOrganization { get; set; } = 20;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (RetrySchedule?.Any(t => t < TimeSpan.Zero || t > TimeSpan.FromDays(7)) == true)
        {
            yield return new ValidationResult($"{nameof(RetrySchedule)} waits must be between 0 and 7 days.", [nameof(RetrySchedule)]);
        }

        if (RetrySchedule?.Length > 50)
        {
            yield return new ValidationResult($"{nameof(RetrySchedule)} has at most 50 waits.", [nameof(RetrySchedule)]);
        }
    }
}
