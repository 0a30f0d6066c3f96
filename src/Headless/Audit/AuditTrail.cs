using System.Threading.Channels;
using Headless.Data;
using Microsoft.Extensions.Options;

namespace Headless.Audit;

/// <summary>
/// The audit trail's queue and writer. Requests hand their rows to a bounded channel (a full channel makes the
/// request wait: rows are never dropped); this background service takes them in batches and writes each batch with
/// one SaveChanges, when it is full or <see cref="AuditOptions.FlushInterval"/> after its first row, on the app's
/// clock. A failed write is retried with doubling back-off; after <see cref="AuditOptions.MaxWriteAttempts"/> the
/// batch is given up with an error line that has counts only. On shutdown the channel is closed and drained, bounded
/// by the host's shutdown timeout; a row that arrives after the close is written directly by its request.
/// </summary>
public sealed class AuditTrail : BackgroundService
{
    /// <summary>The longest timer .NET runs; a longer flush interval means batches are written only when full, drained or stopping.</summary>
    private static readonly TimeSpan MaxTimer = TimeSpan.FromMilliseconds(uint.MaxValue - 1);

    private readonly Channel<AuditRecord> _channel;
    private readonly HeadlessDatabase _database;
    private readonly AuditOptions _options;
    private readonly TimeProvider _clock;
    private readonly ILogger<AuditTrail> _logger;
    private readonly CancellationTokenSource _giveUp = new();
    private readonly Lock _lock = new();
    private readonly List<(long Target, TaskCompletionSource Done)> _drains = [];
    private TaskCompletionSource _wake = NewSignal();
    private TaskCompletionSource _someoneWaits = NewSignal();
    private long _accepted;
    private long _settled;
    private long _flushTarget;
    private long _written;
    private long _abandoned;
    private int _waiting;

    public AuditTrail(HeadlessDatabase database, IOptions<AuditOptions> options, TimeProvider clock, ILogger<AuditTrail> logger)
    {
        _database = database;
        _options = options.Value;
        _clock = clock;
        _logger = logger;
        _channel = Channel.CreateBounded<AuditRecord>(new BoundedChannelOptions(_options.ChannelCapacity)
        {
            FullMode = BoundedChannelFullMode.Wait,
            SingleReader = false,
            SingleWriter = false,
        });
    }

    /// <summary>Rows handed to the trail so far.</summary>
    internal long Accepted => Interlocked.Read(ref _accepted);

    /// <summary>Rows in the database.</summary>
    internal long Written => Interlocked.Read(ref _written);

    /// <summary>Rows given up after every attempt failed, or unwritten when shutdown ran out of time.</summary>
    internal long Abandoned => Interlocked.Read(ref _abandoned);

    /// <summary>Requests waiting for room in the channel right now.</summary>
    internal int Waiting => Volatile.Read(ref _waiting);

    /// <summary>Raised when the writer takes the first row of a batch, once the batch's flush-interval timer is running.</summary>
    internal event Action? BatchOpened;

    /// <summary>Raised with the wait each time a failed write is scheduled again, once its timer is running (tests advance the clock by it).</summary>
    internal event Action<TimeSpan>? RetryScheduled;

    /// <summary>Completes once a request waits for room in the channel (the first time after the call).</summary>
    internal Task WhenSomeoneWaitsAsync()
    {
        lock (_lock)
        {
            return Waiting > 0 ? Task.CompletedTask : _someoneWaits.Task;
        }
    }

    /// <summary>
    /// Queues a request's rows. Waits while the channel is full (backpressure instead of loss); never cancelled by
    /// the request, so a client that goes away still leaves its rows.
    /// </summary>
    public async ValueTask EnqueueAsync(IReadOnlyList<AuditRecord> rows)
    {
        foreach (var row in rows)
        {
            Interlocked.Increment(ref _accepted);
            if (!_channel.Writer.TryWrite(row))
            {
                await WaitAndWriteAsync(row);
            }
        }
    }

    /// <summary>Writes everything queued before the call now, without waiting for the flush interval; completes when it is written (or given up).</summary>
    public Task DrainAsync(CancellationToken cancellationToken = default) => WhenSettledAsync(Accepted, flush: true, cancellationToken);

    /// <summary>Completes once <paramref name="target"/> rows in all are written or given up, on the writer's own schedule.</summary>
    internal Task WhenSettledAsync(long target, CancellationToken cancellationToken = default) => WhenSettledAsync(target, flush: false, cancellationToken);

    private Task WhenSettledAsync(long target, bool flush, CancellationToken cancellationToken)
    {
        TaskCompletionSource done;
        lock (_lock)
        {
            if (_settled >= target)
            {
                return Task.CompletedTask;
            }

            done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _drains.Add((target, done));
            if (flush)
            {
                _flushTarget = Math.Max(_flushTarget, target);
                WakeLocked();
            }
        }

        return done.Task.WaitAsync(cancellationToken);
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        // Hosted services stop after the server has finished its requests: close the queue and write what it holds.
        _channel.Writer.TryComplete();
        lock (_lock)
        {
            _flushTarget = long.MaxValue;
            WakeLocked();
        }

        using var deadline = cancellationToken.Register(() => _giveUp.Cancel());
        await base.StopAsync(cancellationToken);
    }

    public override void Dispose()
    {
        _giveUp.Dispose();
        base.Dispose();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // stoppingToken is not used: stopping means draining, and StopAsync's deadline (_giveUp) bounds that.
        var reader = _channel.Reader;
        var batch = new List<AuditRecord>(Math.Min(_options.BatchSize, 1024));
        while (await reader.WaitToReadAsync(CancellationToken.None))
        {
            using (var interval = new CancellationTokenSource())
            {
                var due = Task.Delay(_options.FlushInterval <= MaxTimer ? _options.FlushInterval : Timeout.InfiniteTimeSpan, _clock, interval.Token);
                BatchOpened?.Invoke();
                while (true)
                {
                    var wake = WakeTask();
                    while (batch.Count < _options.BatchSize && reader.TryRead(out var row))
                    {
                        batch.Add(row);
                    }

                    if (batch.Count >= _options.BatchSize || FlushRequested())
                    {
                        break;
                    }

                    var more = reader.WaitToReadAsync(CancellationToken.None).AsTask();
                    var woke = await Task.WhenAny(more, due, wake);
                    if (woke == due || (woke == more && !await more))
                    {
                        break;
                    }
                }

                await interval.CancelAsync();
            }

            if (batch.Count > 0 && !await WriteAsync(batch))
            {
                var left = batch.Count;
                while (reader.TryRead(out _))
                {
                    left++;
                }

                _logger.LogError("Audit trail stopped before writing {Count} audit events: shutdown ran out of time", left);
                Settle(left, written: false);
                return;
            }

            batch.Clear();
        }
    }

    private async Task WaitAndWriteAsync(AuditRecord row)
    {
        lock (_lock)
        {
            _waiting++;
            _someoneWaits.TrySetResult();
            _someoneWaits = NewSignal();
        }

        try
        {
            await _channel.Writer.WriteAsync(row, CancellationToken.None);
        }
        catch (ChannelClosedException)
        {
            // The service is stopping and the writer has been told to finish: this request writes its row itself.
            if (!await WriteAsync([row]))
            {
                _logger.LogError("Audit trail stopped before writing {Count} audit events: shutdown ran out of time", 1);
                Settle(1, written: false);
            }
        }
        finally
        {
            lock (_lock)
            {
                _waiting--;
            }
        }
    }

    /// <summary>Writes one batch with retries. False only when shutdown's deadline passed first (the rows are then unwritten).</summary>
    private async Task<bool> WriteAsync(IReadOnlyList<AuditRecord> batch)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await using var db = _database.CreatePlatformContext();
                db.AuditEvents.AddRange(batch.Select(r => new AuditEvent(r)));
                await db.SaveChangesAsync(_giveUp.Token);
                Settle(batch.Count, written: true);
                return true;
            }
            catch (OperationCanceledException) when (_giveUp.IsCancellationRequested)
            {
                return false;
            }
            catch (Exception ex)
            {
                if (attempt >= _options.MaxWriteAttempts)
                {
                    _logger.LogError("Audit trail gave up writing {Count} audit events after {Attempts} attempts: {ExceptionType}", batch.Count, attempt, ex.GetType().Name);
                    Settle(batch.Count, written: false);
                    return true;
                }

                var wait = _options.BackOff(attempt);
                _logger.LogWarning("Audit trail could not write {Count} audit events (attempt {Attempt} of {MaxAttempts}): {ExceptionType}; retrying in {Wait}",
                    batch.Count, attempt, _options.MaxWriteAttempts, ex.GetType().Name, wait);
                var delay = Task.Delay(wait, _clock, _giveUp.Token);
                RetryScheduled?.Invoke(wait);
                try
                {
                    await delay;
                }
                catch (OperationCanceledException)
                {
                    return false;
                }
            }
        }
    }

    private void Settle(int count, bool written)
    {
        if (written)
        {
            Interlocked.Add(ref _written, count);
        }
        else
        {
            Interlocked.Add(ref _abandoned, count);
        }

        lock (_lock)
        {
            _settled += count;
            for (var i = _drains.Count - 1; i >= 0; i--)
            {
                if (_drains[i].Target <= _settled)
                {
                    _drains[i].Done.TrySetResult();
                    _drains.RemoveAt(i);
                }
            }
        }
    }

    private bool FlushRequested()
    {
        lock (_lock)
        {
            return _flushTarget > _settled;
        }
    }

    private Task WakeTask()
    {
        lock (_lock)
        {
            return _wake.Task;
        }
    }

    private void WakeLocked()
    {
        _wake.TrySetResult();
        _wake = NewSignal();
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
