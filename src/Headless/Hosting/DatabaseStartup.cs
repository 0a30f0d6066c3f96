using Headless.Data;
using Headless.Demo;
using Headless.Secrets;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.Extensions.Options;

namespace Headless.Hosting;

/// <summary>
/// Applies migrations (always on SQLite, opt-in elsewhere), encrypts stored secrets still in plain text
/// (<see cref="StoredSecrets"/>, on every start) and seeds the demo organization before the server starts accepting requests. Hosted services start before Kestrel listens, so no request can
/// see a half-migrated database.
/// </summary>
internal sealed class DatabaseStartup(
    HeadlessDatabase database,
    IOptions<DatabaseOptions> databaseOptions,
    StoredSecrets secrets,
    DemoSeeder demo,
    ILogger<DatabaseStartup> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var migrate = databaseOptions.Value.ShouldMigrateOnStartup;
        if (migrate)
        {
            var pending = await MigrateAsync(database, cancellationToken);
            logger.LogInformation("Database ready on {Provider}; {Count} migration(s) applied.", database.Provider, pending);
        }

        try
        {
            await secrets.ProtectAllAsync(cancellationToken);
        }
        catch (Exception ex) when (!migrate && !cancellationToken.IsCancellationRequested)
        {
            // Migrations are someone else's job here and the database may be down or not migrated yet: keep starting
            // (/health/ready tells); a secret still in plain text stays unusable until a start-up gets through.
            logger.LogError(
                "Stored secrets could not be checked at start-up ({ExceptionType}); plain-text secrets stay unusable until a start-up encrypts them.",
                ex.GetType().Name);
        }

        await demo.SeedIfEnabledAsync(cancellationToken);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Applies pending migrations; returns how many. Shared by start-up and the operator 'migrate' command.</summary>
    public static async Task<int> MigrateAsync(HeadlessDatabase database, CancellationToken cancellationToken)
    {
        await using var db = database.CreatePlatformContext();
        // On a fresh database EF's first look at its history table fails and is logged as an error; with the
        // (empty) table created first, migrating a new database logs no failure.
        await db.GetService<IHistoryRepository>().CreateIfNotExistsAsync(cancellationToken);
        var pending = (await db.Database.GetPendingMigrationsAsync(cancellationToken)).Count();
        await db.Database.MigrateAsync(cancellationToken);
        if (database.Provider == DatabaseProvider.Sqlite)
        {
            // Write-ahead logging lets readers work while a coordinator's edit commits; the setting persists in the file.
            await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;", cancellationToken);
        }

        return pending;
    }
}
