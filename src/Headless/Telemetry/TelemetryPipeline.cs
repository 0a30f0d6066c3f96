using GraphQL.Telemetry;
using Headless.Shared;
using Microsoft.Extensions.Options;
using Npgsql;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Headless.Telemetry;

/// <summary>
/// Builds the trace and metric pipelines when the host starts, if telemetry is configured (an OTLP endpoint, or an
/// <see cref="ITelemetryExport"/>), and flushes them when it stops. When it is not configured nothing is built: no
/// listener is attached to any activity source, diagnostic listener or meter, so instrumented code pays only the check
/// for listeners. The decision is taken at start from <see cref="TelemetryOptions"/>, like every other setting.
/// </summary>
public sealed class TelemetryPipeline(
    IOptions<TelemetryOptions> options,
    IEnumerable<ITelemetryExport> exports,
    HeadlessMetrics metrics,
    IServiceProvider services,
    ILogger<TelemetryPipeline> logger) : IHostedService, IDisposable
{
    private static readonly string[] Sources = [HeadlessTelemetry.Name, GraphQLTelemetryProvider.SourceName];

    /// <summary>The trace pipeline; null while telemetry is off.</summary>
    public TracerProvider? Tracing { get; private set; }

    /// <summary>The metric pipeline; null while telemetry is off.</summary>
    public MeterProvider? Metrics { get; private set; }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        var o = options.Value;
        var endpoint = o.EffectiveEndpoint(Environment.GetEnvironmentVariable);
        var extra = exports.ToList();
        if (endpoint is null && extra.Count == 0)
        {
            logger.LogDebug("Telemetry is off: no OTLP endpoint is configured");
            return Task.CompletedTask;
        }

        var resource = ResourceBuilder.CreateDefault()
            .AddService(o.ServiceName, serviceVersion: typeof(TelemetryPipeline).Assembly.GetName().Version?.ToString(), serviceInstanceId: $"{Environment.MachineName}-{Environment.ProcessId}");

        var tracing = Sdk.CreateTracerProviderBuilder()
            .SetResourceBuilder(resource)
            .SetSampler(new ParentBasedSampler(new TraceIdRatioBasedSampler(o.TraceSampleRatio)))
            .AddSource(Sources)
            .AddAspNetCoreInstrumentation(a =>
            {
                a.RecordException = false;
                a.Filter = context => !context.Request.Path.StartsWithSegments("/health");
                a.EnrichWithHttpRequest = TelemetryRedaction.EnrichIncoming;
            })
            .AddHttpClientInstrumentation(h =>
            {
                h.RecordException = false;
                h.EnrichWithHttpRequestMessage = TelemetryRedaction.EnrichOutgoing;
            })
            // Parameter values are off by default (an experimental switch only); PhiGuardProcessor drops them regardless.
            .AddEntityFrameworkCoreInstrumentation()
            .AddProcessor(new PhiGuardProcessor());

        var metering = Sdk.CreateMeterProviderBuilder()
            .SetResourceBuilder(resource)
            .AddMeter(HeadlessTelemetry.Name)
            .AddAspNetCoreInstrumentation()
            .AddHttpClientInstrumentation()
            .AddRuntimeInstrumentation()
            .AddNpgsqlInstrumentation();

        if (endpoint is not null)
        {
            var protocol = (o.OtlpProtocol ?? Environment.GetEnvironmentVariable("OTEL_EXPORTER_OTLP_PROTOCOL")) == "http/protobuf"
                ? OtlpExportProtocol.HttpProtobuf
                : OtlpExportProtocol.Grpc;
            tracing.AddOtlpExporter(x => Configure(x, o, protocol, "v1/traces"));
            metering.AddOtlpExporter((x, reader) =>
            {
                Configure(x, o, protocol, "v1/metrics");
                reader.PeriodicExportingMetricReaderOptions.ExportIntervalMilliseconds = (int)o.MetricExportInterval.TotalMilliseconds;
            });
        }

        foreach (var export in extra)
        {
            export.ConfigureTracing(tracing);
            export.ConfigureMetrics(metering);
        }

        services.GetRequiredService<OutboxGauges>().Register(metrics.Meter);
        Tracing = tracing.Build();
        Metrics = metering.Build();
        logger.LogInformation("Telemetry on: traces and metrics exported {Destination}", endpoint is null ? "in process" : "over OTLP");
        return Task.CompletedTask;
    }

    /// <summary>An endpoint from Headless:Telemetry is taken as the collector's base address, as the OTEL_ variable is.</summary>
    private static void Configure(OtlpExporterOptions exporter, TelemetryOptions o, OtlpExportProtocol protocol, string signalPath)
    {
        exporter.Protocol = protocol;
        if (!string.IsNullOrWhiteSpace(o.OtlpEndpoint))
        {
            var baseAddress = new Uri(o.OtlpEndpoint);
            exporter.Endpoint = protocol == OtlpExportProtocol.HttpProtobuf
                ? new Uri(baseAddress, baseAddress.AbsolutePath.TrimEnd('/') + "/" + signalPath)
                : baseAddress;
        }
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        Tracing?.ForceFlush(5000);
        Metrics?.ForceFlush(5000);
        return Task.CompletedTask;
    }

    public void Dispose()
    {
        Tracing?.Dispose();
        Metrics?.Dispose();
    }
}
