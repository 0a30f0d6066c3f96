using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace Headless.Data;

/// <summary>
/// EF Core logs every failed command and failed save at Error, with a stack trace. A lost race (see
/// <see cref="Contention"/>) is normal on a refill day and is retried, so it is logged at Debug instead;
/// every other database failure keeps an Error entry. EF's own entries for these two events are moved to
/// Debug and this interceptor writes them again at the right level. The entry names the failure's exception
/// type, the provider's error code and, for a command, the SQL text (never parameter values: sensitive data
/// logging stays off), but not the exception's message, which can quote a refused value. A commit or rollback that
/// failed is treated the same way, and one that failed because its work was cancelled (an outbox handler past its
/// timeout, a client that went away) is not a database error either.
/// </summary>
internal sealed class DatabaseErrorLog(ILogger logger) : DbCommandInterceptor, ISaveChangesInterceptor, IDbTransactionInterceptor
{
    public static readonly (EventId, LogLevel)[] Downgraded =
    [
        (RelationalEventId.CommandError, LogLevel.Debug),
        (CoreEventId.SaveChangesFailed, LogLevel.Debug),

        // The failed command behind a failed query is logged above; EF's entry would repeat it with its message.
        (CoreEventId.QueryIterationFailed, LogLevel.Debug),
        (RelationalEventId.TransactionError, LogLevel.Debug),
    ];

    /// <summary>Debug for a transaction that lost a race or whose work was cancelled; Warning for a timeout; Error for anything else.</summary>
    internal static LogLevel TransactionFailureLevel(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is OperationCanceledException)
            {
                return LogLevel.Debug;
            }
        }

        return Level(exception);
    }

    /// <summary>Debug for a lost race, Warning for a timeout (the database is short of capacity, the client is told to retry), Error otherwise.</summary>
    private static LogLevel Level(Exception exception) =>
        Contention.IsContention(exception) ? LogLevel.Debug : Contention.IsTimeout(exception) ? LogLevel.Warning : LogLevel.Error;

    public void TransactionFailed(DbTransaction transaction, TransactionErrorEventData eventData) => WriteTransaction(eventData);

    public Task TransactionFailedAsync(DbTransaction transaction, TransactionErrorEventData eventData, CancellationToken cancellationToken = default)
    {
        WriteTransaction(eventData);
        return Task.CompletedTask;
    }

    private void WriteTransaction(TransactionErrorEventData eventData)
    {
        var level = TransactionFailureLevel(eventData.Exception);
        if (logger.IsEnabled(level))
        {
            var cause = Innermost(eventData.Exception);
            logger.Log(level, "A transaction {Action} failed: {ExceptionType} {ErrorCode}", eventData.Action, cause.GetType().Name, ErrorCode(cause));
        }
    }

    public override void CommandFailed(DbCommand command, CommandErrorEventData eventData) => Write(eventData.Exception, command.CommandText);

    public override Task CommandFailedAsync(DbCommand command, CommandErrorEventData eventData, CancellationToken cancellationToken = default)
    {
        Write(eventData.Exception, command.CommandText);
        return Task.CompletedTask;
    }

    public void SaveChangesFailed(DbContextErrorEventData eventData) => Write(eventData.Exception, null);

    public Task SaveChangesFailedAsync(DbContextErrorEventData eventData, CancellationToken cancellationToken = default)
    {
        Write(eventData.Exception, null);
        return Task.CompletedTask;
    }

    private void Write(Exception exception, string? sql)
    {
        var level = Level(exception);
        if (!logger.IsEnabled(level))
        {
            return;
        }

        // The type and the provider's error code only: a database error's message can quote a value it refused.
        var cause = Innermost(exception);
        var code = ErrorCode(cause);
        if (sql is null)
        {
            logger.Log(level, "Saving changes failed: {ExceptionType} {ErrorCode}", cause.GetType().Name, code);
        }
        else
        {
            logger.Log(level, "A database command failed: {ExceptionType} {ErrorCode}\n{Sql}", cause.GetType().Name, code, sql);
        }
    }

    private static string? ErrorCode(Exception cause) => cause switch
    {
        Npgsql.PostgresException pg => pg.SqlState,
        Microsoft.Data.Sqlite.SqliteException sqlite => sqlite.SqliteExtendedErrorCode.ToString(System.Globalization.CultureInfo.InvariantCulture),
        Microsoft.Data.SqlClient.SqlException sql2 => sql2.Number.ToString(System.Globalization.CultureInfo.InvariantCulture),
        _ => null,
    };

    private static Exception Innermost(Exception exception)
    {
        var e = exception;
        while (e.InnerException is not null && e is not DbException)
        {
            e = e.InnerException;
        }

        return e;
    }
}
