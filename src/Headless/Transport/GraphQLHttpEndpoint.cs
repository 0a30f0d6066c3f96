using System.Text.Json;
using GraphQL;
using GraphQL.Execution;
using GraphQL.Transport;
using GraphQL.Types;
using GraphQL.Validation;
using GraphQLParser.AST;
using Headless.Audit;
using Headless.Auth;
using Headless.Data;
using Headless.GraphQL;
using Headless.RateLimiting;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace Headless.Transport;

/// <summary>
/// GraphQL over HTTP (graphql-over-http spec) on GraphQL.NET: POST with application/json, GET for
/// queries only, Accept negotiation between application/graphql-response+json and application/json,
/// no batching. One timeout on the app's clock covers parsing, validation and execution. See README "Transport"
/// for the status code table.
/// </summary>
internal sealed class GraphQLHttpEndpoint(
    IDocumentExecuter executer,
    ISchema schema,
    IGraphQLTextSerializer serializer,
    IOptions<GraphQLOptions> options,
    TimeProvider clock,
    ILogger<GraphQLHttpEndpoint> logger)
{
    public const string GraphQLResponseMediaType = "application/graphql-response+json";
    public const string JsonMediaType = "application/json";
    public const int MaxBodyBytes = 1024 * 1024;

    public async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        var isGet = HttpMethods.IsGet(request.Method);
        if (!isGet && !HttpMethods.IsPost(request.Method))
        {
            context.Response.Headers.Allow = "GET, POST";
            await WriteErrorAsync(context, StatusCodes.Status405MethodNotAllowed, GraphQLResponseMediaType, "METHOD_NOT_ALLOWED", "Use POST, or GET for queries.");
            return;
        }

        var mediaType = NegotiateMediaType(request);
        if (mediaType is null)
        {
            await WriteErrorAsync(context, StatusCodes.Status406NotAcceptable, JsonMediaType, "NOT_ACCEPTABLE",
                $"The Accept header must allow {GraphQLResponseMediaType} or {JsonMediaType}.");
            return;
        }

        var organizationId = context.User.OrganizationId();
        if (organizationId is null)
        {
            context.Response.Headers.WWWAuthenticate = "Bearer";
            await WriteErrorAsync(context, StatusCodes.Status401Unauthorized, mediaType, "UNAUTHENTICATED",
                "Send a valid API key or token as \"Authorization: Bearer <credential>\".");
            return;
        }

        // The timeout runs on the app's clock and covers parsing, validation and execution; the client's disconnect
        // cancels the same token.
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(options.Value.TimeoutSeconds), clock);
        using var work = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, timeout.Token);
        var userContext = new Dictionary<string, object?> { [GraphQLServiceCollectionExtensions.CorrelationIdKey] = CorrelationId.Of(context) };
        ExecutionResult result;
        try
        {
            var (graphQLRequest, failure) = isGet ? ReadGet(request) : await ReadPostAsync(request);
            if (failure is not null)
            {
                await WriteErrorAsync(context, failure.Value.Status, mediaType, failure.Value.Code, failure.Value.Message);
                return;
            }

            GraphQLDocument? document = null;
            if (isGet && !string.IsNullOrEmpty(graphQLRequest!.Query))
            {
                // GET may only run queries: parse here to find the operation before anything executes.
                try
                {
                    document = GraphQLParser.Parser.Parse(graphQLRequest.Query);
                }
                catch (GraphQLParser.Exceptions.GraphQLSyntaxErrorException)
                {
                    document = null; // the executer reports the syntax error in the standard shape
                }

                if (document is not null && SelectOperation(document, graphQLRequest.OperationName) is { Operation: not OperationType.Query })
                {
                    context.Response.Headers.Allow = "POST";
                    await WriteErrorAsync(context, StatusCodes.Status405MethodNotAllowed, mediaType, "METHOD_NOT_ALLOWED",
                        "Mutations and subscriptions cannot be sent with GET. Use POST.");
                    return;
                }
            }

            context.RequestServices.GetRequiredService<TenantContext>().Set(organizationId.Value);
            work.Token.ThrowIfCancellationRequested();
            result = await executer.ExecuteAsync(new ExecutionOptions
            {
                Schema = schema,
                Query = graphQLRequest!.Query,
                Document = document,
                OperationName = graphQLRequest.OperationName,
                Variables = graphQLRequest.Variables,
                Extensions = graphQLRequest.Extensions,
                RequestServices = context.RequestServices,
                User = context.User,
                UserContext = userContext,
                CancellationToken = work.Token,
                ValidationRules = DocumentValidator.CoreRules.Append(NoSubscriptionsOverHttp.Instance),
                MaxParallelExecutionCount = options.Value.MaxParallelResolvers,
            });
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The client went away: execution was cancelled and there is nobody to answer.
            logger.LogDebug("GraphQL request cancelled by the client.");
            return;
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            result = new ExecutionResult { Errors = [new TimeoutError()] };
        }
        finally
        {
            // Whatever the execution read or changed, however it ended, is queued before the answer is written: a full
            // audit queue holds the request here rather than dropping its rows (README "Audit trail").
            await context.RequestServices.GetRequiredService<AuditRecorder>()
                .CompleteAsync(context.User, context.Connection.RemoteIpAddress, CorrelationId.Of(context));
        }

        AddCostExtension(result, userContext);
        if (result.Errors?.OfType<ForbiddenError>().Any() == true)
        {
            // An operation above the credential's scope is an authorization failure of a well-formed request: 200 with
            // data null (GraphQL over HTTP), though the validator refused it so that nothing ran.
            result.Executed = true;
        }

        if (result.Errors?.OfType<ThrottledError>().FirstOrDefault() is { } throttled)
        {
            context.Response.Headers.RetryAfter = RetryAfterSeconds(throttled.RetryAfter);
        }

        context.Response.StatusCode = StatusFor(result, mediaType);
        context.Response.ContentType = mediaType + "; charset=utf-8";
        await serializer.WriteAsync(context.Response.Body, result, context.RequestAborted);
    }

    /// <summary>Whole seconds, rounded up and at least 1, as Retry-After wants them.</summary>
    internal static string RetryAfterSeconds(TimeSpan wait) =>
        Math.Max(1, (long)Math.Ceiling(wait.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>extensions.cost in the manner of Shopify's calculated query cost: what the request cost and where the organization's bucket stands.</summary>
    private static void AddCostExtension(ExecutionResult result, Dictionary<string, object?> userContext)
    {
        if (userContext.GetValueOrDefault(QueryCost.UserContextKey) is not QueryCost cost)
        {
            return;
        }

        var extension = new Dictionary<string, object?> { ["requestedQueryCost"] = cost.Complexity };
        if (userContext.GetValueOrDefault(CostBudgetStatus.UserContextKey) is CostBudgetStatus budget)
        {
            extension["throttleStatus"] = new Dictionary<string, object?>
            {
                ["maximumAvailable"] = budget.MaximumAvailable,
                ["currentlyAvailable"] = budget.CurrentlyAvailable,
                ["restoreRate"] = budget.RestoreRate,
            };
        }

        (result.Extensions ??= [])["cost"] = extension;
    }

    private static GraphQLOperationDefinition? SelectOperation(GraphQLDocument document, string? operationName)
    {
        var operations = document.Definitions.OfType<GraphQLOperationDefinition>().ToList();
        return string.IsNullOrEmpty(operationName)
            ? operations.Count == 1 ? operations[0] : null
            : operations.FirstOrDefault(o => o.Name?.StringValue == operationName);
    }

    /// <summary>
    /// application/graphql-response+json: 200 when executed; 400 for a document that does not parse, a missing
    /// query or variables that cannot be coerced; 422 when it parses but cannot run (validation, unknown operation);
    /// 504 on timeout. application/json: 200 for every well-formed request, as the spec asks for legacy clients.
    /// Both: 429 when the organization's cost budget is exhausted.
    /// </summary>
    private static int StatusFor(ExecutionResult result, string mediaType)
    {
        if (result.Executed)
        {
            return StatusCodes.Status200OK;
        }

        var errors = result.Errors ?? [];
        if (errors.Any(e => e is ThrottledError))
        {
            return StatusCodes.Status429TooManyRequests;
        }

        if (mediaType == JsonMediaType)
        {
            return StatusCodes.Status200OK;
        }

        if (errors.Any(e => e is SyntaxError or QueryMissingError or InvalidVariableError))
        {
            return StatusCodes.Status400BadRequest;
        }

        if (errors.Any(e => e is TimeoutError))
        {
            return StatusCodes.Status504GatewayTimeout;
        }

        return StatusCodes.Status422UnprocessableEntity;
    }

    /// <summary>
    /// The media type of the answer. application/graphql-response+json only when the client names it: a missing or
    /// unparsable Accept and wildcards get application/json, which every client of older servers understands.
    /// </summary>
    internal static string? NegotiateMediaType(HttpRequest request)
    {
        var accept = request.Headers.Accept;
        if (accept.Count == 0 || !MediaTypeHeaderValue.TryParseList(accept, out var values) || values.Count == 0)
        {
            return JsonMediaType;
        }

        string? best = null;
        double bestQuality = 0;
        foreach (var value in values)
        {
            var quality = value.Quality ?? 1;
            if (quality <= 0)
            {
                continue;
            }

            var candidate = value.MediaType.Value?.ToLowerInvariant() switch
            {
                GraphQLResponseMediaType => GraphQLResponseMediaType,
                JsonMediaType => JsonMediaType,
                "application/*" or "*/*" => JsonMediaType,
                _ => null,
            };

            // Ties between the named types go to the newer one, as the spec recommends.
            if (candidate is not null && (quality > bestQuality || (quality == bestQuality && candidate == GraphQLResponseMediaType)))
            {
                best = candidate;
                bestQuality = quality;
            }
        }

        return best;
    }

    private (GraphQLRequest? Request, RequestFailure? Failure) ReadGet(HttpRequest request)
    {
        var query = request.Query;
        Inputs? variables = null;
        Inputs? extensions = null;
        try
        {
            if (query["variables"].ToString() is { Length: > 0 } v)
            {
                variables = serializer.Deserialize<Inputs>(v);
            }

            if (query["extensions"].ToString() is { Length: > 0 } e)
            {
                extensions = serializer.Deserialize<Inputs>(e);
            }
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or FormatException or NotSupportedException)
        {
            return (null, new RequestFailure(StatusCodes.Status400BadRequest, "BAD_REQUEST", "The variables and extensions parameters must be JSON objects."));
        }

        var text = query["query"].ToString();
        return (new GraphQLRequest
        {
            Query = text.Length == 0 ? null : text,
            OperationName = query["operationName"].ToString() is { Length: > 0 } name ? name : null,
            Variables = variables,
            Extensions = extensions,
        }, null);
    }

    private async Task<(GraphQLRequest? Request, RequestFailure? Failure)> ReadPostAsync(HttpRequest request)
    {
        if (!System.Net.Http.Headers.MediaTypeHeaderValue.TryParse(request.ContentType, out var contentType) ||
            !string.Equals(contentType.MediaType, JsonMediaType, StringComparison.OrdinalIgnoreCase) ||
            (contentType.CharSet is { } charset && !charset.Trim('"').Equals("utf-8", StringComparison.OrdinalIgnoreCase)))
        {
            return (null, new RequestFailure(StatusCodes.Status415UnsupportedMediaType, "UNSUPPORTED_MEDIA_TYPE",
                "POST bodies must be application/json in UTF-8."));
        }

        var body = await RequestBody.ReadLimitedAsync(request.HttpContext, MaxBodyBytes);
        if (body is null)
        {
            return (null, new RequestFailure(StatusCodes.Status413PayloadTooLarge, "PAYLOAD_TOO_LARGE", $"Request bodies are limited to {MaxBodyBytes} bytes."));
        }

        JsonDocument json;
        try
        {
            json = JsonDocument.Parse(body);
        }
        catch (JsonException)
        {
            return (null, new RequestFailure(StatusCodes.Status400BadRequest, "INVALID_JSON", "The request body is not valid JSON."));
        }

        using (json)
        {
            if (json.RootElement.ValueKind == JsonValueKind.Array)
            {
                return (null, new RequestFailure(StatusCodes.Status400BadRequest, "BATCHING_NOT_SUPPORTED", "Batched requests are not supported: send one operation per request."));
            }

            if (json.RootElement.ValueKind != JsonValueKind.Object)
            {
                return (null, new RequestFailure(StatusCodes.Status400BadRequest, "BAD_REQUEST", "The request body must be a JSON object."));
            }

            try
            {
                return (serializer.ReadNode<GraphQLRequest>(json.RootElement), null);
            }
            catch (Exception ex) when (ex is JsonException or InvalidOperationException or FormatException or NotSupportedException)
            {
                return (null, new RequestFailure(StatusCodes.Status400BadRequest, "BAD_REQUEST",
                    "The request must have a string \"query\" and, if present, \"variables\" and \"extensions\" objects and a string \"operationName\"."));
            }
        }
    }

    private async Task WriteErrorAsync(HttpContext context, int status, string mediaType, string code, string message)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = mediaType + "; charset=utf-8";
        var result = new ExecutionResult { Errors = [new ExecutionError(message) { Code = code }] };
        await serializer.WriteAsync(context.Response.Body, result, context.RequestAborted);
    }

    private readonly record struct RequestFailure(int Status, string Code, string Message);

}

/// <summary>Subscriptions need a stream: over HTTP they are refused during validation.</summary>
internal sealed class NoSubscriptionsOverHttp : ValidationRuleBase
{
    public static readonly NoSubscriptionsOverHttp Instance = new();

    public override ValueTask<INodeVisitor?> GetPreNodeVisitorAsync(ValidationContext context)
    {
        if (context.Operation.Operation == OperationType.Subscription)
        {
            context.ReportError(new ValidationError("Subscriptions are served over WebSocket (graphql-transport-ws), not HTTP.") { Code = "SUBSCRIPTION_OVER_HTTP" });
        }

        return default;
    }
}
