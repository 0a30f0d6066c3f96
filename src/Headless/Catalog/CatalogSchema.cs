using GraphQL;
using GraphQL.Types;
using Headless.GraphQL;
using Headless.Shared;
using Microsoft.EntityFrameworkCore;

namespace Headless.Catalog;

internal sealed class CatalogSchema : ISchemaContribution
{
    public void AddQueryFields(ObjectGraphType query)
    {
        query.Field<NonNullGraphType<ListGraphType<NonNullGraphType<PharmacyType>>>>("pharmacies")
            .Description("Every partner pharmacy with the states it ships to, by name. The partner network is small and curated, so this is a plain list.")
            .ResolveAsync(async ctx => await ctx.WithDbAsync(async (db, ct) =>
                (object?)await db.Pharmacies.AsNoTracking().OrderBy(p => p.Name).ThenBy(p => p.Id).ToListAsync(ct)));

        query.Field<NonNullGraphType<ConnectionType<OfferingType, Offering>>>("catalog")
            .Description("Active offerings of products that are not discontinued, with prices. At most 100 per page.")
            .Argument<StringGraphType>("search", "Case-insensitive part of the product's name, strength or form.")
            .Argument<StringGraphType>("shipToState", a =>
            {
                a.Description = "Only offerings from pharmacies that ship to this two-letter state code.";
                a.Validate(v =>
                {
                    if (v is string s && !UsStates.IsValid(s))
                    {
                        throw new ArgumentException("shipToState must be a two-letter US state code in upper case, e.g. CA.");
                    }
                });
            })
            .PagingArguments()
            .ResolveAsync(async ctx =>
            {
                var (first, after) = ctx.ReadPaging();
                var search = ctx.GetArgument<string?>("search")?.Trim().ToLowerInvariant();
                var state = ctx.GetArgument<string?>("shipToState");
                return await ctx.WithDbAsync((db, ct) =>
                {
                    var q = db.Offerings.AsNoTracking()
                        .Include(o => o.Product)
                        .Include(o => o.Pharmacy).ThenInclude(p => p.ShipsTo)
                        .Where(o => o.Active && !o.Product.Discontinued);
                    if (!string.IsNullOrEmpty(search))
                    {
                        q = q.Where(o => o.Product.SearchText.Contains(search));
                    }

                    if (state is not null)
                    {
                        q = q.Where(o => o.Pharmacy.ShipsTo.Any(s => s.State == state));
                    }

                    return q.AsSplitQuery().ToConnectionAsync(first, after, ct);
                });
            });
    }
}

public static class CatalogServiceCollectionExtensions
{
    public static IServiceCollection AddCatalog(this IServiceCollection services)
    {
        services.AddSingleton<ISchemaContribution, CatalogSchema>();
        services.AddSingleton(new NodeLoader("Pharmacy", async (db, id, _, ct) => await db.Pharmacies.FirstOrDefaultAsync(x => x.Id == id, ct)));
        services.AddSingleton(new NodeLoader("Product", async (db, id, _, ct) => await db.Products.FirstOrDefaultAsync(x => x.Id == id, ct)));
        services.AddSingleton(new NodeLoader("Offering", async (db, id, _, ct) =>
            await db.Offerings.Include(o => o.Product).Include(o => o.Pharmacy).ThenInclude(p => p.ShipsTo).FirstOrDefaultAsync(x => x.Id == id, ct)));
        return services;
    }
}
