namespace Headless.Events;

/// <summary>
/// Which events of an organization's log a subscriber wants. Every condition that is set must hold; none set means
/// every event. The same filter runs as SQL when the subscriber replays the log and in memory on live events.
/// </summary>
public sealed record EventFilter(
    IReadOnlyCollection<string>? Types = null,
    EventSubjectKind? SubjectType = null,
    long? SubjectId = null,
    long? OrderId = null,
    long? ClinicId = null)
{
    public static readonly EventFilter All = new();

    public bool Matches(DomainEvent e) =>
        (Types is not { Count: > 0 } || Types.Contains(e.Type))
        && (SubjectType is not { } kind || e.SubjectType == kind)
        && (SubjectId is not { } subject || e.SubjectId == subject)
        && (OrderId is not { } order || e.OrderId == order)
        && (ClinicId is not { } clinic || e.ClinicId == clinic);

    public IQueryable<DomainEvent> Apply(IQueryable<DomainEvent> events)
    {
        if (Types is { Count: > 0 })
        {
            var types = Types.ToArray();
            events = events.Where(e => types.Contains(e.Type));
        }

        if (SubjectType is { } kind)
        {
            events = events.Where(e => e.SubjectType == kind);
        }

        if (SubjectId is { } subject)
        {
            events = events.Where(e => e.SubjectId == subject);
        }

        if (OrderId is { } order)
        {
            events = events.Where(e => e.OrderId == order);
        }

        if (ClinicId is { } clinic)
        {
            events = events.Where(e => e.ClinicId == clinic);
        }

        return events;
    }

    /// <summary>
    /// The most selective key live events can be routed by, so an event is offered only to the subscribers that can
    /// want it rather than to every subscriber of the organization.
    /// </summary>
    internal FeedRoute Route =>
        SubjectId is { } subject && SubjectType is { } kind ? new FeedRoute(RouteKind.Subject, (long)kind << 56 ^ subject)
        : OrderId is { } order ? new FeedRoute(RouteKind.Order, order)
        : ClinicId is { } clinic ? new FeedRoute(RouteKind.Clinic, clinic)
        : new FeedRoute(RouteKind.Organization, 0);

    internal static IEnumerable<FeedRoute> RoutesOf(DomainEvent e)
    {
        yield return new FeedRoute(RouteKind.Organization, 0);
        yield return new FeedRoute(RouteKind.Subject, (long)e.SubjectType << 56 ^ e.SubjectId);
        if (e.OrderId is { } order)
        {
            yield return new FeedRoute(RouteKind.Order, order);
        }

        if (e.ClinicId is { } clinic)
        {
            yield return new FeedRoute(RouteKind.Clinic, clinic);
        }
    }
}

internal enum RouteKind
{
    Organization,
    Subject,
    Order,
    Clinic,
}

internal readonly record struct FeedRoute(RouteKind Kind, long Key);
