using Headless.Data;
using Headless.Events;
using Headless.GraphQL;

namespace Headless.Orders;

/// <summary>An order's entries in the event log. Payloads carry ids, numbers and amounts, never patient data.</summary>
public static class OrderEvents
{
    /// <summary>order.created: checkout created the order; its payment is being authorized. Saved after the order has its key.</summary>
    public static void Created(HeadlessDbContext db, Order order, DateTimeOffset now) =>
        EventLog.Append(db, order.OrganizationId, EventTypes.OrderCreated, Subject(order), null, now, new
        {
            orderId = GlobalId.Encode("Order", order.Id),
            number = order.Number,
            clinicId = GlobalId.Encode("Clinic", order.ClinicId),
            cartId = GlobalId.Encode("Cart", order.CartId),
            lineCount = order.Lines.Count,
            total = new { amount = order.Total, currencyCode = order.Currency },
        });

    private static EventSubject Subject(Order order) => new(EventSubject.Order, order.Id, order.Number, order.Id);
}
