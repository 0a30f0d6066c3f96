using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace Headless.Telemetry;

/// <summary>
/// An exporter besides OTLP (tests register an in-memory one). Registering any turns telemetry on like an endpoint does.
/// </summary>
public interface ITelemetryExport
{
    void ConfigureTracing(TracerProviderBuilder tracing);

    void ConfigureMetrics(MeterProviderBuilder metrics);
}
