using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Headless.Shared;

/// <summary>
/// The service's own instruments, on a meter from the host's <see cref="IMeterFactory"/> (so each host in a process,
/// e.g. each test app, has its own, disposed with it). Every tag value comes from a small fixed set. Recording costs next
/// to nothing while no listener is attached (telemetry off).
/// </summary>
public sealed class HeadlessMetrics
{
    /// <summary>Tag of <see cref="RateLimitRefusals"/>: which limit refused.</summary>
    public const string LimitTag = "headless.rate_limit";

    public const string RequestLimit = "requests";
    public const string CostLimit = "cost";
    public const string FailedAuthenticationLimit = "failed_authentications";

    public HeadlessMetrics(IMeterFactory meters)
    {
        Meter = meters.Create(HeadlessTelemetry.Name);
        RateLimitRefusals = Meter.CreateCounter<long>(
            "headless.rate_limit.refusals", "{refusal}", "Requests and operations refused by a request limit (tag headless.rate_limit: requests, cost or failed_authentications).");
        WebhookDeliveryFailures = Meter.CreateCounter<long>(
            "headless.webhook.delivery.failures", "{attempt}", "Webhook delivery attempts that failed (tag error.type: the error class).");
        OpenSubscriptions = Meter.CreateUpDownCounter<long>(
            "headless.graphql.subscriptions.open", "{subscription}", "GraphQL subscriptions currently streaming on this instance.");
        OperationDuration = Meter.CreateHistogram(
            "headless.graphql.operation.duration",
            "s",
            "Duration of GraphQL operations from parsing to the result, per operation name (bounded) and type.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10, 30] });
    }

    public Meter Meter { get; }

    public Counter<long> RateLimitRefusals { get; }

    public Counter<long> WebhookDeliveryFailures { get; }

    public UpDownCounter<long> OpenSubscriptions { get; }

    public Histogram<double> OperationDuration { get; }

    public void RateLimitRefused(string limit) => RateLimitRefusals.Add(1, new KeyValuePair<string, object?>(LimitTag, limit));

    public void WebhookDeliveryFailed(string errorClass) => WebhookDeliveryFailures.Add(1, new KeyValuePair<string, object?>("error.type", errorClass));

    /// <summary>Registers the instruments (and the meter factory, when the host has none). Safe to call more than once.</summary>
    public static IServiceCollection Register(IServiceCollection services)
    {
        services.AddMetrics();
        services.TryAddSingleton<HeadlessMetrics>();
        return services;
    }
}
