using GraphQL;
using GraphQL.Types;
using Headless.GraphQL;
using Microsoft.EntityFrameworkCore;

namespace Headless.Fulfillment;

/// <summary>
/// queueHealth and outboxMessageRetry. Outbox rows are not tenant-filtered by the model, so every query here
/// filters on the caller's organization explicitly.
/// </summary>
internal sealed class OutboxSchema : ISchemaContribution
{
    public void AddQueryFields(ObjectGraphType query) =>
        query.Field<NonNullGraphType<QueueHealthType>>("queueHealth")
            .Description("Background delivery work queued for your organization (partner order submissions, notifications, webhooks): what is waiting and what needs attention.")
            .Argument<IdGraphType>(
                "clinicId",
                "Reserved for a per-clinic view. Queued work does not record its clinic yet, so this is accepted and ignored: the figures always cover your whole organization.")
            .Resolve(ctx => new QueueHealth(ctx.OrganizationId()));

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

/// <summary>The caller's queue; each figure is computed when asked for.</summary>
public sealed record QueueHealth(long OrganizationId);

public sealed class QueueHealthType : ObjectGraphType<QueueHealth>
{
    public QueueHealthType()
    {
        Name = "QueueHealth";
        Description = "Your organization's queued background work. Messages are retried with exponential back-off; those that keep failing are parked until someone retries them.";

        Field<NonNullGraphType<IntGraphType>>("pending")
            .Description("Messages waiting for delivery, now or after a back-off.")
            .ResolveAsync(async ctx =>
            {
                var org = ctx.Source.OrganizationId;
                return (object?)await ctx.WithDbAsync((db, ct) =>
                    db.OutboxMessages.CountAsync(m => m.OrganizationId == org && m.Status == OutboxStatus.Pending, ct));
            });

        Field<NonNullGraphType<IntGraphType>>("parked")
            .Description("Messages that failed too often and wait for a retry (outboxMessageRetry).")
            .ResolveAsync(async ctx =>
            {
                var org = ctx.Source.OrganizationId;
                return (object?)await ctx.WithDbAsync((db, ct) =>
                    db.OutboxMessages.CountAsync(m => m.OrganizationId == org && m.Status == OutboxStatus.Parked, ct));
            });

        Field<IntGraphType>("oldestPendingAge")
            .Description("Seconds since the oldest pending message was queued; null when nothing is pending.")
            .ResolveAsync(async ctx =>
            {
                var org = ctx.Source.OrganizationId;
                var oldest = await ctx.WithDbAsync(async (db, ct) =>
                {
                    var first = await db.OutboxMessages
                        .Where(m => m.OrganizationId == org && m.Status == OutboxStatus.Pending)
                        .OrderBy(m => m.CreatedAt)
                        .Select(m => new { m.CreatedAt })
                        .FirstOrDefaultAsync(ct);
                    return first?.CreatedAt;
                });
                if (oldest is not { } created)
                {
                    return null;
                }

                var age = ctx.Service<TimeProvider>().GetUtcNow() - created;
                return (object?)(int)Math.Clamp(Math.Floor(age.TotalSeconds), 0, int.MaxValue);
            });

        Field<NonNullGraphType<ConnectionType<OutboxMessageType, OutboxMessage>>>("parkedMessages")
            .Description("The parked messages, oldest first.")
            .PagingArguments()
            .ResolveAsync(async ctx =>
            {
                var org = ctx.Source.OrganizationId;
                var (first, after) = ctx.ReadPaging();
                return (object?)await ctx.WithDbAsync((db, ct) =>
                    db.OutboxMessages.AsNoTracking()
                        .Where(m => m.OrganizationId == org && m.Status == OutboxStatus.Parked)
                        .ToConnectionAsync(first, after, ct));
            });
    }
}

public sealed class OutboxMessageType : NodeGraphType<OutboxMessage>
{
    public const string TypeName = "OutboxMessage";

    public OutboxMessageType()
        : base(TypeName, "A piece of background delivery work (e.g. submitting a partner order). Its content is not exposed.")
    {
        Field(x => x.Kind).Description("What the work is, e.g. \"partner-order.submit\".");
        Field<NonNullGraphType<OutboxMessageStatusType>>("status").Description("Where the message is in its life.").Resolve(c => c.Source.Status);
        Field(x => x.Attempts).Description("Delivery attempts so far (reset by a retry).");
        Field(x => x.LastError, nullable: true).Description("Why the last attempt failed, as an error type or status code; null when no attempt failed.");
        Field<NonNullGraphType<DateTimeScalar>>("nextAttemptAt").Description("When a worker may next try to deliver it.").Resolve(c => c.Source.NextAttemptAt);
        Field<NonNullGraphType<DateTimeScalar>>("createdAt").Description("When the work was queued.").Resolve(c => c.Source.CreatedAt);
    }
}

public sealed class OutboxMessageStatusType : EnumerationGraphType
{
    public OutboxMessageStatusType()
    {
        Name = "OutboxMessageStatus";
        Description = "Where an outbox message is in its life.";
        Add(OutboxStatus.Pending, OutboxStatus.Pending, "Waiting for a worker, now or after a back-off.");
        Add(OutboxStatus.Done, OutboxStatus.Done, "Delivered.");
        Add(OutboxStatus.Parked, OutboxStatus.Parked, "Failed too often; waits until someone retries it.");
    }
}

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

public static class OutboxServiceCollectionExtensions
{
    /// <summary>
    /// Options (Headless:Outbox), the processor, the background worker, queueHealth/outboxMessageRetry and node(id) for
    /// OutboxMessage. Safe to call more than once. Handlers are registered by their capabilities as
    /// <c>services.AddScoped&lt;IOutboxHandler, XHandler&gt;()</c> (or singleton).
    /// </summary>
    public static IServiceCollection AddOutbox(this IServiceCollection services)
    {
        if (services.Any(d => d.ServiceType == typeof(OutboxProcessor)))
        {
            return services;
        }

        services.AddOptions<OutboxOptions>().BindConfiguration(OutboxOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<OutboxProcessor>();
        services.AddSingleton<OutboxWorker>();
        services.AddHostedService(sp => sp.GetRequiredService<OutboxWorker>());
        services.AddSingleton<ISchemaContribution, OutboxSchema>();
        services.AddSingleton(new NodeLoader(OutboxMessageType.TypeName, async (db, id, _, ct) => await OutboxSchema.LoadAsync(db, id, ct)));
        return services;
    }
}
