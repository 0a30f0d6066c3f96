namespace Headless.Orders.Lifecycle;

/// <summary>
/// Something that happened to a line, as a pharmacy callback or a clinic decision reports it: the status it
/// points to, who said so, when it happened, and what came with it (reason, owner, tracking).
/// </summary>
public sealed record LineSignal(
    OrderLineStatus Status,
    EventSource Source,
    DateTimeOffset? OccurredAt,
    string? ReasonCode = null,
    string? Message = null,
    bool? Fixable = null,
    LineOwner? Owner = null,
    string? Carrier = null,
    string? TrackingNumber = null,
    string? TrackingUrl = null,
    string? ExternalEventId = null)
{
    public bool HasTracking => Carrier is not null || TrackingNumber is not null || TrackingUrl is not null;
}
