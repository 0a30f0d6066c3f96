using System.ComponentModel;
using System.Globalization;
using Headless.Shared;

namespace Headless.Audit;

/// <summary>
/// One row of the audit trail: one request's access to one object type with one outcome. Who (the credential),
/// what (operation, root fields, object type and keys), when and from which address; never a value of the objects
/// themselves. Append-only: the database refuses UPDATE and DELETE on the table.
/// </summary>
public sealed class AuditEvent : IEntity, ITenantOwned
{
    public const string TypeName = "AuditEvent";

    private AuditEvent()
    {
    }

    internal AuditEvent(AuditRecord record)
    {
        OrganizationId = record.OrganizationId;
        OccurredAt = record.OccurredAt;
        Credential = record.Credential;
        ClientAddress = record.ClientAddress;
        OperationType = record.OperationType;
        OperationName = record.OperationName;
        RootFields = string.Join(',', record.RootFields);
        ObjectType = record.ObjectType;
        ObjectIds = string.Join(',', record.ObjectIds.Select(id => id.ToString(CultureInfo.InvariantCulture)));
        ObjectIdCount = record.ObjectIdCount;
        Outcome = record.Outcome;
        CorrelationId = record.CorrelationId;
    }

    public long Id { get; private set; }

    /// <summary>The caller's organization: probes with another organization's IDs are kept with the prober.</summary>
    public long OrganizationId { get; private set; }

    /// <summary>When the request finished executing, on the service's clock.</summary>
    public DateTimeOffset OccurredAt { get; private set; }

    /// <summary>"api_key:hk_3f9a1c2b", "jwt:&lt;sub&gt;" or "introspection:&lt;sub or client_id&gt;": never a secret or a token.</summary>
    public string Credential { get; private set; } = "";

    /// <summary>The client's IP address (the proxy's X-Forwarded-For when a proxy is trusted); null when unknown.</summary>
    public string? ClientAddress { get; private set; }

    public AuditOperationType OperationType { get; private set; }

    /// <summary>The operation name the client gave its document, if any.</summary>
    public string? OperationName { get; private set; }

    /// <summary>The root fields the request ran, comma-separated in order of first execution ("patients,viewer").</summary>
    public string RootFields { get; private set; } = "";

    /// <summary>The GraphQL type of the objects ("Patient", "OrderLine"); null for a mutation that named no object.</summary>
    public string? ObjectType { get; private set; }

    /// <summary>Numeric keys of the objects, ascending and comma-separated, at most <see cref="AuditOptions.MaxObjectIdsPerEvent"/>.</summary>
    public string ObjectIds { get; private set; } = "";

    /// <summary>How many distinct objects the request touched; more than the keys stored when the list was cut.</summary>
    public int ObjectIdCount { get; private set; }

    public AuditOutcome Outcome { get; private set; }

    /// <summary>The request's correlation id, also in its log lines and error answers.</summary>
    public string CorrelationId { get; private set; } = "";

    public IReadOnlyList<long> ObjectKeys() =>
        ObjectIds.Length == 0 ? [] : ObjectIds.Split(',').Select(k => long.Parse(k, CultureInfo.InvariantCulture)).ToList();

    public IReadOnlyList<string> RootFieldNames() => RootFields.Length == 0 ? [] : RootFields.Split(',');
}

/// <summary>What the request asked GraphQL to do, stored as its <see cref="WireEnum{T}"/> string.</summary>
[Description("The kind of GraphQL operation an audit event records.")]
public enum AuditOperationType
{
    [Description("A query that read patient data or asked for an ID that was not found.")]
    Query,

    [Description("A mutation, whatever it touched.")]
    Mutation,
}

/// <summary>
/// How the access ended for the objects of one row, stored as its <see cref="WireEnum{T}"/> string. Members are in
/// order of severity: a row that sums up several root fields keeps the worst (NOT_FOUND is a probe: missing, or
/// another organization's; ERROR is e.g. BUSY_RETRY or an internal error).
/// </summary>
[Description("How an audited access ended.")]
public enum AuditOutcome
{
    [Description("Read, or changed by a mutation that applied.")]
    Ok,

    [Description("The ID was answered as not found: missing, or another organization's.")]
    NotFound,

    [Description("The mutation answered userErrors and changed nothing.")]
    Rejected,

    [Description("The field failed with an error.")]
    Error,
}

/// <summary>An audit row on its way to the database; the writer turns it into an <see cref="AuditEvent"/> per attempt.</summary>
public sealed record AuditRecord(
    long OrganizationId,
    DateTimeOffset OccurredAt,
    string Credential,
    string? ClientAddress,
    AuditOperationType OperationType,
    string? OperationName,
    IReadOnlyList<string> RootFields,
    string? ObjectType,
    IReadOnlyList<long> ObjectIds,
    int ObjectIdCount,
    AuditOutcome Outcome,
    string CorrelationId);
