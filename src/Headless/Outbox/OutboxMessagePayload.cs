using GraphQL;
using GraphQL.Types;
using Headless.GraphQL;
using Microsoft.EntityFrameworkCore;

namespace Headless.Outbox;

/// <summary>Result of outboxMessageRetry.</summary>
public sealed record OutboxMessagePayload(OutboxMessage? OutboxMessage, IReadOnlyList<UserError> UserErrors);

public sealed class OutboxMessagePayloadType : ObjectGraphType<OutboxMessagePayload>
{
    public OutboxMessagePayloadType()
    {
        Name = "OutboxMessagePayload";
        Description = "The result of an outbox message mutation.";
        Field<OutboxMessageType>("outboxMessage").Description("The message as saved; null when userErrors is not empty.").Resolve(c => c.Source.OutboxMessage);
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<UserErrorType>>>>("userErrors")
            .Description("Problems with the input. When not empty, nothing was changed.").Resolve(c => c.Source.UserErrors);
    }
}
