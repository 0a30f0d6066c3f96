using Headless.Payments;
using Headless.Tests.Infrastructure;
using Npgsql;

namespace Headless.Tests.Payments;

/// <summary>
/// The scale-out test saw "fail: Capture sweep failed: PostgresException" on a surviving instance: its sweep and a
/// settlement elsewhere locked one order's lines at once. A lost race is retried at the next sweep, so it is no error.
/// </summary>
public sealed class CaptureSweepLogTests
{
    [Fact]
    public void A_sweep_that_lost_a_race_logs_no_error_and_any_other_failure_does()
    {
        var logs = new LogRecorder(Microsoft.Extensions.Logging.LogLevel.Debug);
        var logger = logs.CreateLogger(typeof(CaptureSweep).FullName!);

        CaptureSweep.LogFailure(logger, new InvalidOperationException("transient", new PostgresException("deadlock detected", "ERROR", "ERROR", PostgresErrorCodes.DeadlockDetected)));
        CaptureSweep.LogFailure(logger, new PostgresException("canceling statement due to lock timeout", "ERROR", "ERROR", PostgresErrorCodes.LockNotAvailable));
        Assert.Empty(logs.Errors);
        Assert.Equal(2, logs.Entries.Count);

        CaptureSweep.LogFailure(logger, new PostgresException("relation does not exist", "ERROR", "ERROR", PostgresErrorCodes.UndefinedTable));
        Assert.Single(logs.Errors);
    }
}
