using GraphQL;
using GraphQL.Types;
using Headless.Data;
using Headless.GraphQL;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Headless.Operations;

/// <summary>queueHealth(clinicId): what is stuck and who owns it, across order lines and the outbox.</summary>
internal sealed class QueueHealthSchema : ISchemaContribution
{
    public void AddQueryFields(ObjectGraphType query) =>
        query.Field<NonNullGraphType<QueueHealthType>>("queueHealth")
            .Description("What is waiting in your organization, or in one clinic: open order lines per status and per pharmacy (with their age, overdue count and the owner of the next step), and queued background work (partner order submissions, cancellations, webhooks).")
            .Argument<IdGraphType>("clinicId", "Only this clinic's lines and queued work (organization-wide work such as webhook deliveries is then left out). An ID that is not one of your clinics is an error (NOT_FOUND).")
            .ResolveAsync(async ctx =>
            {
                var organizationId = ctx.OrganizationId();
                long? clinicId = null;
                if (ctx.GetArgument<string?>("clinicId") is { } globalId)
                {
                    var exists = GlobalId.TryDecode(globalId, "Clinic", out var id) &&
                        await ctx.WithDbAsync((db, ct) => db.Clinics.AnyAsync(c => c.Id == id, ct));
                    if (!exists)
                    {
                        throw new ExecutionError("No clinic with this ID exists in your organization.") { Code = "NOT_FOUND" };
                    }

                    clinicId = id;
                }

                var contexts = ctx.Service<IDbContextFactory<HeadlessDbContext>>();
                var options = ctx.Service<IOptions<QueueHealthOptions>>().Value;
                var now = ctx.Service<TimeProvider>().GetUtcNow();
                var ct = ctx.CancellationToken;
                return new QueueHealth(organizationId, clinicId, async () =>
                {
                    await using var db = await contexts.CreateDbContextAsync(ct);
                    return await LineQueue.LoadAsync(db, clinicId, options, now, ct);
                });
            });
}

public static class OperationsServiceCollectionExtensions
{
    public static IServiceCollection AddOperations(this IServiceCollection services)
    {
        services.AddOptions<QueueHealthOptions>().BindConfiguration(QueueHealthOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<ISchemaContribution, QueueHealthSchema>();
        return services;
    }
}
