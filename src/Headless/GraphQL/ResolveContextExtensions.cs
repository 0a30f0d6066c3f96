using GraphQL;
using Headless.Data;
using Microsoft.EntityFrameworkCore;

namespace Headless.GraphQL;

public static class ResolveContextExtensions
{
    public static T Service<T>(this IResolveFieldContext context)
        where T : notnull =>
        (context.RequestServices ?? throw new InvalidOperationException("RequestServices is not set.")).GetRequiredService<T>();

    /// <summary>The caller's organization. The transport refuses unauthenticated requests, so it is always set here.</summary>
    public static long OrganizationId(this IResolveFieldContext context) =>
        context.Service<TenantContext>().OrganizationId ?? throw new InvalidOperationException("No tenant on this request.");

    /// <summary>
    /// Runs <paramref name="work"/> on a context of its own. Query resolvers run in parallel, so no
    /// two resolvers ever share a DbContext; the context is disposed as soon as the work ends.
    /// </summary>
    public static async Task<T> WithDbAsync<T>(this IResolveFieldContext context, Func<HeadlessDbContext, CancellationToken, Task<T>> work)
    {
        await using var db = await context.Service<IDbContextFactory<HeadlessDbContext>>().CreateDbContextAsync(context.CancellationToken);
        return await work(db, context.CancellationToken);
    }
}
