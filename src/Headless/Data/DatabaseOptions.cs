using System.ComponentModel.DataAnnotations;

namespace Headless.Data;

/// <summary>The database providers the service can run on.</summary>
public enum DatabaseProvider
{
    Sqlite,
    Postgres,
    SqlServer,
}

/// <summary>Settings under Headless:Database.</summary>
public sealed class DatabaseOptions
{
    public const string Section = "Headless:Database";

    public DatabaseProvider Provider { get; set; } = DatabaseProvider.Sqlite;

    /// <summary>Optional for SQLite (a file next to the working directory is used); required otherwise.</summary>
    public string? ConnectionString { get; set; }

    /// <summary>Apply pending migrations at start-up. Always done for SQLite; opt-in for server databases.</summary>
    public bool MigrateOnStartup { get; set; }

    /// <summary>Seconds a single command may run before it is cancelled.</summary>
    [Range(1, 600)]
    public int CommandTimeoutSeconds { get; set; } = 30;

    public const string DefaultSqliteConnectionString = "Data Source=headless.db";

    public string EffectiveConnectionString => Provider switch
    {
        DatabaseProvider.Sqlite => string.IsNullOrWhiteSpace(ConnectionString) ? DefaultSqliteConnectionString : ConnectionString,
        _ => string.IsNullOrWhiteSpace(ConnectionString)
            ? throw new InvalidOperationException($"{Section}:ConnectionString is required for the {Provider} provider.")
            : ConnectionString,
    };

    public bool ShouldMigrateOnStartup => Provider == DatabaseProvider.Sqlite || MigrateOnStartup;
}
