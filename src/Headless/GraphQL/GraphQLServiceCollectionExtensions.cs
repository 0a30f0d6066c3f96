using System.Text.Encodings.Web;
using GraphQL;
using GraphQL.Types;
using GraphQL.Validation;
using GraphQL.Validation.Rules.Custom;
using Microsoft.Extensions.Options;

namespace Headless.GraphQL;

public static class GraphQLServiceCollectionExtensions
{
    public static IServiceCollection AddHeadlessGraphQL(this IServiceCollection services)
    {
        services.AddOptions<GraphQLOptions>().BindConfiguration(GraphQLOptions.Section).ValidateDataAnnotations().ValidateOnStart();

        // Every setting is read from IOptions when first needed, never while registering, so tests and
        // hosts can change configuration up to the moment the container is built.
        services.AddGraphQL(b => b
            .AddSchema<HeadlessSchema>()
            .AddSystemTextJson(o => o.Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping)
            .AddGraphTypes(typeof(HeadlessSchema).Assembly)
            .AddErrorInfoProvider((o, sp) => o.ExposeExceptionDetails = Settings(sp).ExposeExceptionDetails)
            .AddComplexityAnalyzer((c, sp) =>
            {
                var settings = Settings(sp);
                c.MaxDepth = settings.MaxDepth;
                c.MaxComplexity = settings.MaxComplexity;
            })
            .AddValidationRule<IntrospectionGate>()
            .ConfigureExecutionOptions(o =>
            {
                if (o.RequestServices is { } sp)
                {
                    o.Timeout = TimeSpan.FromSeconds(Settings(sp).TimeoutSeconds);
                }
            })
            .AddUnhandledExceptionHandler(ctx =>
            {
                // Log the type only: exception messages can carry values from the request (PHI).
                var logger = ctx.Context?.RequestServices?.GetService<ILoggerFactory>()?.CreateLogger("Headless.GraphQL");
                logger?.LogError("Unhandled {ExceptionType} in field {Field}", ctx.OriginalException.GetType().Name, ctx.FieldContext?.FieldDefinition.Name);
            }));

        services.AddSingleton<IntrospectionGate>();
        services.AddHostedService<SchemaWarmup>();
        return services;
    }

    private static GraphQLOptions Settings(IServiceProvider services) => services.GetRequiredService<IOptions<GraphQLOptions>>().Value;
}

/// <summary>Refuses introspection unless it is enabled (by default only in Development).</summary>
internal sealed class IntrospectionGate(IOptions<GraphQLOptions> options, IHostEnvironment environment) : ValidationRuleBase
{
    private readonly NoIntrospectionValidationRule _rule = NoIntrospectionValidationRule.Instance;

    private bool Enabled => options.Value.EnableIntrospection ?? environment.IsDevelopment();

    public override ValueTask<INodeVisitor?> GetPreNodeVisitorAsync(ValidationContext context) =>
        Enabled ? default : _rule.GetPreNodeVisitorAsync(context);
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
