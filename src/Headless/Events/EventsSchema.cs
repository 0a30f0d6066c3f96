using GraphQL;
using GraphQL.Types;
using Headless.Data;
using Headless.GraphQL;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace Headless.Events;

internal sealed class EventsSchema : ISchemaContribution
{
    public void AddQueryFields(ObjectGraphType query) =>
        query.Field<NonNullGraphType<ConnectionType<EventType, DomainEvent>>>("events")
            .Description("Your organization's event log in position order, oldest first: every order, order line and cart change, as subscriptions and webhooks deliver them. Page with `after` (an event's `cursor` or `pageInfo.endCursor`) to catch up after downtime; cursors are stable for as long as events are kept (Headless:Events:Retention, 30 days by default).")
            .Argument<StringGraphType>("after", "Return events after this cursor. Without it, the log starts at its oldest kept event.")
            .Argument<ListGraphType<NonNullGraphType<StringGraphType>>>("types", $"Only events of these types: {string.Join(", ", EventTypes.All.Keys)}.")
            .Argument<IntGraphType>("first", a =>
            {
                a.Description = Paging.FirstDescription;
                a.DefaultValue = Paging.DefaultFirst;
                a.Validate(v =>
                {
                    if (v is int n && (n < 0 || n > Paging.MaxFirst))
                    {
                        throw new ArgumentException($"first must be between 0 and {Paging.MaxFirst}.");
                    }
                });
            })
            .ResolveAsync(async ctx =>
            {
                var first = ctx.GetArgument<int?>("first") ?? Paging.DefaultFirst;
                var after = 0L;
                if (ctx.GetArgument<string?>("after") is { } cursor && !EventCursor.TryDecode(cursor, out after))
                {
                    throw new ExecutionError("The `after` cursor is not an event cursor this API issued.") { Code = "INVALID_CURSOR" };
                }

                var types = ctx.GetArgument<List<string>?>("types");
                if (types?.FirstOrDefault(t => !EventTypes.All.ContainsKey(t)) is { } unknown)
                {
                    throw new ExecutionError($"'{unknown}' is not an event type; the types are {string.Join(", ", EventTypes.All.Keys)}.") { Code = "INVALID_EVENT_TYPE" };
                }

                var organizationId = ctx.OrganizationId();
                var contexts = ctx.Service<IDbContextFactory<HeadlessDbContext>>();
                var ct = ctx.CancellationToken;
                await using var db = await contexts.CreateDbContextAsync(ct);
                var purgedThrough = await db.Set<EventStream>().Where(s => s.OrganizationId == organizationId).Select(s => s.PurgedThrough).FirstOrDefaultAsync(ct);
                if (ctx.GetArgument<string?>("after") is not null && after < purgedThrough)
                {
                    throw new ExecutionError("Events after this cursor are older than the retention period and have been deleted; start again without `after` (or from a newer cursor).") { Code = "EVENT_CURSOR_EXPIRED" };
                }

                var matching = Matching(db.Set<DomainEvent>().AsNoTracking(), types);
                var rows = first == 0 ? [] : await matching.Where(e => e.Position > after).OrderBy(e => e.Position).Take(first + 1).ToListAsync(ct);
                var edges = rows.Take(first).Select(e => new Edge<DomainEvent>(EventCursor.Encode(e.Position), e)).ToList();
                return new Connection<DomainEvent>(
                    edges,
                    new PageInfo(rows.Count > first, ctx.GetArgument<string?>("after") is not null, edges.FirstOrDefault()?.Cursor, edges.LastOrDefault()?.Cursor),
                    0)
                {
                    // The whole log can be long: counted only when a query asks for totalCount.
                    CountTotal = async () =>
                    {
                        await using var count = await contexts.CreateDbContextAsync(ct);
                        return await Matching(count.Set<DomainEvent>(), types).CountAsync(ct);
                    },
                };
            });

    public void AddSubscriptionFields(ObjectGraphType subscription) =>
        subscription.Field<NonNullGraphType<EventType>>("orderEvents")
            .Description("Your organization's event log, live: every order, order line and cart event (or only the `types` named) as it commits, in position order. With `after`, the events after that cursor first.")
            .Argument<ListGraphType<NonNullGraphType<StringGraphType>>>("types", $"Only events of these types: {string.Join(", ", EventTypes.All.Keys)}.")
            .Argument<StringGraphType>("after", EventSubscriptions.AfterDescription)
            .Resolve(ctx => ctx.Source)
            .ResolveStreamAsync(async ctx =>
            {
                var filter = new EventFilter(Types: EventSubscriptions.Types(ctx));
                return new AsyncEnumerableObservable<object>(await EventSubscriptions.OpenAsync(ctx, filter));
            });

    private static IQueryable<DomainEvent> Matching(IQueryable<DomainEvent> events, List<string>? types) =>
        types is { Count: > 0 } ? events.Where(e => types.Contains(e.Type)) : events;
}

public sealed class EventType : NodeGraphType<DomainEvent>
{
    public const string TypeName = "Event";

    public EventType()
        : base(TypeName, "One entry of your organization's append-only event log: what changed, about which order, line or cart, when, and a payload of identifiers, numbers, statuses and codes. Payloads never hold names, dates of birth, addresses or SIGs.")
    {
        Field<NonNullGraphType<StringGraphType>>("cursor").Description("This event's place in the log: pass it as `after` to events (or to a subscription) to continue after it.").Resolve(c => EventCursor.Encode(c.Source.Position));
        Field(x => x.Type).Description($"What happened: {string.Join(", ", EventTypes.All.Keys)}.");
        Field<NonNullGraphType<DateTimeScalar>>("occurredAt").Description("When the change was recorded.").Resolve(c => c.Source.OccurredAt);
        Field<NonNullGraphType<EventSubjectGraphType>>("subject").Description("The order, order line, cart or support ticket the event is about.").Resolve(c => c.Source.Subject);
        Field<IdGraphType>("orderId").Description("The order the subject belongs to; null for a cart event.").Resolve(c => c.Source.OrderId is { } id ? GlobalId.Encode("Order", id) : null);
        Field<IntGraphType>("sequence").Description("For order line events, the line's sequence after the change: drop an update older than the one you have.").Resolve(c => c.Source.LineSequence);
        Field<NonNullGraphType<JsonScalar>>("payload").Description("The event's data, by type (README \"Event log\").").Resolve(c => c.Source.Payload);
    }
}

public sealed class EventSubjectGraphType : ObjectGraphType<EventSubject>
{
    public EventSubjectGraphType()
    {
        Name = "EventSubject";
        Description = "What an event is about.";
        Field<NonNullGraphType<EnumGraphType<EventSubjectKind>>>("type").Description("Whether the subject is an order, an order line, a cart or a support ticket.").Resolve(c => c.Source.Type);
        Field<NonNullGraphType<IdGraphType>>("id").Description("The subject's global ID (an Order, OrderLine, Cart or SupportTicket).").Resolve(c => c.Source.GlobalId);
        Field<StringGraphType>("number").Description("The order, line or ticket number (HX-10042, HX-10042-03, ST-10001); null for a cart.").Resolve(c => c.Source.Number);
    }
}

public static class EventsServiceCollectionExtensions
{
    /// <summary>The event log: positions assigned on save, the events query, node(id) for events, and retention.</summary>
    public static IServiceCollection AddEvents(this IServiceCollection services)
    {
        services.AddOptions<EventsOptions>().BindConfiguration(EventsOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<IInterceptor, EventPositionInterceptor>();
        services.AddSingleton<EventCommits>();
        services.AddSingleton<IInterceptor, EventCommitInterceptor>();
        services.AddSingleton<EventFeed>();
        services.AddHostedService(sp => sp.GetRequiredService<EventFeed>());
        services.AddHostedService<RedisEventFanout>();
        services.AddSingleton<ISchemaContribution, EventsSchema>();
        services.AddSingleton(new NodeLoader(EventType.TypeName, async (db, id, _, ct) => await db.Set<DomainEvent>().AsNoTracking().FirstOrDefaultAsync(e => e.Id == id, ct)));
        services.AddSingleton<EventRetention>();
        services.AddHostedService(sp => sp.GetRequiredService<EventRetention>());
        return services;
    }
}
