using System.ComponentModel.DataAnnotations;

namespace Headless.Telemetry;

/// <summary>
/// Settings under Headless:Telemetry (README "Telemetry"). Traces and metrics are exported over OTLP when an endpoint is
/// configured here or in the standard OTEL_EXPORTER_OTLP_ENDPOINT variable; without one nothing is collected at all.
/// </summary>
public sealed class TelemetryOptions
{
    public const string Section = "Headless:Telemetry";

    /// <summary>The OTLP collector, e.g. http://otel-collector:4317. Overrides OTEL_EXPORTER_OTLP_ENDPOINT.</summary>
    public string? OtlpEndpoint { get; set; }

    /// <summary>"grpc" (the default) or "http/protobuf". Overrides OTEL_EXPORTER_OTLP_PROTOCOL.</summary>
    [RegularExpression("^(grpc|http/protobuf)$")]
    public string? OtlpProtocol { get; set; }

    /// <summary>service.name of every span and metric (OTEL_SERVICE_NAME wins when set).</summary>
    [Required]
    public string ServiceName { get; set; } = "headless";

    /// <summary>The share of traces started here that are recorded (a caller's sampling decision is followed).</summary>
    [Range(0.0, 1.0)]
    public double TraceSampleRatio { get; set; } = 1.0;

    /// <summary>How often metrics are exported.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan MetricExportInterval { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// The most distinct operation names the per-operation duration histogram keeps; operations named after that are
    /// recorded as "other", so a client inventing names cannot grow the metric without bound.
    /// </summary>
    [Range(1, 10_000)]
    public int MaxOperationNames { get; set; } = 200;

    /// <summary>How long one reading of the outbox gauges (one query) is reused across collections.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "01:00:00")]
    public TimeSpan OutboxGaugeMaxAge { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>The endpoint in effect: this setting, else OTEL_EXPORTER_OTLP_ENDPOINT; null when telemetry is off.</summary>
    internal string? EffectiveEndpoint(Func<string, string?> environment) =>
        !string.IsNullOrWhiteSpace(OtlpEndpoint) ? OtlpEndpoint
        : environment("OTEL_EXPORTER_OTLP_ENDPOINT") is { Length: > 0 } fromEnvironment ? fromEnvironment
        : null;
}
