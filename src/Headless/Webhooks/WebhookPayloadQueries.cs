using System.Text.Json.Nodes;
using GraphQL;
using GraphQL.Execution;
using GraphQL.Types;
using GraphQL.Validation;
using GraphQLParser.AST;
using Headless.Audit;
using Headless.Data;
using Headless.Events;
using Headless.GraphQL;

namespace Headless.Webhooks;

/// <summary>Why a payloadQuery is refused.</summary>
public sealed record PayloadQueryProblem(UserErrorCode Code, string Message);

/// <summary>
/// Endpoints' payload documents: checked when saved (valid against <see cref="WebhookPayloadSchema"/>, within the
/// API's depth and complexity limits, and selecting no patient data), then run for each delivery with the endpoint's
/// organization. <c>query</c> and <c>subscription</c> operations are both accepted (Saleor writes them as subscriptions);
/// either way the document runs once over the event being delivered.
/// </summary>
public sealed class WebhookPayloadQueries(IServiceProvider services, IServiceScopeFactory scopes)
{
    /// <summary>Patient fields a payload may select: the patient's ids, nothing that identifies them otherwise.</summary>
    private static readonly HashSet<(string Type, string Field)> Allowed = [("Patient", "id"), ("Patient", "externalId")];

    /// <summary>Free text a pharmacy or clinic wrote, which can name the patient (the event log leaves it out too).</summary>
    private static readonly HashSet<(string Type, string Field)> FreeText = [("StatusReason", "message"), ("OrderLineEvent", "message")];

    private readonly Lazy<WebhookPayloadSchema> _schema = new(() =>
    {
        var schema = new WebhookPayloadSchema(services);
        schema.Initialize();
        return schema;
    });

    public ISchema Schema => _schema.Value;

    /// <summary>True for a field a payload must not carry.</summary>
    public static bool IsPatientData(string type, string field) =>
        !Allowed.Contains((type, field)) && (PhiFields.IsPhi(type, field) || FreeText.Contains((type, field)));

    public PayloadQueryProblem? Validate(string query)
    {
        if (Parse(query, out var problem) is not { } document)
        {
            return problem;
        }

        var validation = services.GetRequiredService<IDocumentValidator>()
            .ValidateAsync(new ValidationOptions
            {
                Schema = Schema,
                Document = document,
                Operation = document.Definitions.OfType<GraphQLOperationDefinition>().Single(),
                Rules = DocumentValidator.CoreRules,
                Variables = Inputs.Empty,
                Extensions = Inputs.Empty,
                UserContext = new Dictionary<string, object?>(),
                RequestServices = services,
            })
            .GetAwaiter().GetResult();
        if (!validation.IsValid)
        {
            return new(UserErrorCode.InvalidPayloadQuery, $"The payloadQuery is not valid: {validation.Errors[0].Message}");
        }

        var fragments = document.Definitions.OfType<GraphQLFragmentDefinition>().ToDictionary(f => f.FragmentName.Name.StringValue);
        var operation = document.Definitions.OfType<GraphQLOperationDefinition>().Single();
        return FindPatientData(Schema.Query!, operation.SelectionSet, fragments, []) is { } found
            ? new(UserErrorCode.PhiNotAllowed, $"The payloadQuery selects {found}, which is patient data; webhook payloads never carry patient names, dates of birth, addresses, SIGs or free-text messages. Select ids and statuses, and fetch the rest through the API.")
            : null;
    }

    public Task<string?> ExecuteAsync(WebhookEndpoint endpoint, DomainEvent e, CancellationToken ct) => ExecuteAsync(endpoint.OrganizationId, e, endpoint.PayloadQuery!, ct);

    /// <summary>The delivery body for <paramref name="e"/>: the envelope with the document's data; null when it cannot run.</summary>
    public async Task<string?> ExecuteAsync(long organizationId, DomainEvent e, string query, CancellationToken ct)
    {
        if (Parse(query, out _) is not { } document)
        {
            return null;
        }

        await using var scope = scopes.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<TenantContext>().Set(organizationId);
        var result = await scope.ServiceProvider.GetRequiredService<IDocumentExecuter>().ExecuteAsync(new ExecutionOptions
        {
            Schema = Schema,
            Document = document,
            Query = query,
            Root = new WebhookEventSource(e),
            RequestServices = scope.ServiceProvider,
            UserContext = new Dictionary<string, object?>(),
            ValidationRules = DocumentValidator.CoreRules,
            CancellationToken = ct,
        });
        if (result.Errors is { Count: > 0 } || result.Data is null)
        {
            return null;
        }

        var json = scope.ServiceProvider.GetRequiredService<IGraphQLTextSerializer>().Serialize(result);
        return WebhookPayloads.Envelope(e.Type, e.OccurredAt, JsonNode.Parse(json)?["data"]?.DeepClone());
    }

    /// <summary>The document, with a subscription operation read as a query; null (and why) when it is not one operation.</summary>
    private static GraphQLDocument? Parse(string query, out PayloadQueryProblem? problem)
    {
        problem = null;
        GraphQLDocument document;
        try
        {
            document = GraphQLParser.Parser.Parse(query);
        }
        catch (GraphQLParser.Exceptions.GraphQLSyntaxErrorException ex)
        {
            problem = new(UserErrorCode.InvalidPayloadQuery, $"The payloadQuery does not parse: {ex.Description} (line {ex.Location.Line}, column {ex.Location.Column}).");
            return null;
        }

        var operations = document.Definitions.OfType<GraphQLOperationDefinition>().ToList();
        if (operations.Count != 1 || operations[0].Operation == OperationType.Mutation || operations[0].Variables is { Items.Count: > 0 })
        {
            problem = new(UserErrorCode.InvalidPayloadQuery, "The payloadQuery must be one query or subscription without variables, e.g. { event { ... on OrderLineStatusChanged { line { number status } } } }.");
            return null;
        }

        operations[0].Operation = OperationType.Query;
        return document;
    }

    /// <summary>"Type.field" of the first patient-data field the selection reaches, or null.</summary>
    private string? FindPatientData(IComplexGraphType type, GraphQLSelectionSet? selections, Dictionary<string, GraphQLFragmentDefinition> fragments, HashSet<string> visiting)
    {
        foreach (var selection in selections?.Selections ?? [])
        {
            var found = selection switch
            {
                GraphQLField field => FieldAt(type, field, fragments, visiting),
                GraphQLInlineFragment inline => FindPatientData(Condition(type, inline.TypeCondition), inline.SelectionSet, fragments, visiting),
                GraphQLFragmentSpread spread when fragments.TryGetValue(spread.FragmentName.Name.StringValue, out var fragment) && visiting.Add(fragment.FragmentName.Name.StringValue) =>
                    FindPatientData(Condition(type, fragment.TypeCondition), fragment.SelectionSet, fragments, visiting),
                _ => null,
            };
            if (found is not null)
            {
                return found;
            }
        }

        return null;
    }

    private string? FieldAt(IComplexGraphType type, GraphQLField field, Dictionary<string, GraphQLFragmentDefinition> fragments, HashSet<string> visiting)
    {
        var name = field.Name.StringValue;
        if (name.StartsWith("__", StringComparison.Ordinal))
        {
            return null;
        }

        // An interface's field is checked on every type that implements it.
        var owners = type is IInterfaceGraphType iface ? [.. iface.PossibleTypes] : new[] { type };
        foreach (var owner in owners)
        {
            if (IsPatientData(owner.Name, name))
            {
                return $"{owner.Name}.{name}";
            }

            var inner = owner.GetField(name)?.ResolvedType;
            while (inner is NonNullGraphType or ListGraphType)
            {
                inner = inner is NonNullGraphType nn ? nn.ResolvedType : ((ListGraphType)inner).ResolvedType;
            }

            if (inner is IComplexGraphType complex && FindPatientData(complex, field.SelectionSet, fragments, visiting) is { } found)
            {
                return found;
            }
        }

        return null;
    }

    private IComplexGraphType Condition(IComplexGraphType type, GraphQLTypeCondition? condition) =>
        condition is null ? type : Schema.AllTypes[condition.Type.Name.StringValue] as IComplexGraphType ?? type;
}
