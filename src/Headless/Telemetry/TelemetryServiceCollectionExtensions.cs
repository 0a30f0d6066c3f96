using GraphQL;
using Headless.Shared;

namespace Headless.Telemetry;

public static class TelemetryServiceCollectionExtensions
{
    /// <summary>
    /// OpenTelemetry traces and metrics (README "Telemetry"): the pipelines, built at start only when configured; the
    /// GraphQL operation span and duration metric; the outbox gauges. The service's own instruments live in
    /// <see cref="HeadlessMetrics"/> and <see cref="HeadlessTelemetry"/>, so capabilities never depend on this folder.
    /// </summary>
    public static IServiceCollection AddTelemetry(this IServiceCollection services)
    {
        services.AddOptions<TelemetryOptions>().BindConfiguration(TelemetryOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        HeadlessMetrics.Register(services);
        services.AddSingleton<OperationNames>();
        services.AddSingleton<OutboxGauges>();
        services.AddSingleton<TelemetryPipeline>();
        services.AddHostedService(sp => sp.GetRequiredService<TelemetryPipeline>());
        services.AddGraphQL(b => b
            .UseTelemetry<GraphQLOperationSpans>(GraphQLOperationSpans.Configure)
            .ConfigureExecution<GraphQLOperationMetrics>());
        return services;
    }
}
