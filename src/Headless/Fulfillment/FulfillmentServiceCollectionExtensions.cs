using System.ComponentModel.DataAnnotations;
using Headless.Data;
using Headless.GraphQL;
using Headless.Orders;
using Headless.Outbox;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Headless.Fulfillment;

public static class FulfillmentServiceCollectionExtensions
{
    public static IServiceCollection AddFulfillment(this IServiceCollection services)
    {
        services.AddOptions<PartnerOptions>().BindConfiguration(PartnerOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<PartnerTokenCache>();
        services.AddSingleton<IPharmacyAdapter, HttpPharmacyAdapter>();
        services.AddHttpClient(HttpPharmacyAdapter.HttpClientName, (sp, c) => c.Timeout = sp.GetRequiredService<IOptions<PartnerOptions>>().Value.Timeout)
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { AllowAutoRedirect = false });
        services.AddScoped<IOutboxHandler, SubmitPartnerOrderHandler>();
        services.AddScoped<IOutboxHandler, CancelLineHandler>();
        return services;
    }
}
