using System.ComponentModel;
using GraphQL;
using Headless.Shared;

namespace Headless.Events;

/// <summary>The kind of object an event is about, stored as its <see cref="WireEnum{T}"/> string.</summary>
[Name("EventSubjectType")]
[Description("What kind of object an event is about.")]
public enum EventSubjectKind
{
    [Description("An order: its creation and its payment.")]
    Order,

    [Description("An order line: its status, owner, reason and tracking.")]
    OrderLine,

    [Description("A clinic's cart: its edits and checkout.")]
    Cart,

    [Description("A support ticket on an order line: its messages and status.")]
    SupportTicket,
}

/// <summary>
/// What an event is about: an order, an order line or a cart, with its number when it has one, the order it belongs to
/// and the clinic that placed it (or whose cart it is), so subscribers can follow one clinic.
/// </summary>
public sealed record EventSubject(EventSubjectKind Type, long Id, string? Number, long? OrderId, long ClinicId)
{
    /// <summary>The subject's global ID, as the rest of the API shows it.</summary>
    public string GlobalId => Headless.GraphQL.GlobalId.Encode(
        Type switch
        {
            EventSubjectKind.Order => "Order",
            EventSubjectKind.OrderLine => "OrderLine",
            EventSubjectKind.SupportTicket => "SupportTicket",
            _ => "Cart",
        },
        Id);
}

/// <summary>
/// One entry of an organization's append-only event log: what changed, about which order, line or cart, when, and a
/// payload without PHI (identifiers, numbers, the brand's patient external id, statuses, reason codes, tracking).
/// Written in the transaction of the change it records; its <see cref="Position"/> is assigned when that transaction
/// saves it (see <see cref="EventLog"/>), strictly increasing per organization, in commit order.
/// </summary>
public sealed class DomainEvent : IEntity, ITenantOwned
{
    private static long s_appended;

    private DomainEvent()
    {
    }

    public DomainEvent(long organizationId, string type, EventSubject subject, int? lineSequence, DateTimeOffset occurredAt, string payload)
    {
        if (!EventTypes.All.ContainsKey(type))
        {
            throw new ArgumentException($"Unknown event type '{type}'.", nameof(type));
        }

        OrganizationId = organizationId;
        Type = type;
        SubjectType = subject.Type;
        SubjectId = subject.Id;
        SubjectNumber = subject.Number;
        OrderId = subject.OrderId;
        ClinicId = subject.ClinicId;
        LineSequence = lineSequence;
        OccurredAt = occurredAt;
        Payload = payload;
        AppendOrder = Interlocked.Increment(ref s_appended);
    }

    public long Id { get; private set; }

    public long OrganizationId { get; private set; }

    /// <summary>Where the event sits in its organization's log; 0 until its transaction saves it.</summary>
    public long Position { get; private set; }

    /// <summary>One of <see cref="EventTypes"/>, e.g. order_line.status_changed.</summary>
    public string Type { get; private set; } = "";

    public EventSubjectKind SubjectType { get; private set; }

    public long SubjectId { get; private set; }

    public string? SubjectNumber { get; private set; }

    /// <summary>The order the subject belongs to (the order itself for an order event); null for a cart.</summary>
    public long? OrderId { get; private set; }

    /// <summary>The clinic the order or cart belongs to; null only for events written before it was recorded.</summary>
    public long? ClinicId { get; private set; }

    /// <summary>The line's sequence after the change, for line events: a receiver drops anything older than what it has.</summary>
    public int? LineSequence { get; private set; }

    /// <summary>When the change was recorded, on the service clock.</summary>
    public DateTimeOffset OccurredAt { get; private set; }

    /// <summary>The event's data as JSON: identifiers, numbers, statuses, codes. Never names, dates of birth, addresses or SIGs.</summary>
    public string Payload { get; private set; } = "{}";

    /// <summary>The order events were appended in within this process, so positions follow it.</summary>
    internal long AppendOrder { get; }

    public EventSubject Subject => new(SubjectType, SubjectId, SubjectNumber, OrderId, ClinicId ?? 0);

    internal void Place(long position)
    {
        if (Position != 0)
        {
            throw new InvalidOperationException("An event's position is assigned once.");
        }

        Position = position;
    }
}

/// <summary>
/// The last position given out in one organization's log, and the highest position retention has deleted. Its row is
/// the lock that makes positions commit in order: see <see cref="EventLog"/>.
/// </summary>
public sealed class EventStream
{
    private EventStream()
    {
    }

    public long OrganizationId { get; private set; }

    public long LastPosition { get; private set; }

    /// <summary>Every event up to this position has been deleted by retention; a cursor before it cannot be resumed.</summary>
    public long PurgedThrough { get; private set; }
}
