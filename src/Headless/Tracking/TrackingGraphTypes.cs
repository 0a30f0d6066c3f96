using GraphQL.Types;
using Headless.GraphQL;
using Headless.Orders;
using Microsoft.EntityFrameworkCore;

namespace Headless.Tracking;

public sealed class TrackingLinkType : NodeGraphType<TrackingLink>
{
    public TrackingLinkType()
        : base(TrackingLink.TypeName, "A patient's link to one order line (GET /track/{token}): it shows that line's number, status and tracking, and nothing else. The token is shown once, in trackingLinkCreate's url.")
    {
        Field<NonNullGraphType<OrderLineType>>("line")
            .Description("The order line the link shows.")
            .ResolveAsync(async c =>
            {
                var lineId = c.Source.OrderLineId;
                return await c.WithDbAsync(async (db, ct) =>
                    (object?)(await OrderLineView.LoadAsync(db, [await db.OrderLines.AsNoTracking().FirstAsync(l => l.Id == lineId, ct)], ct))[0]);
            });
        Field<NonNullGraphType<DateTimeScalar>>("createdAt").Description("When the link was created.").Resolve(c => c.Source.CreatedAt);
        Field<NonNullGraphType<DateTimeScalar>>("expiresAt").Description("When the link stops opening.").Resolve(c => c.Source.ExpiresAt);
        Field<DateTimeScalar>("revokedAt").Description("When the link was revoked; null while it is not.").Resolve(c => c.Source.RevokedAt);
        Field<NonNullGraphType<BooleanGraphType>>("active")
            .Description("True while the link opens: not revoked and not expired.")
            .Resolve(c => c.Source.IsActive(c.Service<TimeProvider>().GetUtcNow()));
    }
}

/// <summary>Result of trackingLinkCreate and trackingLinkRevoke.</summary>
public sealed record TrackingLinkPayload(string? Url, TrackingLink? Link, IReadOnlyList<UserError> UserErrors);

public sealed class TrackingLinkPayloadType : ObjectGraphType<TrackingLinkPayload>
{
    public TrackingLinkPayloadType()
    {
        Name = "TrackingLinkPayload";
        Description = "The result of a tracking link mutation.";
        Field<StringGraphType>("url")
            .Description("The link to send the patient: an absolute URL ending in /track/{token}. Only trackingLinkCreate returns it, once; it cannot be read again (only a hash of the token is kept). Null on revoke and on userErrors.")
            .Resolve(c => c.Source.Url);
        Field<TrackingLinkType>("link").Description("The link created or revoked; null on userErrors.").Resolve(c => c.Source.Link);
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<UserErrorType>>>>("userErrors").Description("Why the mutation was refused.").Resolve(c => c.Source.UserErrors);
    }
}
