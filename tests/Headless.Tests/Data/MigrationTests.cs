using Headless.Data;
using Headless.Tests.Infrastructure;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql;

namespace Headless.Tests.Data;

/// <summary>
/// The three provider migration sets (Data/Migrations/{Sqlite,Postgres,SqlServer}) must match the model.
/// When one of these fails after a model change, run <c>.ci/migrations-add.sh NAME</c>.
/// </summary>
public sealed class MigrationTests
{
    internal static HeadlessDbContext CreateContext(DatabaseProvider provider, string? connectionString = null) => provider switch
    {
        DatabaseProvider.Sqlite => new SqliteHeadlessDbContext(
            new DbContextOptionsBuilder<SqliteHeadlessDbContext>().UseSqlite(connectionString ?? "Data Source=:memory:").Options, TenantContext.None),
        DatabaseProvider.Postgres => new PostgresHeadlessDbContext(
            new DbContextOptionsBuilder<PostgresHeadlessDbContext>().UseNpgsql(connectionString ?? "Host=none;Database=none").Options, TenantContext.None),
        DatabaseProvider.SqlServer => new SqlServerHeadlessDbContext(
            new DbContextOptionsBuilder<SqlServerHeadlessDbContext>().UseSqlServer(connectionString ?? "Server=none;Database=none;TrustServerCertificate=True").Options, TenantContext.None),
        _ => throw new ArgumentOutOfRangeException(nameof(provider)),
    };

    /// <summary>Every table the model maps to, in ordinal order.</summary>
    internal static string[] ModelTables(DbContext context) =>
        context.Model.GetEntityTypes()
            .Select(e => e.GetTableName())
            .OfType<string>()
            .Distinct(StringComparer.Ordinal)
            .Order(StringComparer.Ordinal)
            .ToArray();

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    [InlineData(DatabaseProvider.SqlServer)]
    public void Migrations_match_the_model(DatabaseProvider provider)
    {
        using var context = CreateContext(provider);

        Assert.NotEmpty(context.Database.GetMigrations());
        Assert.False(
            context.Database.HasPendingModelChanges(),
            $"The {provider} model has changes that no migration captures: run .ci/migrations-add.sh <Name>.");
    }

    [Fact]
    public void SqlServer_idempotent_script_creates_every_table()
    {
        using var context = CreateContext(DatabaseProvider.SqlServer);

        var script = context.GetService<IMigrator>().GenerateScript(options: MigrationsSqlGenerationOptions.Idempotent);

        Assert.Contains("CREATE TABLE [__EFMigrationsHistory]", script, StringComparison.Ordinal);
        var tables = ModelTables(context);
        Assert.NotEmpty(tables);
        Assert.All(tables, table => Assert.Contains($"CREATE TABLE [{table}]", script, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Sqlite_migrating_an_empty_file_creates_every_table()
    {
        var file = Path.Combine(Path.GetTempPath(), $"headless-migrate-{Guid.NewGuid():N}.db");
        var connectionString = new SqliteConnectionStringBuilder { DataSource = file, Pooling = false }.ConnectionString;
        try
        {
            await using (var context = CreateContext(DatabaseProvider.Sqlite, connectionString))
            {
                await context.Database.MigrateAsync();

                var created = await context.Database
                    .SqlQueryRaw<string>("SELECT name AS \"Value\" FROM sqlite_master WHERE type = 'table'")
                    .ToListAsync();
                Assert.Contains("__EFMigrationsHistory", created);
                Assert.All(ModelTables(context), table => Assert.Contains(table, created));
                Assert.Empty(await context.Database.GetPendingMigrationsAsync());
            }
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            File.Delete(file);
        }
    }
}

[Collection(PostgresCollection.Name)]
public sealed class PostgresMigrationTests(PostgresServer server)
{
    [ProviderFact]
    public async Task Migrating_a_fresh_database_creates_every_table_and_migrating_again_is_a_no_op()
    {
        var connectionString = await server.CreateDatabaseAsync();

        await using (var context = MigrationTests.CreateContext(DatabaseProvider.Postgres, connectionString))
        {
            Assert.Equal(context.Database.GetMigrations(), await context.Database.GetPendingMigrationsAsync());

            await context.Database.MigrateAsync();

            var created = await PublicTablesAsync(context);
            Assert.Contains("__EFMigrationsHistory", created);
            Assert.All(MigrationTests.ModelTables(context), table => Assert.Contains(table, created));
            Assert.Empty(await context.Database.GetPendingMigrationsAsync());
            Assert.Equal(context.Database.GetMigrations(), await context.Database.GetAppliedMigrationsAsync());
        }

        await using (var again = MigrationTests.CreateContext(DatabaseProvider.Postgres, connectionString))
        {
            var before = await PublicTablesAsync(again);
            var historyBefore = await again.Database.GetAppliedMigrationsAsync();

            await again.Database.MigrateAsync();

            Assert.Equal(before, await PublicTablesAsync(again));
            Assert.Equal(historyBefore, await again.Database.GetAppliedMigrationsAsync());
        }
    }

    private static async Task<List<string>> PublicTablesAsync(DbContext context) =>
        await context.Database
            .SqlQueryRaw<string>(
                "SELECT table_name AS \"Value\" FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY table_name")
            .ToListAsync();
}
