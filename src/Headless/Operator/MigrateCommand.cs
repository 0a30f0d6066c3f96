using System.CommandLine;
using Headless.Hosting;
using Microsoft.Extensions.Options;

namespace Headless.Operator;

/// <summary>'migrate': the schema migrations a server start applies on SQLite, for databases where start-up does not (README "Database").</summary>
internal static class MigrateCommand
{
    public static Command Create(OperatorSession session)
    {
        var migrate = new Command("migrate", "Applies pending database migrations to the configured database and exits.");
        migrate.SetOperatorAction(
            session,
            async (_, s, ct) =>
            {
                var provider = s.Get<IOptions<Data.DatabaseOptions>>().Value.Provider;
                var applied = await DatabaseStartup.MigrateAsync(s.Database, ct);
                await s.Console.Out.WriteLineAsync(applied == 0
                    ? $"The {provider} database is up to date; no migration applied."
                    : $"Applied {applied} migration(s) to the {provider} database.");
                return 0;
            },
            migrated: false);
        return migrate;
    }
}
