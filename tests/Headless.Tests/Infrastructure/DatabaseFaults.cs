using System.Data.Common;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Npgsql;

namespace Headless.Tests.Infrastructure;

/// <summary>
/// Makes the database fail on purpose: commands that write (INSERT, UPDATE, DELETE) throw the provider's own
/// "deadlock / database is locked" error while <see cref="WritesToFail"/> is above zero, one write at a time.
/// </summary>
public sealed class DatabaseFaults : DbCommandInterceptor
{
    private int _writesToFail;

    /// <summary>How many of the next writes fail; <see cref="int.MaxValue"/> for every one.</summary>
    public int WritesToFail
    {
        get => Volatile.Read(ref _writesToFail);
        set => Volatile.Write(ref _writesToFail, value);
    }

    /// <summary>Writes that failed so far.</summary>
    public int Failed => Volatile.Read(ref _failed);

    private int _failed;

    public override ValueTask<InterceptionResult<DbDataReader>> ReaderExecutingAsync(DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result, CancellationToken cancellationToken = default)
    {
        MaybeFail(command);
        return ValueTask.FromResult(result);
    }

    public override ValueTask<InterceptionResult<int>> NonQueryExecutingAsync(DbCommand command, CommandEventData eventData, InterceptionResult<int> result, CancellationToken cancellationToken = default)
    {
        MaybeFail(command);
        return ValueTask.FromResult(result);
    }

    public override ValueTask<InterceptionResult<object>> ScalarExecutingAsync(DbCommand command, CommandEventData eventData, InterceptionResult<object> result, CancellationToken cancellationToken = default)
    {
        MaybeFail(command);
        return ValueTask.FromResult(result);
    }

    private void MaybeFail(DbCommand command)
    {
        var sql = command.CommandText.TrimStart();
        var writes = sql.StartsWith("INSERT", StringComparison.OrdinalIgnoreCase) || sql.StartsWith("UPDATE", StringComparison.OrdinalIgnoreCase) ||
            sql.StartsWith("DELETE", StringComparison.OrdinalIgnoreCase) || sql.Contains("\nUPDATE ", StringComparison.OrdinalIgnoreCase);
        if (!writes)
        {
            return;
        }

        while (true)
        {
            var left = Volatile.Read(ref _writesToFail);
            if (left <= 0)
            {
                return;
            }

            if (left == int.MaxValue || Interlocked.CompareExchange(ref _writesToFail, left - 1, left) == left)
            {
                Interlocked.Increment(ref _failed);
                throw command is SqliteCommand
                    ? new SqliteException("database is locked", 5)
                    : new PostgresException("deadlock detected", "ERROR", "ERROR", PostgresErrorCodes.DeadlockDetected);
            }
        }
    }
}
