using System.Text.Json;
using GraphQL;
using GraphQL.Types;
using Headless.Events;
using Headless.GraphQL;
using Headless.Orders;
using Microsoft.EntityFrameworkCore;

namespace Headless.Webhooks;

/// <summary>What a payloadQuery runs over: one event of the log.</summary>
public sealed record WebhookEventSource(DomainEvent Event)
{
    private JsonElement Payload => JsonDocument.Parse(Event.Payload).RootElement;

    public string? Text(string name) => Payload.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    public int? Number(string name) => Payload.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetInt32() : null;
}

/// <summary>
/// The schema payloadQuery documents are written against: <c>{ event { ... } }</c>, where <c>event</c> is the event
/// being delivered as one of the types below, and <c>line</c>, <c>order</c> are the API's own OrderLine and Order, read
/// for the endpoint's organization when the delivery is first attempted. Patient data is reachable through them, and
/// refused when an endpoint is saved (<see cref="WebhookPayloadQueries"/>).
/// </summary>
public sealed class WebhookPayloadSchema : Schema
{
    public WebhookPayloadSchema(IServiceProvider services)
        : base(services)
    {
        Description = "Webhook payload documents: { event { ... on OrderLineStatusChanged { line { number status } } } }.";
        Query = new WebhookPayloadRootType();
        RegisterType(typeof(OrderLineStatusChangedType));
        RegisterType(typeof(OrderRefundedType));
        RegisterType(typeof(OrderChangedType));
        RegisterType(typeof(CartChangedType));
        RegisterType(typeof(SupportTicketChangedType));
    }
}

public sealed class WebhookPayloadRootType : ObjectGraphType<WebhookEventSource>
{
    public WebhookPayloadRootType()
    {
        Name = "WebhookPayload";
        Description = "The root of a payload document.";
        Field<NonNullGraphType<WebhookEventInterface>>("event").Description("The event being delivered.").Resolve(c => c.Source);
    }
}

public sealed class WebhookEventInterface : InterfaceGraphType<WebhookEventSource>
{
    public WebhookEventInterface()
    {
        Name = "WebhookEvent";
        Description = "An event of the log, as a webhook delivers it.";
        Field<NonNullGraphType<IdGraphType>>("id").Description("The event's global ID (an Event).");
        Field<NonNullGraphType<StringGraphType>>("type").Description("The event type, e.g. order_line.status_changed.");
        Field<NonNullGraphType<DateTimeScalar>>("occurredAt").Description("When the change was recorded.");
        Field<NonNullGraphType<StringGraphType>>("cursor").Description("The event's cursor in the log.");
    }
}

internal static class WebhookEventFields
{
    public static void Add<TSelf>(ObjectGraphType<WebhookEventSource> type, params string[] eventTypes)
    {
        type.Interface<WebhookEventInterface>();
        type.IsTypeOf = o => o is WebhookEventSource s && eventTypes.Contains(s.Event.Type);
        type.Field<NonNullGraphType<IdGraphType>>("id").Description("The event's global ID (an Event).").Resolve(c => GlobalId.Encode(EventType.TypeName, c.Source.Event.Id));
        type.Field<NonNullGraphType<StringGraphType>>("type").Description("The event type.").Resolve(c => c.Source.Event.Type);
        type.Field<NonNullGraphType<DateTimeScalar>>("occurredAt").Description("When the change was recorded.").Resolve(c => c.Source.Event.OccurredAt);
        type.Field<NonNullGraphType<StringGraphType>>("cursor").Description("The event's cursor in the log.").Resolve(c => EventCursor.Encode(c.Source.Event.Position));
    }

    public static void Order(ObjectGraphType<WebhookEventSource> type) =>
        type.Field<OrderType>("order").Description("The order, as it is when the delivery is first attempted.")
            .ResolveAsync(async c =>
            {
                var orderId = c.Source.Event.OrderId;
                return orderId is null ? null : (object?)await c.WithDbAsync((db, ct) => OrdersSchema.LoadOrderAsync(c, db, orderId.Value, ct));
            });

    public static void Line(ObjectGraphType<WebhookEventSource> type) =>
        type.Field<OrderLineType>("line").Description("The order line, as it is when the delivery is first attempted.")
            .ResolveAsync(async c =>
            {
                var lineId = c.Source.Event.SubjectId;
                return await c.WithDbAsync(async (db, ct) =>
                {
                    var line = await db.OrderLines.AsNoTracking().FirstOrDefaultAsync(l => l.Id == lineId, ct);
                    return line is null ? null : (object?)(await OrderLineView.LoadAsync(db, [line], ct))[0];
                });
            });
}

public sealed class OrderLineStatusChangedType : ObjectGraphType<WebhookEventSource>
{
    public OrderLineStatusChangedType()
    {
        Name = "OrderLineStatusChanged";
        Description = "order_line.status_changed: a line's status, hold, reason, owner or tracking changed.";
        WebhookEventFields.Add<OrderLineStatusChangedType>(this, EventTypes.OrderLineStatusChanged);
        Field<StringGraphType>("previousStatus").Description("The line's status before the change.").Resolve(c => c.Source.Text("from"));
        Field<StringGraphType>("status").Description("The line's status after the change.").Resolve(c => c.Source.Text("to"));
        Field<IntGraphType>("sequence").Description("The line's sequence after the change: drop anything older.").Resolve(c => c.Source.Event.LineSequence);
        WebhookEventFields.Line(this);
        WebhookEventFields.Order(this);
    }
}

public sealed class OrderRefundedType : ObjectGraphType<WebhookEventSource>
{
    public OrderRefundedType()
    {
        Name = "OrderRefunded";
        Description = "order.refunded: a line declined after the capture was refunded.";
        WebhookEventFields.Add<OrderRefundedType>(this, EventTypes.OrderRefunded);
        Field<IntGraphType>("sequence").Description("The line's sequence after the refund.").Resolve(c => c.Source.Event.LineSequence);
        WebhookEventFields.Line(this);
        WebhookEventFields.Order(this);
    }
}

public sealed class OrderChangedType : ObjectGraphType<WebhookEventSource>
{
    public OrderChangedType()
    {
        Name = "OrderChanged";
        Description = "order.created, order.payment_authorized, order.payment_failed, order.payment_captured, order.payment_voided: the order or its payment changed.";
        WebhookEventFields.Add<OrderChangedType>(this, EventTypes.OrderCreated, EventTypes.OrderPaymentAuthorized, EventTypes.OrderPaymentFailed, EventTypes.OrderPaymentCaptured, EventTypes.OrderPaymentVoided);
        WebhookEventFields.Order(this);
    }
}

public sealed class CartChangedType : ObjectGraphType<WebhookEventSource>
{
    public CartChangedType()
    {
        Name = "CartChanged";
        Description = "cart.changed: a clinic's cart was edited, frozen, reopened or checked out.";
        WebhookEventFields.Add<CartChangedType>(this, EventTypes.CartChanged);
        Field<StringGraphType>("cartId").Description("The cart's global ID.").Resolve(c => c.Source.Text("cartId"));
        Field<IntGraphType>("version").Description("The cart's version after the change.").Resolve(c => c.Source.Number("version"));
        Field<IntGraphType>("lineCount").Description("Lines in the cart after the change.").Resolve(c => c.Source.Number("lineCount"));
        Field<StringGraphType>("status").Description("The cart's status after the change.").Resolve(c => c.Source.Text("status"));
    }
}

public sealed class SupportTicketChangedType : ObjectGraphType<WebhookEventSource>
{
    public SupportTicketChangedType()
    {
        Name = "SupportTicketChanged";
        Description = "support_ticket.opened, support_ticket.updated: a support ticket was opened, got a message or changed status.";
        WebhookEventFields.Add<SupportTicketChangedType>(this, EventTypes.SupportTicketOpened, EventTypes.SupportTicketUpdated);
        Field<StringGraphType>("ticketId").Description("The ticket's global ID.").Resolve(c => c.Source.Text("ticketId"));
        Field<StringGraphType>("ticketNumber").Description("The ticket's number, e.g. ST-10001.").Resolve(c => c.Source.Text("number"));
        Field<StringGraphType>("lineNumber").Description("The number of the order line the ticket is about.").Resolve(c => c.Source.Text("lineNumber"));
        Field<StringGraphType>("previousStatus").Description("The ticket's status before the change; null when it was opened.").Resolve(c => c.Source.Text("from"));
        Field<StringGraphType>("status").Description("The ticket's status after the change.").Resolve(c => c.Source.Text("status"));
        Field<StringGraphType>("author").Description("Who wrote the message the change added (CLINIC or PHARMACY); null for a status change.").Resolve(c => c.Source.Text("author"));
        Field<IntGraphType>("messageCount").Description("Messages on the ticket after the change.").Resolve(c => c.Source.Number("messageCount"));
        WebhookEventFields.Order(this);
    }
}
