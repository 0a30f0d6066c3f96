using Headless.GraphQL;
using Microsoft.EntityFrameworkCore;

namespace Headless.Tracking;

public static class TrackingServiceCollectionExtensions
{
    public static IServiceCollection AddTracking(this IServiceCollection services)
    {
        services.AddOptions<TrackingOptions>().BindConfiguration(TrackingOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddHttpContextAccessor();
        services.AddSingleton<ISchemaContribution, TrackingSchema>();
        services.AddSingleton<TrackingLinks>();
        services.AddSingleton<TrackingEndpoint>();
        services.AddTrackingTokenRedaction();
        services.AddSingleton(new NodeLoader(TrackingLink.TypeName, async (db, id, _, ct) =>
            await db.Set<TrackingLink>().AsNoTracking().FirstOrDefaultAsync(l => l.Id == id, ct)));
        return services;
    }

    /// <summary>Maps GET /track/{token} (anonymous: the token is the credential).</summary>
    public static IEndpointRouteBuilder MapTracking(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet(TrackingEndpoint.Route, (HttpContext context) => context.RequestServices.GetRequiredService<TrackingEndpoint>().HandleAsync(context))
            .AllowAnonymous();
        return endpoints;
    }
}
