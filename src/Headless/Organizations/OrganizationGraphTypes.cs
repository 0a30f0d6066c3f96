using GraphQL.Types;
using Headless.Clinics;
using Headless.GraphQL;
using Headless.Prescribers;
using Microsoft.EntityFrameworkCore;

namespace Headless.Organizations;

/// <summary>The authenticated caller.</summary>
public sealed record Viewer(long OrganizationId);

public sealed class ViewerType : ObjectGraphType<Viewer>
{
    public ViewerType()
    {
        Name = "Viewer";
        Description = "The caller, as identified by the API key or token on the request.";
        Field<NonNullGraphType<OrganizationType>>("organization")
            .Description("The organization the credential belongs to. Every query and mutation is scoped to it.")
            .ResolveAsync(async ctx => await ctx.WithDbAsync(async (db, ct) =>
                (object?)await db.Organizations.AsNoTracking().SingleAsync(o => o.Id == ctx.Source.OrganizationId, ct)));
    }
}

public sealed class OrganizationType : NodeGraphType<Organization>
{
    public OrganizationType()
        : base("Organization", "A telehealth brand: the tenant that owns clinics, prescribers, patients, carts and orders.")
    {
        Field(x => x.Name).Description("The organization's name.");
        Field<NonNullGraphType<ConnectionType<ClinicType, Clinic>>>("clinics")
            .Description("The organization's clinics, oldest first. At most 100 per page.")
            .PagingArguments()
            .ResolveAsync(async ctx =>
            {
                var (first, after) = ctx.ReadPaging();
                return await ctx.WithDbAsync((db, ct) => db.Clinics.AsNoTracking().ToConnectionAsync(first, after, ct));
            });
        Field<NonNullGraphType<ConnectionType<PrescriberType, Prescriber>>>("prescribers")
            .Description("The organization's prescribers with their licenses, oldest first. At most 100 per page.")
            .PagingArguments()
            .ResolveAsync(async ctx =>
            {
                var (first, after) = ctx.ReadPaging();
                return await ctx.WithDbAsync((db, ct) => db.Prescribers.AsNoTracking().ToConnectionAsync(first, after, ct));
            });
    }
}

internal sealed class OrganizationsSchema : ISchemaContribution
{
    public void AddQueryFields(ObjectGraphType query) =>
        query.Field<NonNullGraphType<ViewerType>>("viewer")
            .Description("The caller and their organization.")
            .Resolve(ctx => new Viewer(ctx.OrganizationId()));
}

public static class OrganizationsServiceCollectionExtensions
{
    public static IServiceCollection AddOrganizations(this IServiceCollection services)
    {
        services.AddSingleton<ISchemaContribution, OrganizationsSchema>();

        // Organizations are not filtered by the tenant filter (they are the tenant), so restrict node(id) here.
        services.AddSingleton(new NodeLoader("Organization", async (db, id, _, ct) =>
            id == db.CurrentOrganizationId ? await db.Organizations.FirstOrDefaultAsync(x => x.Id == id, ct) : null));
        return services;
    }
}
