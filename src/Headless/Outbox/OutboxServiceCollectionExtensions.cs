using GraphQL;
using GraphQL.Types;
using Headless.GraphQL;
using Microsoft.EntityFrameworkCore;

namespace Headless.Outbox;

public static class OutboxServiceCollectionExtensions
{
    /// <summary>
    /// Options (Headless:Outbox), the processor, the background worker, queueHealth/outboxMessageRetry and node(id) for
    /// OutboxMessage. Safe to call more than once. Handlers are registered by their capabilities as
    /// <c>services.AddScoped&lt;IOutboxHandler, XHandler&gt;()</c> (or singleton).
    /// </summary>
    public static IServiceCollection AddOutbox(this IServiceCollection services)
    {
        if (services.Any(d => d.ServiceType == typeof(OutboxProcessor)))
        {
            return services;
        }

        services.AddOptions<OutboxOptions>().BindConfiguration(OutboxOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<OutboxProcessor>();
        services.AddSingleton<OutboxWorker>();
        services.AddHostedService(sp => sp.GetRequiredService<OutboxWorker>());
        services.AddSingleton<ISchemaContribution, OutboxSchema>();
        services.AddSingleton(new NodeLoader(OutboxMessageType.TypeName, async (db, id, _, ct) => await OutboxSchema.LoadAsync(db, id, ct)));
        return services;
    }
}
