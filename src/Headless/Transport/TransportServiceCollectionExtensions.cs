namespace Headless.Transport;

public static class TransportServiceCollectionExtensions
{
    public static IServiceCollection AddTransport(this IServiceCollection services)
    {
        services.AddSingleton<GraphQLHttpEndpoint>();
        return services;
    }

    /// <summary>GraphQL over HTTP at <paramref name="path"/>: every method reaches the endpoint so it can answer 405 with Allow itself.</summary>
    public static IEndpointConventionBuilder MapGraphQLHttp(this IEndpointRouteBuilder endpoints, string path) =>
        endpoints.Map(path, context => context.RequestServices.GetRequiredService<GraphQLHttpEndpoint>().HandleAsync(context));
}
