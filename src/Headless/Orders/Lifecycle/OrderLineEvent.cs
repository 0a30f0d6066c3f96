using System.ComponentModel;
using GraphQL;
using Headless.Shared;

namespace Headless.Orders.Lifecycle;

/// <summary>Who caused a line event, stored as its <see cref="WireEnum{T}"/> string.</summary>
[Name("LineEventSource")]
[Description("Who caused a change of an order line.")]
public enum EventSource
{
    [Description("The line's pharmacy, through its signed callbacks.")]
    Pharmacy,

    [Description("The clinic, for example cancelling the line.")]
    Clinic,

    [Description("The payment: authorization, capture or refund.")]
    Payment,

    [Description("The service itself, for example a deadline.")]
    System,
}

/// <summary>
/// One change of an order line: the audit trail, and the source of "how long has it been stuck, and who
/// owns it". Written in the same transaction as the change.
/// </summary>
public sealed class OrderLineEvent : IEntity, ITenantOwned
{
    private OrderLineEvent()
    {
    }

    public OrderLineEvent(long organizationId, long orderLineId, DateTimeOffset at, EventSource source, OrderLineStatus? fromStatus, OrderLineStatus toStatus, string? reasonCode, string? message, string? externalEventId, int sequence)
    {
        OrganizationId = organizationId;
        OrderLineId = orderLineId;
        At = at;
        Source = source;
        FromStatus = fromStatus;
        ToStatus = toStatus;
        ReasonCode = reasonCode;
        Message = message;
        ExternalEventId = externalEventId;
        Sequence = sequence;
    }

    public long Id { get; private set; }

    public long OrganizationId { get; private set; }

    public long OrderLineId { get; private set; }

    public DateTimeOffset At { get; private set; }

    public EventSource Source { get; private set; } = EventSource.System;

    public OrderLineStatus? FromStatus { get; private set; }

    public OrderLineStatus ToStatus { get; private set; }

    public string? ReasonCode { get; private set; }

    public string? Message { get; private set; }

    /// <summary>The partner's event id, when a partner callback caused it.</summary>
    public string? ExternalEventId { get; private set; }

    /// <summary>The line's sequence after this change.</summary>
    public int Sequence { get; private set; }
}
