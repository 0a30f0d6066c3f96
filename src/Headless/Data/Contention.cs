using Microsoft.Data.SqlClient;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Headless.Data;

/// <summary>
/// Tells database contention (another transaction got there first, held a lock, or deadlocked with this one)
/// apart from real failures, and retries work that lost such a race. Contention is normal on a refill day:
/// it is retried inside the request with jittered back-off and, only once a bounded budget is spent,
/// reported to the client as a retryable BUSY_RETRY user error, never as an internal error.
/// </summary>
public static class Contention
{
    /// <summary>Attempts before giving up; with the back-off below they span roughly a second and a half.</summary>
    public const int MaxAttempts = 8;

    /// <summary>
    /// True for an exception that means "retry and it will probably work": an optimistic concurrency
    /// conflict, a unique key taken by a concurrent insert, a deadlock, a serialization failure, or a lock that
    /// could not be had in time.
    /// </summary>
    public static bool IsContention(Exception exception)
    {
        // Providers' errors arrive wrapped: in DbUpdateException by SaveChanges, and in InvalidOperationException
        // by EF's execution strategy when the provider calls them transient.
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is DbUpdateConcurrencyException or ContentionException || IsTransient(e) || IsUniqueViolation(e))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>A deadlock, serialization failure or lock timeout, on any provider.</summary>
    public static bool IsTransient(Exception exception) => exception switch
    {
        // 40001 serialization_failure, 40P01 deadlock_detected, 55P03 lock_not_available.
        PostgresException pg => pg.SqlState is PostgresErrorCodes.SerializationFailure or PostgresErrorCodes.DeadlockDetected or PostgresErrorCodes.LockNotAvailable,

        // SQLITE_BUSY (5) and SQLITE_LOCKED (6): another connection holds the write lock past the busy timeout.
        SqliteException sqlite => sqlite.SqliteErrorCode is 5 or 6,

        // SQL Server: 1205 deadlock victim, 1222 lock request timeout.
        SqlException sql => sql.Number is 1205 or 1222,
        _ => false,
    };

    /// <summary>
    /// A command or connection that ran out of time (Headless:Database:CommandTimeoutSeconds): under load that is a
    /// wait in a lock queue, such as an organization's event counter, or a full pool. Retrying would queue again for as
    /// long, so <see cref="RetryAsync{T}"/> gives up at once and the client is told to retry later.
    /// </summary>
    public static bool IsTimeout(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is NpgsqlException { InnerException: TimeoutException } or SqlException { Number: -2 })
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>A unique index refused a row another transaction inserted first.</summary>
    public static bool IsUniqueViolation(Exception exception) => exception switch
    {
        PostgresException pg => pg.SqlState == PostgresErrorCodes.UniqueViolation,

        // SQLITE_CONSTRAINT_UNIQUE (2067) and SQLITE_CONSTRAINT_PRIMARYKEY (1555).
        SqliteException sqlite => sqlite.SqliteExtendedErrorCode is 2067 or 1555,
        SqlException sql => sql.Number is 2601 or 2627,
        _ => false,
    };

    /// <summary>
    /// The wait before attempt <paramref name="attempt"/> + 1: 5 ms doubling up to 320 ms, each scaled by a random
    /// factor in [0.5, 1.5) so that racing requests do not collide again in lockstep.
    /// </summary>
    public static TimeSpan BackOff(int attempt, double unitRandom)
    {
        var baseMs = 5 * Math.Pow(2, Math.Clamp(attempt - 1, 0, 6));
        return TimeSpan.FromMilliseconds(baseMs * (0.5 + Math.Clamp(unitRandom, 0, 1)));
    }

    /// <summary>
    /// Runs <paramref name="attempt"/> until it returns, retrying when it throws contention. Each attempt must
    /// start from a fresh DbContext and transaction. Returns null once <see cref="MaxAttempts"/> attempts
    /// have all lost a race, or at the first timeout: the caller answers BUSY_RETRY. Anything else propagates.
    /// </summary>
    public static async Task<T?> RetryAsync<T>(Func<int, Task<T>> attempt, CancellationToken ct)
        where T : class
    {
        for (var n = 1; ; n++)
        {
            try
            {
                return await attempt(n);
            }
            catch (Exception ex) when (IsContention(ex) || IsTimeout(ex))
            {
                if (n >= MaxAttempts || IsTimeout(ex))
                {
                    return null;
                }

                // Real time on purpose: this spaces out racing transactions, it is not business time.
                await Task.Delay(BackOff(n, Random.Shared.NextDouble()), ct);
            }
        }
    }
}

/// <summary>Thrown by code that detected a lost race itself (e.g. stock taken between validation and reservation), so the attempt is retried.</summary>
public sealed class ContentionException(string message) : Exception(message);
