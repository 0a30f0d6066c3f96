using Headless.Data;
using Microsoft.Extensions.Options;

namespace Headless.Outbox;

/// <summary>
/// Runs <see cref="OutboxOptions.Workers"/> drain loops (one on SQLite), each with its own lease owner id
/// "{machine}-{guid}-{n}". A loop drains a batch, then waits <see cref="OutboxOptions.PollInterval"/> on the
/// <see cref="TimeProvider"/>, or goes again at once when the batch was full. Starts only once the host has
/// started (migrations applied) and stops on shutdown, giving unprocessed leases back.
/// </summary>
public sealed class OutboxWorker(
    OutboxProcessor processor,
    HeadlessDatabase database,
    IOptions<OutboxOptions> options,
    IHostApplicationLifetime lifetime,
    TimeProvider clock,
    ILogger<OutboxWorker> logger) : BackgroundService
{
    /// <summary>The lease owner ids of this instance's loops (filled when the worker starts).</summary>
    public IReadOnlyList<string> WorkerIds { get; private set; } = [];

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var o = options.Value;
        if (!o.Enabled)
        {
            logger.LogInformation("Outbox workers are disabled in this instance");
            return;
        }

        // Hosted services start in order; wait until all have (DatabaseStartup migrates) before touching the table.
        if (!await WaitForStartAsync(stoppingToken))
        {
            return;
        }

        var count = database.Provider == DatabaseProvider.Sqlite ? 1 : o.Workers;
        var machine = Environment.MachineName;
        machine = machine.Length > 40 ? machine[..40] : machine;
        var run = Guid.NewGuid().ToString("N");
        WorkerIds = Enumerable.Range(1, count).Select(n => $"{machine}-{run}-{n}").ToList();
        logger.LogInformation("Starting {Count} outbox worker(s) on {Provider}", count, database.Provider);
        await Task.WhenAll(WorkerIds.Select(id => Task.Run(() => RunLoopAsync(id, o, stoppingToken), CancellationToken.None)));
    }

    private async Task<bool> WaitForStartAsync(CancellationToken stoppingToken)
    {
        if (lifetime.ApplicationStarted.IsCancellationRequested)
        {
            return true;
        }

        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var onStarted = lifetime.ApplicationStarted.Register(() => started.TrySetResult());
        using var onStopping = stoppingToken.Register(() => started.TrySetCanceled(stoppingToken));
        try
        {
            await started.Task;
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private async Task RunLoopAsync(string workerId, OutboxOptions o, CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            int leased;
            try
            {
                leased = await processor.DrainOnceAsync(workerId, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex)
            {
                logger.LogError("Outbox worker {WorkerId} failed to drain: {ExceptionType}", workerId, ex.GetType().Name);
                leased = 0;
            }

            if (leased >= o.BatchSize)
            {
                continue;
            }

            try
            {
                await Task.Delay(o.PollInterval, clock, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
    }
}
