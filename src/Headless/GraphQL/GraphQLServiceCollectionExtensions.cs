using System.Text.Encodings.Web;
using GraphQL;
using GraphQL.Execution;
using GraphQL.Types;
using GraphQL.Validation;
using GraphQL.Validation.Rules.Custom;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Headless.GraphQL;

public static class GraphQLServiceCollectionExtensions
{
    /// <summary>Key of the request's correlation id in the execution's user context (set by the transport).</summary>
    public const string CorrelationIdKey = "headless.correlationId";

    public static IServiceCollection AddHeadlessGraphQL(this IServiceCollection services)
    {
        services.AddOptions<GraphQLOptions>().BindConfiguration(GraphQLOptions.Section).ValidateDataAnnotations().ValidateOnStart();

        // Every setting is read from IOptions when first needed, never while registering, so tests and
        // hosts can change configuration up to the moment the container is built.
        // Depth and complexity are not GraphQL.NET's complexity analyzer: it walks a fragment again at every spread
        // (exponential on nested spreads) and runs after all other rules. HeadlessDocumentValidator runs a linear pass first.
        services.AddGraphQL(b => b
            .AddSchema<HeadlessSchema>()
            .AddSystemTextJson(o => o.Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping)
            .AddGraphTypes(typeof(HeadlessSchema).Assembly)
            .AddErrorInfoProvider<HeadlessErrorInfoProvider>()
            .AddValidationRule<IntrospectionGate>()
            .AddUnhandledExceptionHandler(ctx =>
            {
                // Log the type only: exception messages can carry values from the request (PHI). The client gets the
                // same correlation id, so support can find this line.
                var correlationId = ctx.ExecutionOptions.UserContext?.TryGetValue(CorrelationIdKey, out var id) == true ? id as string : null;
                var logger = ctx.ExecutionOptions.RequestServices?.GetService<ILoggerFactory>()?.CreateLogger("Headless.GraphQL");
                logger?.LogError("Unhandled {ExceptionType} in field {Field}; correlation id {CorrelationId}",
                    ctx.OriginalException.GetType().Name, ctx.FieldContext?.FieldDefinition.Name, correlationId);
                var error = new ExecutionError(
                    ctx.FieldContext is { } field ? $"Error trying to resolve field '{field.FieldDefinition.Name}'." : "Error executing document.",
                    ctx.OriginalException)
                { Code = "INTERNAL_SERVER_ERROR" };
                if (correlationId is not null)
                {
                    error.Extensions = new Dictionary<string, object?> { ["correlationId"] = correlationId };
                }

                ctx.Exception = error;
            }));

        services.Replace(ServiceDescriptor.Singleton<IDocumentValidator, HeadlessDocumentValidator>());
        services.AddSingleton<IntrospectionGate>();
        services.AddHostedService<SchemaWarmup>();
        return services;
    }

}

/// <summary>
/// Answers introspection only when it is enabled and the caller is authenticated. Every GraphQL request is
/// authenticated before it gets here (anonymous ones are answered 401 by the transport); the second check keeps that
/// true should a path without authentication ever reach the executer.
/// </summary>
internal sealed class IntrospectionGate(IOptions<GraphQLOptions> options) : ValidationRuleBase
{
    private readonly NoIntrospectionValidationRule _rule = NoIntrospectionValidationRule.Instance;

    public override ValueTask<INodeVisitor?> GetPreNodeVisitorAsync(ValidationContext context) =>
        options.Value.EnableIntrospection && context.User?.Identity?.IsAuthenticated == true ? default : _rule.GetPreNodeVisitorAsync(context);
}

/// <summary>
/// Error serialization: exception details only when configured, and no "Did you mean ...?" suggestions while
/// introspection is off, since they would let a client rebuild the schema one typo at a time.
/// </summary>
internal sealed class HeadlessErrorInfoProvider(IOptions<GraphQLOptions> options)
    : ErrorInfoProvider(new ErrorInfoProviderOptions { ExposeExceptionDetails = options.Value.ExposeExceptionDetails })
{
    public override ErrorInfo GetInfo(ExecutionError executionError)
    {
        var info = base.GetInfo(executionError);
        if (!options.Value.EnableIntrospection && info.Message.IndexOf(" Did you mean", StringComparison.Ordinal) is var at and >= 0)
        {
            info.Message = info.Message[..at];
        }

        return info;
    }
}

/// <summary>Builds and checks the schema once at start-up so that a broken schema stops the service instead of the first request.</summary>
internal sealed class SchemaWarmup(ISchema schema) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        schema.Initialize();
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
