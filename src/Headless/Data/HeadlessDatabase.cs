using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.EntityFrameworkCore.Update;
using Microsoft.Extensions.Options;

namespace Headless.Data;

/// <summary>
/// Builds DbContext options once for the configured provider and creates contexts bound to a tenant.
/// Contexts are cheap; options (and the compiled model) are not, so this is a singleton.
/// </summary>
public sealed class HeadlessDatabase
{
    private readonly Func<TenantContext, HeadlessDbContext> _create;

    public HeadlessDatabase(IOptions<DatabaseOptions> options, IEnumerable<IInterceptor> interceptors, ILoggerFactory loggerFactory)
    {
        var o = options.Value;
        Provider = o.Provider;
        var connectionString = o.EffectiveConnectionString;
        IInterceptor[] extra = [new DatabaseErrorLog(loggerFactory.CreateLogger("Headless.Data")), .. interceptors];

        _create = o.Provider switch
        {
            DatabaseProvider.Sqlite => Build<SqliteHeadlessDbContext>(
                b => b.UseSqlite(connectionString, s => s.CommandTimeout(o.CommandTimeoutSeconds))
                    .ReplaceService<IModificationCommandBatchFactory, SqliteBatchingModificationCommandBatchFactory>(),
                (opts, t) => new SqliteHeadlessDbContext(opts, t)),
            DatabaseProvider.Postgres => Build<PostgresHeadlessDbContext>(
                b => b.UseNpgsql(connectionString, s => s.CommandTimeout(o.CommandTimeoutSeconds)),
                (opts, t) => new PostgresHeadlessDbContext(opts, t)),
            DatabaseProvider.SqlServer => Build<SqlServerHeadlessDbContext>(
                b => b.UseSqlServer(connectionString, s => s.CommandTimeout(o.CommandTimeoutSeconds)),
                (opts, t) => new SqlServerHeadlessDbContext(opts, t)),
            _ => throw new InvalidOperationException($"Unknown database provider {o.Provider}."),
        };

        Func<TenantContext, HeadlessDbContext> Build<TContext>(
            Action<DbContextOptionsBuilder<TContext>> configure,
            Func<DbContextOptions<TContext>, TenantContext, TContext> factory)
            where TContext : HeadlessDbContext
        {
            var builder = new DbContextOptionsBuilder<TContext>()
                .UseLoggerFactory(loggerFactory)
                .ConfigureWarnings(w => w.Log(DatabaseErrorLog.Downgraded));
            configure(builder);
            builder.AddInterceptors(extra);

            var built = builder.Options;
            return t => factory(built, t);
        }
    }

    public DatabaseProvider Provider { get; }

    /// <summary>A context that sees only the given tenant's rows (and the shared catalog).</summary>
    public HeadlessDbContext CreateContext(TenantContext tenant) => _create(tenant);

    /// <summary>A context with no tenant: platform work such as migrations, seeding and the catalog.</summary>
    public HeadlessDbContext CreatePlatformContext() => _create(TenantContext.None);
}

/// <summary>
/// The per-request factory resolvers use. GraphQL.NET runs query resolvers in parallel and a
/// DbContext is not thread-safe, so each resolver creates, uses and disposes its own context.
/// </summary>
public sealed class TenantDbContextFactory(HeadlessDatabase database, TenantContext tenant) : IDbContextFactory<HeadlessDbContext>
{
    public HeadlessDbContext CreateDbContext() => database.CreateContext(tenant);
}
