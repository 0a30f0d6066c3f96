using Headless.Data;
using Headless.Tests.Infrastructure;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace Headless.Tests.Data;

/// <summary>
/// Migration JsonLicensesAndStates moves a pharmacy's shipping states and a prescriber's licenses from their own tables
/// into JSON columns of their owners' rows. A database that had rows in the old tables keeps every one of them.
/// </summary>
public abstract class JsonLicensesAndStatesMigrationTests(DatabaseProvider provider, PostgresServer? postgres)
{
    [ProviderFact]
    public async Task Existing_states_and_licenses_survive_the_move_into_json_columns()
    {
        var (connectionString, keepAlive) = await OpenDatabaseAsync();
        await using (keepAlive)
        {
            await using var context = MigrationTests.CreateContext(provider, connectionString);
            var migrations = context.Database.GetMigrations().ToList();
            var move = migrations.FindIndex(m => m.EndsWith("_JsonLicensesAndStates", StringComparison.Ordinal));
            Assert.True(move > 0, "The migration JsonLicensesAndStates is missing.");
            await context.GetService<IMigrator>().MigrateAsync(migrations[move - 1]);

            // Rows written as the previous schema had them.
            var rows = """
                INSERT INTO "Organizations" ("Id", "CreatedAt", "Name", "Slug") VALUES (1, {created}, 'Org', 'org');
                INSERT INTO "Pharmacies" ("Id", "Currency", "Name", "ShippingFee", "TurnaroundDays") VALUES (1, 'USD', 'East', 900, 3), (2, 'USD', 'Nowhere', 900, 3);
                INSERT INTO "PharmacyShippingStates" ("PharmacyId", "State") VALUES (1, 'NY'), (1, 'CA'), (1, 'TX');
                INSERT INTO "Prescribers" ("Id", "CreatedAt", "FirstName", "LastName", "Npi", "OrganizationId") VALUES (1, {created}, 'Ana', 'Ortiz', '1234567893', 1), (2, {created}, 'Ben', 'None', '1245319599', 1);
                INSERT INTO "PrescriberLicenses" ("PrescriberId", "State", "Number", "ExpiresOn") VALUES (1, 'NY', 'NY-1', '2030-06-30'), (1, 'CO', 'DR.0081234', '2029-01-31');
                """;
            await context.Database.ExecuteSqlRawAsync(rows.Replace("{created}", provider == DatabaseProvider.Sqlite ? "0" : "now()", StringComparison.Ordinal));

            await context.Database.MigrateAsync();

            var pharmacies = await context.Pharmacies.IgnoreQueryFilters().AsNoTracking().OrderBy(p => p.Id).ToListAsync();
            Assert.Equal(["CA", "NY", "TX"], pharmacies[0].ShipsTo.Select(s => s.State).Order(StringComparer.Ordinal));
            Assert.Empty(pharmacies[1].ShipsTo);
            var prescribers = await context.Prescribers.IgnoreQueryFilters().AsNoTracking().OrderBy(p => p.Id).ToListAsync();
            Assert.Equal(
                [("CO", "DR.0081234", new DateOnly(2029, 1, 31)), ("NY", "NY-1", new DateOnly(2030, 6, 30))],
                prescribers[0].Licenses.Select(l => (l.State, l.Number, l.ExpiresOn)).OrderBy(l => l.State, StringComparer.Ordinal));
            Assert.Empty(prescribers[1].Licenses);
        }
    }

    private async Task<(string ConnectionString, IAsyncDisposable KeepAlive)> OpenDatabaseAsync()
    {
        if (provider == DatabaseProvider.Postgres)
        {
            return (await postgres!.CreateDatabaseAsync(), new NoOp());
        }

        // A named in-memory database lives as long as one connection to it stays open.
        var connectionString = $"Data Source=migration-{Guid.NewGuid():N};Mode=Memory;Cache=Shared";
        var keep = new SqliteConnection(connectionString);
        await keep.OpenAsync();
        return (connectionString, keep);
    }

    private sealed class NoOp : IAsyncDisposable
    {
        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}

public sealed class JsonLicensesAndStatesMigrationTestsOnSqlite() : JsonLicensesAndStatesMigrationTests(DatabaseProvider.Sqlite, null);

[Collection(PostgresCollection.Name)]
public sealed class JsonLicensesAndStatesMigrationTestsOnPostgres(PostgresServer postgres) : JsonLicensesAndStatesMigrationTests(DatabaseProvider.Postgres, postgres);
