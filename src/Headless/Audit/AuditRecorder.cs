using System.Net;
using System.Security.Claims;
using GraphQL;
using GraphQLParser.AST;
using Headless.Auth;
using Microsoft.Extensions.Options;

namespace Headless.Audit;

/// <summary>
/// Collects, for one request, the root fields it ran and the objects it read or changed, by type and outcome; the
/// transport completes it after execution, which turns it into one row per object type and outcome and queues them.
/// Resolvers run in parallel, so every method takes the lock. Nothing here touches the database.
/// </summary>
public sealed class AuditRecorder(AuditTrail trail, TimeProvider clock, IOptions<AuditOptions> options)
{
    private const int MaxCredentialLength = 200;
    private const int MaxOperationNameLength = 200;
    private const int MaxCorrelationIdLength = 100;

    private readonly Lock _lock = new();
    private readonly Dictionary<(string Type, AuditOutcome Outcome), HashSet<long>> _objects = [];
    private readonly List<string> _rootFields = [];
    private AuditOperationType? _operationType;
    private string? _operationName;
    private AuditOutcome _rootOutcome = AuditOutcome.Ok;
    private bool _completed;

    /// <summary>A root field finished with <paramref name="outcome"/>.</summary>
    internal void RootField(IResolveFieldContext context, AuditOutcome outcome)
    {
        lock (_lock)
        {
            NoteOperation(context);
            var name = context.FieldDefinition.Name;
            if (!_rootFields.Contains(name))
            {
                _rootFields.Add(name);
            }

            // Outcomes are declared from the mildest to the worst, and the worst wins.
            if (outcome > _rootOutcome)
            {
                _rootOutcome = outcome;
            }
        }
    }

    /// <summary>The request read or changed (or tried to) object <paramref name="id"/> of GraphQL type <paramref name="type"/>.</summary>
    internal void Object(IResolveFieldContext context, string type, long id, AuditOutcome outcome)
    {
        lock (_lock)
        {
            NoteOperation(context);
            if (!_objects.TryGetValue((type, outcome), out var ids))
            {
                _objects[(type, outcome)] = ids = [];
            }

            ids.Add(id);
        }
    }

    /// <summary>
    /// Queues the request's rows: one per object type and outcome; a mutation that named no object still gets one.
    /// A query that read no patient data and probed no ID leaves none. Waits while the queue is full. Idempotent.
    /// </summary>
    public async ValueTask CompleteAsync(ClaimsPrincipal user, IPAddress? clientAddress, string correlationId)
    {
        List<AuditRecord> rows;
        lock (_lock)
        {
            if (_completed || _operationType is null || user.OrganizationId() is not { } organizationId)
            {
                _completed = true;
                return;
            }

            _completed = true;
            var now = clock.GetUtcNow();
            var credential = Truncate(CredentialOf(user), MaxCredentialLength);
            var address = clientAddress is null ? null : (clientAddress.IsIPv4MappedToIPv6 ? clientAddress.MapToIPv4() : clientAddress).ToString();
            var operationName = _operationName is null ? null : Truncate(_operationName, MaxOperationNameLength);
            var correlation = Truncate(correlationId, MaxCorrelationIdLength);
            var max = options.Value.MaxObjectIdsPerEvent;
            AuditRecord Row(string? type, IReadOnlyList<long> ids, int count, AuditOutcome outcome) =>
                new(organizationId, now, credential, address, _operationType.Value, operationName, _rootFields.ToList(), type, ids, count, outcome, correlation);

            rows = _objects
                .OrderBy(o => o.Key.Type, StringComparer.Ordinal).ThenBy(o => o.Key.Outcome)
                .Select(o => Row(o.Key.Type, o.Value.Order().Take(max).ToList(), o.Value.Count, o.Key.Outcome))
                .ToList();
            if (rows.Count == 0 && _operationType == AuditOperationType.Mutation)
            {
                rows.Add(Row(null, [], 0, _rootOutcome));
            }
        }

        if (rows.Count > 0)
        {
            await trail.EnqueueAsync(rows);
        }
    }

    /// <summary>Who: the API key's prefix, or the token's kind and subject. Never a secret or the token itself.</summary>
    internal static string CredentialOf(ClaimsPrincipal user)
    {
        var credential = user.FindFirst(HeadlessClaims.Credential)?.Value ?? "unknown";
        if (credential.StartsWith("api_key:", StringComparison.Ordinal))
        {
            return credential;
        }

        var subject = user.FindFirst("sub")?.Value ?? user.FindFirst("client_id")?.Value;
        return subject is null ? credential : $"{credential}:{subject}";
    }

    private void NoteOperation(IResolveFieldContext context)
    {
        if (_operationType is null)
        {
            _operationType = context.Operation.Operation == OperationType.Mutation ? AuditOperationType.Mutation : AuditOperationType.Query;
            _operationName = context.Operation.Name?.StringValue;
        }
    }

    private static string Truncate(string value, int max) => value.Length <= max ? value : value[..max];
}
