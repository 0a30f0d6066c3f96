using GraphQL;
using GraphQL.Types;
using Headless.GraphQL;
using Microsoft.EntityFrameworkCore;

namespace Headless.Outbox;

/// <summary>
/// outboxMessageRetry (queueHealth, which shows the queue, lives in Operations). Outbox rows are not tenant-filtered by
/// the model, so every query here filters on the caller's organization explicitly.
/// </summary>
internal sealed class OutboxSchema : ISchemaContribution
{
    public void AddMutationFields(ObjectGraphType mutation) =>
        mutation.Field<NonNullGraphType<OutboxMessagePayloadType>>("outboxMessageRetry")
            .Description("Puts a PARKED message of your organization back in the queue with its attempts reset; it is delivered as soon as a worker is free.")
            .Argument<NonNullGraphType<IdGraphType>>("id", "The parked message's global ID (from queueHealth.parkedMessages).")
            .ResolveAsync(async ctx =>
            {
                var organizationId = ctx.OrganizationId();
                if (!GlobalId.TryDecode(ctx.GetArgument<string>("id"), OutboxMessageType.TypeName, out var id))
                {
                    return NotFound();
                }

                var now = ctx.Service<TimeProvider>().GetUtcNow();
                return await ctx.WithDbAsync(async (db, ct) =>
                {
                    var message = await db.OutboxMessages.FirstOrDefaultAsync(
                        m => m.Id == id && m.OrganizationId == organizationId && m.Status == OutboxStatus.Parked, ct);
                    if (message is null)
                    {
                        return NotFound();
                    }

                    message.Requeue(now);
                    await db.SaveChangesAsync(ct);
                    return new OutboxMessagePayload(message, []);
                });
            });

    private static OutboxMessagePayload NotFound() =>
        new(null, [new UserError(UserErrorCode.NotFound, ["id"], "No parked outbox message with this ID exists for your organization.")]);

    internal static Task<OutboxMessage?> LoadAsync(Data.HeadlessDbContext db, long id, CancellationToken ct) =>
        db.OutboxMessages.AsNoTracking().FirstOrDefaultAsync(m => m.Id == id && m.OrganizationId == db.CurrentOrganizationId, ct);
}
