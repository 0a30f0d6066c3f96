using System.Diagnostics;
using GraphQL;
using GraphQL.DI;
using GraphQL.Execution;
using GraphQL.Telemetry;
using GraphQL.Validation;
using GraphQLParser.AST;
using Headless.GraphQL;
using Headless.Shared;

namespace Headless.Telemetry;

/// <summary>
/// GraphQL.NET's span per operation ("query CartLines", tags graphql.operation.name and graphql.operation.type), minus
/// what could carry request values: the document is never recorded, and the request's own operationName field is not
/// copied before validation (only the name parsed from the document is). Exceptions are not recorded (messages can hold
/// values).
/// </summary>
internal sealed class GraphQLOperationSpans(GraphQLTelemetryOptions options) : GraphQLTelemetryProvider(options)
{
    public static void Configure(GraphQLTelemetryOptions options)
    {
        options.RecordDocument = false;
        options.RecordException = false;
    }

    protected override Task SetInitialTagsAsync(Activity activity, ExecutionOptions options) => Task.CompletedTask;
}

/// <summary>
/// Records headless.graphql.operation.duration per operation (name bounded by <see cref="OperationNames"/>, type, and
/// whether the result had errors), and counts cost-budget refusals. Runs for HTTP and WebSocket operations alike.
/// </summary>
internal sealed class GraphQLOperationMetrics(HeadlessMetrics metrics, OperationNames names) : IConfigureExecution
{
    public float SortOrder => 200;

    public async Task<ExecutionResult> ExecuteAsync(ExecutionOptions options, ExecutionDelegate next)
    {
        if (!metrics.OperationDuration.Enabled && !metrics.RateLimitRefusals.Enabled)
        {
            return await next(options);
        }

        var started = Stopwatch.GetTimestamp();
        var seen = new OperationListener();
        options.Listeners.Add(seen);
        var result = await next(options);
        var elapsed = Stopwatch.GetElapsedTime(started);
        if (result.Errors?.Any(e => e is ThrottledError) == true)
        {
            metrics.RateLimitRefused(HeadlessMetrics.CostLimit);
        }

        var operation = seen.Operation ?? result.Operation;
        metrics.OperationDuration.Record(
            elapsed.TotalSeconds,
            new KeyValuePair<string, object?>("graphql.operation.name", operation is null ? OperationNames.Unknown : names.Bound(operation.Name?.StringValue)),
            new KeyValuePair<string, object?>("graphql.operation.type", TypeOf(operation)),
            new KeyValuePair<string, object?>("headless.graphql.outcome", result.Errors is { Count: > 0 } ? "errors" : "ok"));
        return result;
    }

    private static string TypeOf(GraphQLOperationDefinition? operation) => operation?.Operation switch
    {
        OperationType.Query => "query",
        OperationType.Mutation => "mutation",
        OperationType.Subscription => "subscription",
        _ => OperationNames.Unknown,
    };

    /// <summary>Catches the selected operation once the document is parsed, also when validation then refuses it.</summary>
    private sealed class OperationListener : DocumentExecutionListenerBase
    {
        public GraphQLOperationDefinition? Operation { get; private set; }

        public override Task AfterValidationAsync(IExecutionContext context, IValidationResult validationResult)
        {
            Operation = context.Operation;
            return Task.CompletedTask;
        }
    }
}
