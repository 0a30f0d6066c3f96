using System.Globalization;
using GraphQL;
using GraphQL.DI;
using GraphQL.Types;
using Headless.Data;
using Headless.GraphQL;
using Microsoft.EntityFrameworkCore;

namespace Headless.Audit;

internal sealed class AuditSchema : ISchemaContribution
{
    public void AddQueryFields(ObjectGraphType query) =>
        query.Field<NonNullGraphType<ConnectionType<AuditEventType, AuditEvent>>>("auditEvents")
            .Description("Your organization's audit trail of patient-data reads and mutations, newest first. At most 100 per page. Events are written in batches shortly after their request (within about a second by default).")
            .Argument<AuditEventFilterType>("filter", "Which events to return.")
            .PagingArguments()
            .ResolveAsync(async ctx =>
            {
                var (first, after) = ctx.ReadPaging();
                var filter = ctx.GetArgument<AuditEventFilter?>("filter");
                return await ctx.WithDbAsync((db, ct) => AuditQueries.PageAsync(db, filter, first, after, ct));
            });
}

internal static class AuditQueries
{
    /// <summary>One page, newest first (by ID, the order rows were written), with the filtered total: two queries.</summary>
    public static async Task<Connection<AuditEvent>> PageAsync(HeadlessDbContext db, AuditEventFilter? filter, int first, long? after, CancellationToken ct)
    {
        var query = Filter(db.AuditEvents.AsNoTracking(), filter);
        var total = await query.CountAsync(ct);
        var page = after is { } a ? query.Where(e => e.Id < a) : query;
        var items = first == 0 ? [] : await page.OrderByDescending(e => e.Id).Take(first + 1).ToListAsync(ct);
        var edges = items.Take(first).Select(e => new Edge<AuditEvent>(Paging.EncodeCursor(e.Id), e)).ToList();
        return new Connection<AuditEvent>(
            edges,
            new PageInfo(items.Count > first, after is not null, edges.FirstOrDefault()?.Cursor, edges.LastOrDefault()?.Cursor),
            total);
    }

    private static IQueryable<AuditEvent> Filter(IQueryable<AuditEvent> query, AuditEventFilter? filter)
    {
        if (filter is null)
        {
            return query;
        }

        if (filter.ObjectType is { } type)
        {
            query = query.Where(e => e.ObjectType == type);
        }

        if (filter.ObjectId is not null)
        {
            if (!GlobalId.TryDecode(filter.ObjectId, out var idType, out var id))
            {
                // Not an ID this API issues: no event can list it.
                return query.Where(e => false);
            }

            var needle = "," + id.ToString(CultureInfo.InvariantCulture) + ",";
            query = query.Where(e => e.ObjectType == idType && ("," + e.ObjectIds + ",").Contains(needle));
        }

        if (filter.OperationType is { } operationType)
        {
            query = query.Where(e => e.OperationType == operationType);
        }

        if (filter.RootField is { } rootField)
        {
            var needle = "," + rootField + ",";
            query = query.Where(e => ("," + e.RootFields + ",").Contains(needle));
        }

        if (filter.Actor is { } actor)
        {
            query = query.Where(e => e.Credential == actor);
        }

        if (filter.Outcome is { } outcome)
        {
            query = query.Where(e => e.Outcome == outcome);
        }

        if (filter.OccurredFrom is { } from)
        {
            query = query.Where(e => e.OccurredAt >= from);
        }

        if (filter.OccurredBefore is { } before)
        {
            query = query.Where(e => e.OccurredAt < before);
        }

        return query;
    }
}

/// <summary>Registers the schema visitor that wraps the audited resolvers.</summary>
internal sealed class AuditSchemaConfiguration : IConfigureSchema
{
    public void Configure(ISchema schema, IServiceProvider serviceProvider) => schema.RegisterVisitor(new AuditSchemaVisitor());
}

public static class AuditServiceCollectionExtensions
{
    public static IServiceCollection AddAudit(this IServiceCollection services)
    {
        services.AddOptions<AuditOptions>().BindConfiguration(AuditOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<AuditTrail>();
        services.AddHostedService(sp => sp.GetRequiredService<AuditTrail>());
        services.AddScoped<AuditRecorder>();
        services.AddSingleton<IConfigureSchema, AuditSchemaConfiguration>();
        services.AddGraphQL(b => b.ConfigureExecution<AuditRecorderLookup>());
        services.AddSingleton<ISchemaContribution, AuditSchema>();
        services.AddSingleton(new NodeLoader(AuditEvent.TypeName, async (db, id, _, ct) => await db.AuditEvents.FirstOrDefaultAsync(x => x.Id == id, ct)));
        return services;
    }
}
