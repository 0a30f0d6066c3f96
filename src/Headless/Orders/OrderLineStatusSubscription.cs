using System.Runtime.CompilerServices;
using System.Text.Json;
using GraphQL;
using GraphQL.Types;
using Headless.Events;
using Headless.GraphQL;
using Headless.Shared;
using Microsoft.EntityFrameworkCore;

namespace Headless.Orders;

/// <summary>One order_line.status_changed event as a subscription delivers it: the line's change and where it sits in the log.</summary>
public sealed record OrderLineStatusChange(DomainEvent Event, OrderLineStatus PreviousStatus, OrderLineStatus Status)
{
    public static OrderLineStatusChange From(DomainEvent e)
    {
        using var payload = JsonDocument.Parse(e.Payload);
        var root = payload.RootElement;
        return new OrderLineStatusChange(
            e,
            WireEnum<OrderLineStatus>.Parse(root.GetProperty("from").GetString()!),
            WireEnum<OrderLineStatus>.Parse(root.GetProperty("to").GetString()!));
    }
}

public sealed class OrderLineStatusChangeType : ObjectGraphType<OrderLineStatusChange>
{
    public OrderLineStatusChangeType()
    {
        Name = "OrderLineStatusChange";
        Description = "An order line changed: its status, its hold's owner or reason, or its tracking (previousStatus equals status for a change that is not a move).";
        Field<NonNullGraphType<OrderLineType>>("line")
            .Description("The line as it is when this change is delivered (on a replay, possibly further along than the change).")
            .ResolveAsync(async c => await c.WithDbAsync(async (db, ct) =>
                (object?)(await OrderLineView.LoadAsync(db, [await db.OrderLines.AsNoTracking().FirstAsync(l => l.Id == c.Source.Event.SubjectId, ct)], ct))[0]));
        Field<NonNullGraphType<EnumGraphType<OrderLineStatus>>>("previousStatus").Description("The line's status before the change.").Resolve(c => c.Source.PreviousStatus);
        Field<NonNullGraphType<EnumGraphType<OrderLineStatus>>>("status").Description("The line's status after the change.").Resolve(c => c.Source.Status);
        Field<NonNullGraphType<IntGraphType>>("sequence").Description("The line's sequence after the change: it only grows, so drop an update older than the one you have.").Resolve(c => c.Source.Event.LineSequence ?? 0);
        Field<NonNullGraphType<DateTimeScalar>>("occurredAt").Description("When the change was recorded.").Resolve(c => c.Source.Event.OccurredAt);
        Field<NonNullGraphType<StringGraphType>>("cursor").Description("This change's place in the event log: subscribe again with it as `after` to resume right after it.").Resolve(c => EventCursor.Encode(c.Source.Event.Position));
    }
}

internal sealed class OrderLineStatusSubscription : ISchemaContribution
{
    public void AddSubscriptionFields(ObjectGraphType subscription) =>
        subscription.Field<NonNullGraphType<OrderLineStatusChangeType>>("orderLineStatusChanged")
            .Description("Order lines' changes as they commit: of one line (lineId), of one order's lines (orderId), of one clinic's (clinicId) or, with none of them, of every line of your organization; the arguments given must all hold. IDs of other organizations are refused like unknown ones.")
            .Argument<IdGraphType>("clinicId", "Only lines of this clinic's orders.")
            .Argument<IdGraphType>("orderId", "Only lines of this order.")
            .Argument<IdGraphType>("lineId", "Only this line.")
            .Argument<StringGraphType>("after", EventSubscriptions.AfterDescription)
            .Resolve(ctx => ctx.Source)
            .ResolveStreamAsync(async ctx =>
            {
                var clinicId = await DecodeAsync(ctx, "clinicId", "Clinic", "clinic", (db, id, ct) => db.Clinics.AnyAsync(c => c.Id == id, ct));
                var orderId = await DecodeAsync(ctx, "orderId", "Order", "order", (db, id, ct) => db.Orders.AnyAsync(o => o.Id == id, ct));
                var lineId = await DecodeAsync(ctx, "lineId", "OrderLine", "order line", (db, id, ct) => db.OrderLines.AnyAsync(l => l.Id == id, ct));
                var filter = new EventFilter(
                    Types: [EventTypes.OrderLineStatusChanged],
                    SubjectType: lineId is null ? null : EventSubjectKind.OrderLine,
                    SubjectId: lineId,
                    OrderId: orderId,
                    ClinicId: clinicId);
                var events = await EventSubscriptions.OpenAsync(ctx, filter);
                return new AsyncEnumerableObservable<object>(Changes(events));
            });

    private static async IAsyncEnumerable<object> Changes(IAsyncEnumerable<DomainEvent> events, [EnumeratorCancellation] CancellationToken ct = default)
    {
        await foreach (var e in events.WithCancellation(ct))
        {
            yield return OrderLineStatusChange.From(e);
        }
    }

    /// <summary>The argument's key when it names an object of the caller's organization; refused alike when it is malformed, unknown or another's.</summary>
    private static async Task<long?> DecodeAsync(IResolveFieldContext ctx, string argument, string type, string noun, Func<Data.HeadlessDbContext, long, CancellationToken, Task<bool>> exists)
    {
        if (ctx.GetArgument<string?>(argument) is not { } globalId)
        {
            return null;
        }

        if (GlobalId.TryDecode(globalId, type, out var id) && await ctx.WithDbAsync((db, ct) => exists(db, id, ct)))
        {
            return id;
        }

        throw new ExecutionError($"No {noun} with this ID exists in your organization.") { Code = "NOT_FOUND" };
    }
}
