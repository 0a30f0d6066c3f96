using GraphQL;
using GraphQL.Types;
using Headless.GraphQL;
using Microsoft.EntityFrameworkCore;

namespace Headless.Outbox;

public sealed class OutboxMessageType : NodeGraphType<OutboxMessage>
{
    public const string TypeName = "OutboxMessage";

    public OutboxMessageType()
        : base(TypeName, "A piece of background delivery work (e.g. submitting a partner order). Its content is not exposed.")
    {
        Field(x => x.Kind).Description("What the work is, e.g. \"partner-order.submit\".");
        Field<NonNullGraphType<EnumGraphType<OutboxStatus>>>("status").Description("Where the message is in its life.").Resolve(c => c.Source.Status);
        Field(x => x.Attempts).Description("Delivery attempts so far (reset by a retry).");
        Field(x => x.LastError, nullable: true).Description("Why the last attempt failed, as an error type or status code; null when no attempt failed.");
        Field<NonNullGraphType<DateTimeScalar>>("nextAttemptAt").Description("When a worker may next try to deliver it.").Resolve(c => c.Source.NextAttemptAt);
        Field<NonNullGraphType<DateTimeScalar>>("createdAt").Description("When the work was queued.").Resolve(c => c.Source.CreatedAt);
    }
}

