using Headless.Orders;
using Headless.Patients;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace Headless.Data;

/// <summary>SQLite: the embedded default. Its migrations live in Data/Migrations/Sqlite.</summary>
public sealed class SqliteHeadlessDbContext(DbContextOptions<SqliteHeadlessDbContext> options, TenantContext tenant)
    : HeadlessDbContext(options, tenant)
{
    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder)
    {
        base.ConfigureConventions(configurationBuilder);

        // SQLite has no native offset-aware timestamp: storing ticks keeps ORDER BY and comparisons in SQL.
        configurationBuilder.Properties<DateTimeOffset>().HaveConversion<DateTimeOffsetToBinaryConverter>();
    }
}

/// <summary>PostgreSQL. Its migrations live in Data/Migrations/Postgres.</summary>
public sealed class PostgresHeadlessDbContext(DbContextOptions<PostgresHeadlessDbContext> options, TenantContext tenant)
    : HeadlessDbContext(options, tenant)
{
    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        base.OnModelCreating(modelBuilder);

        // Partial patient-name search (orderLines(filter: {patientName}), patients(search)) is LIKE '%term%' on the
        // lower-cased name: only a trigram index serves that without reading every patient.
        modelBuilder.HasPostgresExtension("pg_trgm");
        modelBuilder.Entity<Patient>()
            .HasIndex(p => p.SearchName, "IX_Patients_SearchName_trgm")
            .HasMethod("gin")
            .HasOperators("gin_trgm_ops");

        // queueHealth groups open lines by status, owner and pharmacy (and filters by clinic): with these columns in
        // the index it reads only the open statuses' index entries, never the lines themselves.
        NpgsqlIndexBuilderExtensions.IncludeProperties(
            modelBuilder.Entity<OrderLine>().HasIndex(l => new { l.OrganizationId, l.Status, l.StatusSince }),
            l => new { l.Owner, l.PharmacyId, l.ClinicId });
    }
}

/// <summary>SQL Server. Its migrations live in Data/Migrations/SqlServer.</summary>
public sealed class SqlServerHeadlessDbContext(DbContextOptions<SqlServerHeadlessDbContext> options, TenantContext tenant)
    : HeadlessDbContext(options, tenant)
{
    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        base.OnModelCreating(modelBuilder);

        // As on PostgreSQL: queueHealth's aggregates read the index alone.
        SqlServerIndexBuilderExtensions.IncludeProperties(
            modelBuilder.Entity<OrderLine>().HasIndex(l => new { l.OrganizationId, l.Status, l.StatusSince }),
            l => new { l.Owner, l.PharmacyId, l.ClinicId });
    }
}
