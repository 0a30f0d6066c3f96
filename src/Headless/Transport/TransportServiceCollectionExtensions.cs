using GraphQL;
using Headless.Shared;
using Headless.Transport.WebSockets;

namespace Headless.Transport;

public static class TransportServiceCollectionExtensions
{
    public static IServiceCollection AddTransport(this IServiceCollection services)
    {
        services.AddSingleton<GraphQLHttpEndpoint>();
        HeadlessMetrics.Register(services);
        services.AddOptions<GraphQLWebSocketOptions>().BindConfiguration(GraphQLWebSocketOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<WebSocketAuthenticator>();
        services.AddSingleton<GraphQLWebSocketServices>();
        services.AddSingleton<GraphQLWebSocketEndpoint>();

        // Subscription events run in a scope of their own, for the subscriber's organization.
        services.AddGraphQL(b => b.AddExecutionStrategy<TenantSubscriptionExecutionStrategy>(GraphQLParser.AST.OperationType.Subscription));
        return services;
    }

    /// <summary>
    /// GraphQL at <paramref name="path"/>: WebSocket upgrades speak graphql-transport-ws; every other request is GraphQL
    /// over HTTP, and every method reaches the HTTP endpoint so it can answer 405 with Allow itself.
    /// </summary>
    public static IEndpointConventionBuilder MapGraphQLHttp(this IEndpointRouteBuilder endpoints, string path) =>
        endpoints.Map(path, context => context.WebSockets.IsWebSocketRequest
            ? context.RequestServices.GetRequiredService<GraphQLWebSocketEndpoint>().HandleAsync(context)
            : context.RequestServices.GetRequiredService<GraphQLHttpEndpoint>().HandleAsync(context));
}
