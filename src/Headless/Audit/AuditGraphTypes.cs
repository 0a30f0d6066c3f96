using GraphQL.Types;
using Headless.GraphQL;

namespace Headless.Audit;

public sealed class AuditEventType : NodeGraphType<AuditEvent>
{
    public AuditEventType()
        : base(AuditEvent.TypeName, "One request's access to patient data or one mutation, for one object type and outcome: who, what, when and from where. Holds IDs only, never the data read or written.")
    {
        Field<NonNullGraphType<DateTimeScalar>>("occurredAt").Description("When the request finished executing.").Resolve(c => c.Source.OccurredAt);
        Field<NonNullGraphType<StringGraphType>>("actor").Description("Who: \"api_key:<prefix>\" for an API key, \"jwt:<subject>\" or \"introspection:<subject>\" for a token. Never a secret.").Resolve(c => c.Source.Credential);
        Field(x => x.ClientAddress, nullable: true).Description("The client's IP address (from X-Forwarded-For when the request came through a trusted proxy); null when unknown.");
        Field<NonNullGraphType<EnumGraphType<AuditOperationType>>>("operationType").Description("Whether the request was a query or a mutation.").Resolve(c => c.Source.OperationType);
        Field(x => x.OperationName, nullable: true).Description("The operation name the client gave its document, if any.");
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<StringGraphType>>>>("rootFields")
            .Description("The root fields the request ran (e.g. patientUpdate, or patients and viewer), in order of execution.")
            .Resolve(c => c.Source.RootFieldNames());
        Field(x => x.ObjectType, nullable: true).Description("The type of the objects (e.g. Patient, OrderLine, CartLine); null for a mutation that named no object.");
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<IdGraphType>>>>("objectIds")
            .Description("The objects' global IDs, at most 1000 by default (Headless:Audit:MaxObjectIdsPerEvent); objectIdCount says how many there were.")
            .Resolve(c => c.Source.ObjectType is { } type ? c.Source.ObjectKeys().Select(k => GlobalId.Encode(type, k)) : []);
        Field(x => x.ObjectIdCount).Description("How many distinct objects of this type the request touched with this outcome.");
        Field<NonNullGraphType<BooleanGraphType>>("objectIdsTruncated")
            .Description("True when objectIds was cut to the limit (it then holds the lowest IDs).")
            .Resolve(c => c.Source.ObjectIdCount > c.Source.ObjectKeys().Count);
        Field<NonNullGraphType<EnumGraphType<AuditOutcome>>>("outcome").Description("How the access ended for these objects.").Resolve(c => c.Source.Outcome);
        Field(x => x.CorrelationId).Description("The request's correlation id, as in its log lines and error answers.");
    }
}

/// <summary>Input of auditEvents(filter:). Every field given must match.</summary>
public sealed record AuditEventFilter
{
    public string? ObjectType { get; init; }

    public string? ObjectId { get; init; }

    public AuditOperationType? OperationType { get; init; }

    public string? RootField { get; init; }

    public string? Actor { get; init; }

    public AuditOutcome? Outcome { get; init; }

    public DateTimeOffset? OccurredFrom { get; init; }

    public DateTimeOffset? OccurredBefore { get; init; }
}

public sealed class AuditEventFilterType : InputObjectGraphType<AuditEventFilter>
{
    public AuditEventFilterType()
    {
        Name = "AuditEventFilter";
        Description = "Narrows auditEvents. Every field given must match; leave the filter out for every event.";
        Field(x => x.ObjectType, nullable: true).Description("Only events for this object type, e.g. Patient.");
        Field<IdGraphType>("objectId").Description("Only events that list this object (its type and ID). Events whose ID list was truncated may miss it.");
        Field<EnumGraphType<AuditOperationType>>("operationType").Description("Only queries, or only mutations.");
        Field(x => x.RootField, nullable: true).Description("Only events of requests that ran this root field, e.g. patientUpdate or patients.");
        Field(x => x.Actor, nullable: true).Description("Only events of this actor, exactly as the actor field shows it.");
        Field<EnumGraphType<AuditOutcome>>("outcome").Description("Only events with this outcome, e.g. NOT_FOUND for probes.");
        Field<DateTimeScalar>("occurredFrom").Description("Only events at or after this instant.");
        Field<DateTimeScalar>("occurredBefore").Description("Only events before this instant.");
    }
}
