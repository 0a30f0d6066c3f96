using Headless.GraphQL;
using Headless.Outbox;
using Headless.Shared;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Headless.Webhooks;

public static class WebhooksServiceCollectionExtensions
{
    /// <summary>
    /// Webhooks into brand CRMs: endpoints and their secrets, the fan-out from the event log into deliveries, the sender
    /// (an outbox handler), the destination guard, payloads, and the GraphQL surface.
    /// </summary>
    public static IServiceCollection AddWebhooks(this IServiceCollection services)
    {
        services.AddOptions<WebhooksOptions>().BindConfiguration(WebhooksOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddOutbox();
        HeadlessMetrics.Register(services);
        services.AddSingleton<IWebhookDnsResolver, SystemDnsResolver>();
        services.AddSingleton<WebhookDestinations>();
        services.AddSingleton<WebhookPayloadQueries>();
        services.AddScoped<WebhookEndpoints>();
        services.AddScoped<WebhookDeliveries>();
        services.AddScoped<WebhookSamples>();
        services.AddScoped<IOutboxHandler, WebhookSender>();
        services.AddHttpClient(WebhookSender.HttpClientName, (sp, c) => c.Timeout = sp.GetRequiredService<IOptions<WebhooksOptions>>().Value.Timeout + TimeSpan.FromSeconds(5))
            .ConfigurePrimaryHttpMessageHandler(sp => new SocketsHttpHandler
            {
                // Standard Webhooks: a 3xx is a failure, never followed (it could lead anywhere, past the destination guard).
                AllowAutoRedirect = false,
                UseCookies = false,
                UseProxy = false,
                ConnectCallback = sp.GetRequiredService<WebhookDestinations>().ConnectAsync,
                PooledConnectionLifetime = TimeSpan.FromMinutes(1),
            });
        services.AddSingleton<WebhookFanout>();
        services.AddHostedService(sp => sp.GetRequiredService<WebhookFanout>());
        services.AddSingleton<ISchemaContribution, WebhooksSchema>();
        services.AddSingleton(new NodeLoader(WebhookEndpointType.TypeName, async (db, id, _, ct) => await db.Set<WebhookEndpoint>().AsNoTracking().FirstOrDefaultAsync(e => e.Id == id, ct)));
        services.AddSingleton(new NodeLoader(WebhookDeliveryType.TypeName, async (db, id, _, ct) => await db.Set<WebhookDelivery>().AsNoTracking().FirstOrDefaultAsync(d => d.Id == id, ct)));
        return services;
    }
}
