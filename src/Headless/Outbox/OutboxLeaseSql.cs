using Headless.Data;

namespace Headless.Outbox;

/// <summary>The batch-leasing statements for the server databases. Parameters: @now, @until, @owner, @n. Returns the leased ids.</summary>
public static class OutboxLeaseSql
{
    /// <summary>
    /// PostgreSQL: rows locked by a concurrent lease are skipped, and under READ COMMITTED a row another worker leased
    /// and committed meanwhile is re-checked against the WHERE clause (its LeasedUntil is now in the future), so
    /// two workers never lease the same row.
    /// </summary>
    public const string Postgres = """
        UPDATE "OutboxMessages" SET "LeasedUntil" = @until, "LeaseOwner" = @owner
        WHERE "Id" IN (
            SELECT "Id" FROM "OutboxMessages"
            WHERE "Status" = 'PENDING' AND "NextAttemptAt" <= @now AND ("LeasedUntil" IS NULL OR "LeasedUntil" < @now)
            ORDER BY "Id"
            LIMIT @n
            FOR UPDATE SKIP LOCKED)
        RETURNING "Id"
        """;

    /// <summary>
    /// SQL Server: an updatable CTE over the first due rows, reading past rows other workers have locked (READPAST)
    /// and taking update locks on the rows it reads (UPDLOCK, ROWLOCK) until the statement's transaction commits.
    /// </summary>
    public const string SqlServer = """
        WITH [batch] AS (
            SELECT TOP (@n) [Id], [LeasedUntil], [LeaseOwner]
            FROM [OutboxMessages] WITH (UPDLOCK, READPAST, ROWLOCK)
            WHERE [Status] = N'PENDING' AND [NextAttemptAt] <= @now AND ([LeasedUntil] IS NULL OR [LeasedUntil] < @now)
            ORDER BY [Id])
        UPDATE [batch] SET [LeasedUntil] = @until, [LeaseOwner] = @owner
        OUTPUT inserted.[Id];
        """;

    public static string For(DatabaseProvider provider) => provider switch
    {
        DatabaseProvider.Postgres => Postgres,
        DatabaseProvider.SqlServer => SqlServer,
        _ => throw new NotSupportedException($"{provider} leases without row locks (one worker, conditional update)."),
    };
}
