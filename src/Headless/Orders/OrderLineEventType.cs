using GraphQL;
using GraphQL.Types;
using Headless.Catalog;
using Headless.Clinics;
using Headless.Data;
using Headless.GraphQL;
using Headless.Orders.Lifecycle;
using Headless.Patients;
using Headless.Prescribers;
using Headless.Shared;
using Microsoft.EntityFrameworkCore;

namespace Headless.Orders;

public sealed class OrderLineEventType : ObjectGraphType<OrderLineEvent>
{
    public OrderLineEventType()
    {
        Name = "OrderLineEvent";
        Description = "One change of an order line: when, who caused it, the status before and after, and why.";
        Field<NonNullGraphType<DateTimeScalar>>("time").Description("When the change happened (for partner callbacks, when the pharmacy says it happened).").Resolve(c => c.Source.At);
        Field<NonNullGraphType<EnumGraphType<EventSource>>>("source").Description("Who caused the change.").Resolve(c => c.Source.Source);
        Field<EnumGraphType<OrderLineStatus>>("from").Description("The line's status before the change; null for the first event.").Resolve(c => c.Source.FromStatus);
        Field<NonNullGraphType<EnumGraphType<OrderLineStatus>>>("to").Description("The line's status after the change (the same as `from` when only tracking or a hold's owner changed).").Resolve(c => c.Source.ToStatus);
        Field<StringGraphType>("reasonCode").Description("Why, as a code, e.g. SIG_CLARIFICATION, LICENSE, OUT_OF_STOCK, CANCELLED_BY_CLINIC. Null when there is no reason.").Resolve(c => c.Source.ReasonCode);
        Field<StringGraphType>("message").Description("What happened, in words. Null when nothing was said.").Resolve(c => c.Source.Message);
        Field<NonNullGraphType<IntGraphType>>("sequence").Description("The line's sequence number right after this change.").Resolve(c => c.Source.Sequence);
    }
}
