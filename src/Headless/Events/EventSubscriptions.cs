using GraphQL;
using Headless.GraphQL;

namespace Headless.Events;

/// <summary>What every subscription field over the event log shares: the `after` cursor and opening the feed.</summary>
public static class EventSubscriptions
{
    public const string AfterDescription = "Replay every matching event after this cursor (an event's `cursor`, from a subscription, the `events` query or a webhook) from the event log first, then continue live, with no gap and no duplicate. Without it, events from now on.";

    /// <summary>
    /// Opens the caller's organization's feed for <paramref name="filter"/> from the `after` argument. The subscription
    /// ends (and its registration goes) when the operation does.
    /// </summary>
    public static async Task<FeedSubscription> OpenAsync(IResolveFieldContext ctx, EventFilter filter)
    {
        long? after = null;
        if (ctx.GetArgument<string?>("after") is { } cursor)
        {
            if (!EventCursor.TryDecode(cursor, out var position))
            {
                throw new ExecutionError("The `after` cursor is not an event cursor this API issued.") { Code = "INVALID_CURSOR" };
            }

            after = position;
        }

        FeedSubscription subscription;
        try
        {
            subscription = await ctx.Service<EventFeed>().OpenAsync(ctx.OrganizationId(), filter, after, ctx.CancellationToken);
        }
        catch (EventCursorExpiredException)
        {
            throw new ExecutionError("Events after this cursor are older than the retention period and have been deleted; subscribe again without `after` (or from a newer cursor) and reload what you show.") { Code = "EVENT_CURSOR_EXPIRED" };
        }

        ctx.CancellationToken.Register(() => _ = subscription.DisposeAsync());
        return subscription;
    }

    /// <summary>The event types named in `types`, refusing unknown ones.</summary>
    public static IReadOnlyCollection<string>? Types(IResolveFieldContext ctx)
    {
        var types = ctx.GetArgument<List<string>?>("types");
        if (types?.FirstOrDefault(t => !EventTypes.All.ContainsKey(t)) is { } unknown)
        {
            throw new ExecutionError($"'{unknown}' is not an event type; the types are {string.Join(", ", EventTypes.All.Keys)}.") { Code = "INVALID_EVENT_TYPE" };
        }

        return types is { Count: > 0 } ? types : null;
    }
}
