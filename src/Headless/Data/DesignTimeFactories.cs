using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace Headless.Data;

// Used only by `dotnet ef` to generate each provider's migrations; the connection strings are placeholders
// because generating a migration or a script never connects.
internal sealed class SqliteDesignTimeFactory : IDesignTimeDbContextFactory<SqliteHeadlessDbContext>
{
    public SqliteHeadlessDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<SqliteHeadlessDbContext>().UseSqlite("Data Source=design.db").Options, TenantContext.None);
}

internal sealed class PostgresDesignTimeFactory : IDesignTimeDbContextFactory<PostgresHeadlessDbContext>
{
    public PostgresHeadlessDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<PostgresHeadlessDbContext>().UseNpgsql("Host=localhost;Database=headless").Options, TenantContext.None);
}

internal sealed class SqlServerDesignTimeFactory : IDesignTimeDbContextFactory<SqlServerHeadlessDbContext>
{
    public SqlServerHeadlessDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<SqlServerHeadlessDbContext>().UseSqlServer("Server=localhost;Database=headless;TrustServerCertificate=True").Options, TenantContext.None);
}
