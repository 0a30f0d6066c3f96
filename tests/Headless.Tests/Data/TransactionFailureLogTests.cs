using Headless.Data;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Headless.Tests.Data;

/// <summary>
/// The scale-out test saw EF's "An error occurred using a transaction" at Error on a surviving instance right after an
/// outbox handler ran past its timeout (logged as a warning and retried): the cancelled work's transaction failed. A
/// transaction that failed because its work was cancelled, or that lost a race, is not a database error.
/// </summary>
public sealed class TransactionFailureLogTests
{
    [Fact]
    public void A_cancelled_or_contended_transaction_is_debug_and_anything_else_an_error()
    {
        Assert.Equal(LogLevel.Debug, DatabaseErrorLog.TransactionFailureLevel(new OperationCanceledException()));
        Assert.Equal(LogLevel.Debug, DatabaseErrorLog.TransactionFailureLevel(new NpgsqlException("Exception while writing to stream", new TaskCanceledException())));
        Assert.Equal(LogLevel.Debug, DatabaseErrorLog.TransactionFailureLevel(new PostgresException("could not serialize access", "ERROR", "ERROR", PostgresErrorCodes.SerializationFailure)));
        Assert.Equal(LogLevel.Error, DatabaseErrorLog.TransactionFailureLevel(new NpgsqlException("Exception while reading from stream", new IOException("broken pipe"))));
        Assert.Equal(LogLevel.Error, DatabaseErrorLog.TransactionFailureLevel(new PostgresException("disk full", "ERROR", "ERROR", PostgresErrorCodes.DiskFull)));
    }
}
