using System.Collections.Concurrent;
using System.Threading.Channels;
using Headless.Data;
using Headless.Shared;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Headless.Events;

/// <summary>
/// Live reads of organizations' event logs for subscriptions, with replay from a cursor and no gap or duplicate at
/// the seam.
/// <para>
/// Per organization with subscribers, this instance keeps one tail: the position up to which it has read the log and
/// handed the events to the subscribers. A tail reads the log when a commit is announced (<see cref="EventCommits"/>,
/// here or through the fan-out from other instances) and every <see cref="EventsOptions.FeedPollInterval"/> as a
/// safety net, so the log, never a message, is the source of what is delivered: an announcement that is lost only
/// delays events. Positions become visible in order (see <see cref="EventLog"/>), so reading by position skips nothing.
/// </para>
/// <para>
/// A subscriber registers with the tail under the tail's lock, learning the position L the tail has handed out; every
/// later event reaches its buffer. Replaying from a cursor reads the log after registering, until a read comes back
/// empty, so whatever was committed before is read from the log and whatever commits after reaches the buffer; the
/// subscriber drops any event at or before the last position it delivered. A subscriber whose buffer fills stops
/// receiving and reads the log itself from its last position, then carries on from the buffer, so a slow consumer
/// never makes the tail wait and never loses an event.
/// </para>
/// </summary>
public sealed class EventFeed : BackgroundService
{
    private readonly ConcurrentDictionary<long, OrganizationTail> _tails = new();
    private readonly HeadlessDatabase _database;
    private readonly EventsOptions _options;
    private readonly TimeProvider _clock;
    private readonly ILogger<EventFeed> _logger;
    // Not disposed: it has no timer, and pumps may still read its token while the host shuts down.
    private readonly CancellationTokenSource _stopping = new();
    private int _stopped;
    private long _opened;

    public EventFeed(HeadlessDatabase database, EventCommits commits, IOptions<EventsOptions> options, TimeProvider clock, ILogger<EventFeed> logger)
    {
        _database = database;
        _options = options.Value;
        _clock = clock;
        _logger = logger;
        commits.Committed += Notify;
    }

    /// <summary>Subscriptions opened on this instance since it started.</summary>
    public long OpenedTotal => Interlocked.Read(ref _opened);

    /// <summary>Subscribers on this instance, for limits and diagnostics.</summary>
    public int SubscriberCount => _tails.Values.Sum(t => t.Count);

    /// <summary>The organization's log reaches <paramref name="position"/>: its tail reads what it has not handed out yet.</summary>
    public void Notify(long organizationId, long position)
    {
        if (_tails.TryGetValue(organizationId, out var tail) && position > Volatile.Read(ref tail.LastPosition))
        {
            RequestPump(tail);
        }
    }

    /// <summary>Every tail reads its log: after the fan-out reconnects, and on the poll interval.</summary>
    public void NotifyAll()
    {
        foreach (var tail in _tails.Values)
        {
            RequestPump(tail);
        }
    }

    /// <summary>
    /// Registers a subscriber to the organization's events matching <paramref name="filter"/>: with a cursor position,
    /// the events after it and then live ones; without, the events from now on. Throws
    /// <see cref="EventCursorExpiredException"/> when events after the cursor were deleted by retention.
    /// </summary>
    public async Task<FeedSubscription> OpenAsync(long organizationId, EventFilter filter, long? after, CancellationToken ct)
    {
        while (true)
        {
            var tail = _tails.GetOrAdd(organizationId, id => new OrganizationTail(id));
            OrganizationTail.Start start;
            try
            {
                start = await tail.InitializeAsync(LoadStartAsync, ct);
            }
            catch
            {
                // A failed start (database down) is not kept: the next subscriber tries again.
                _tails.TryRemove(new KeyValuePair<long, OrganizationTail>(organizationId, tail));
                throw;
            }

            if (after is { } cursor && cursor < start.PurgedThrough)
            {
                throw new EventCursorExpiredException();
            }

            var subscriber = new FeedSubscriber(filter, _options.SubscriberBuffer);
            lock (tail.Gate)
            {
                if (tail.Retired)
                {
                    continue;
                }

                tail.Add(subscriber);
                Interlocked.Increment(ref _opened);
                var subscription = new FeedSubscription(this, tail, subscriber, after ?? tail.LastPosition, replay: after is not null);

                // Events committed while the tail was starting may not have been announced to it.
                RequestPump(tail);
                return subscription;
            }
        }
    }

    internal void Remove(OrganizationTail tail, FeedSubscriber subscriber)
    {
        lock (tail.Gate)
        {
            if (tail.Remove(subscriber) && tail.Count == 0)
            {
                tail.Retired = true;
                _tails.TryRemove(new KeyValuePair<long, OrganizationTail>(tail.OrganizationId, tail));
            }
        }
    }

    /// <summary>Up to <paramref name="limit"/> matching events after <paramref name="after"/>, in position order.</summary>
    internal async Task<List<DomainEvent>> ReadAsync(long organizationId, EventFilter filter, long after, int limit, CancellationToken ct)
    {
        await using var db = _database.CreatePlatformContext();
        return await filter.Apply(db.Set<DomainEvent>().IgnoreQueryFilters().AsNoTracking().Where(e => e.OrganizationId == organizationId && e.Position > after))
            .OrderBy(e => e.Position)
            .Take(limit)
            .ToListAsync(ct);
    }

    internal int BatchSize => _options.FeedBatchSize;

    private async Task<OrganizationTail.Start> LoadStartAsync(long organizationId, CancellationToken ct)
    {
        await using var db = _database.CreatePlatformContext();
        var stream = await db.Set<EventStream>().AsNoTracking()
            .Where(s => s.OrganizationId == organizationId)
            .Select(s => new { s.LastPosition, s.PurgedThrough })
            .FirstOrDefaultAsync(ct);
        return new OrganizationTail.Start(stream?.LastPosition ?? 0, stream?.PurgedThrough ?? 0);
    }

    private void RequestPump(OrganizationTail tail)
    {
        if (Interlocked.Increment(ref tail.PumpRequests) == 1)
        {
            _ = Task.Run(() => PumpAsync(tail));
        }
    }

    /// <summary>One pump per tail at a time; requests that arrive while it reads make it read once more.</summary>
    private async Task PumpAsync(OrganizationTail tail)
    {
        while (true)
        {
            var seen = Volatile.Read(ref tail.PumpRequests);
            try
            {
                await ReadNewAsync(tail, _stopping.Token);
            }
            catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                // The next announcement or poll reads again from the same position: nothing is skipped.
                _logger.LogWarning("Reading the event log for subscribers failed: {ExceptionType}", ex.GetType().Name);
            }

            if (Interlocked.Add(ref tail.PumpRequests, -seen) == 0)
            {
                return;
            }
        }
    }

    private async Task ReadNewAsync(OrganizationTail tail, CancellationToken ct)
    {
        if (!tail.IsStarted)
        {
            return;
        }

        while (true)
        {
            var batch = await ReadAsync(tail.OrganizationId, EventFilter.All, Volatile.Read(ref tail.LastPosition), _options.FeedBatchSize, ct);
            if (batch.Count == 0)
            {
                return;
            }

            lock (tail.Gate)
            {
                foreach (var e in batch)
                {
                    tail.Dispatch(e);
                }
            }

            if (batch.Count < _options.FeedBatchSize)
            {
                return;
            }
        }
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        IntervalLoop.RunAsync(
            _options.FeedPollInterval,
            _clock,
            _ =>
            {
                NotifyAll();
                return Task.CompletedTask;
            },
            ex => _logger.LogWarning("Event feed poll failed: {ExceptionType}", ex.GetType().Name),
            stoppingToken);

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        // A host may be stopped twice (the application stops itself, then its owner disposes it).
        if (Interlocked.Exchange(ref _stopped, 1) == 0)
        {
            await _stopping.CancelAsync();

            // Open subscriptions end: their streams complete, and the transports tell their clients.
            foreach (var tail in _tails.Values)
            {
                lock (tail.Gate)
                {
                    tail.CompleteAll();
                }
            }
        }

        await base.StopAsync(cancellationToken);
    }
}

/// <summary>Events after the cursor have been deleted by retention: the subscriber must start again without it.</summary>
public sealed class EventCursorExpiredException() : Exception("Events after this cursor are older than the retention period and have been deleted.");

/// <summary>One organization's log as this instance has read it, and its subscribers by route.</summary>
internal sealed class OrganizationTail(long organizationId)
{
    private readonly Dictionary<FeedRoute, List<FeedSubscriber>> _routes = [];
    private Task<Start>? _started;

    public readonly record struct Start(long LastPosition, long PurgedThrough);

    public long OrganizationId { get; } = organizationId;

    /// <summary>Guards registration and hand-out, so a subscriber sees every event after the position it registered at.</summary>
    public object Gate { get; } = new();

    /// <summary>The last position handed out; written under <see cref="Gate"/>.</summary>
    public long LastPosition;

    public int PumpRequests;

    public int Count { get; private set; }

    public bool Retired { get; set; }

    public bool IsStarted => _started is { IsCompletedSuccessfully: true };

    public async Task<Start> InitializeAsync(Func<long, CancellationToken, Task<Start>> load, CancellationToken ct)
    {
        Task<Start> started;
        lock (Gate)
        {
            started = _started ??= StartAsync(load, CancellationToken.None);
        }

        return await started.WaitAsync(ct);
    }

    private async Task<Start> StartAsync(Func<long, CancellationToken, Task<Start>> load, CancellationToken ct)
    {
        var start = await load(OrganizationId, ct);
        lock (Gate)
        {
            LastPosition = Math.Max(LastPosition, start.LastPosition);
        }

        return start;
    }

    public void Add(FeedSubscriber subscriber)
    {
        var route = subscriber.Filter.Route;
        if (!_routes.TryGetValue(route, out var list))
        {
            _routes[route] = list = [];
        }

        list.Add(subscriber);
        Count++;
    }

    public bool Remove(FeedSubscriber subscriber)
    {
        var route = subscriber.Filter.Route;
        if (!_routes.TryGetValue(route, out var list) || !list.Remove(subscriber))
        {
            return false;
        }

        if (list.Count == 0)
        {
            _routes.Remove(route);
        }

        Count--;
        return true;
    }

    public void Dispatch(DomainEvent e)
    {
        if (e.Position <= LastPosition)
        {
            return;
        }

        foreach (var route in EventFilter.RoutesOf(e))
        {
            if (_routes.TryGetValue(route, out var list))
            {
                foreach (var subscriber in list)
                {
                    subscriber.Offer(e);
                }
            }
        }

        Volatile.Write(ref LastPosition, e.Position);
    }

    public void CompleteAll()
    {
        foreach (var subscriber in _routes.Values.SelectMany(l => l))
        {
            subscriber.Complete();
        }
    }
}

internal sealed class FeedSubscriber(EventFilter filter, int capacity)
{
    private int _overflowed;

    public EventFilter Filter { get; } = filter;

    public Channel<DomainEvent> Buffer { get; } = Channel.CreateBounded<DomainEvent>(new BoundedChannelOptions(capacity)
    {
        SingleReader = true,
        SingleWriter = true,
        FullMode = BoundedChannelFullMode.Wait,
    });

    public void Offer(DomainEvent e)
    {
        if (!Filter.Matches(e) || Volatile.Read(ref _overflowed) == 1)
        {
            return;
        }

        if (!Buffer.Writer.TryWrite(e))
        {
            Volatile.Write(ref _overflowed, 1);
        }
    }

    /// <summary>True once after the buffer overflowed: the reader must read the log from its last position.</summary>
    public bool TakeOverflow() => Interlocked.Exchange(ref _overflowed, 0) == 1;

    public void Complete() => Buffer.Writer.TryComplete();
}

/// <summary>
/// One subscriber's events: the replay (when opened with a cursor), then live events, each exactly once and in position
/// order. Enumerate it once; ending the enumeration unregisters the subscriber.
/// </summary>
public sealed class FeedSubscription : IAsyncEnumerable<DomainEvent>, IAsyncDisposable
{
    private readonly EventFeed _feed;
    private readonly OrganizationTail _tail;
    private readonly FeedSubscriber _subscriber;
    private readonly long _start;
    private readonly bool _replay;
    private int _ended;

    internal FeedSubscription(EventFeed feed, OrganizationTail tail, FeedSubscriber subscriber, long start, bool replay)
    {
        _feed = feed;
        _tail = tail;
        _subscriber = subscriber;
        _start = start;
        _replay = replay;
    }

    /// <summary>The position the subscription starts after.</summary>
    public long StartPosition => _start;

    public async IAsyncEnumerator<DomainEvent> GetAsyncEnumerator(CancellationToken cancellationToken = default)
    {
        try
        {
            var last = _start;
            var catchUp = _replay;
            var reader = _subscriber.Buffer.Reader;
            while (true)
            {
                if (catchUp || _subscriber.TakeOverflow())
                {
                    catchUp = false;
                    while (true)
                    {
                        var batch = await _feed.ReadAsync(_tail.OrganizationId, _subscriber.Filter, last, _feed.BatchSize, cancellationToken);
                        foreach (var e in batch)
                        {
                            last = e.Position;
                            yield return e;
                        }

                        if (batch.Count < _feed.BatchSize)
                        {
                            break;
                        }
                    }

                    continue;
                }

                if (reader.TryRead(out var next))
                {
                    if (next.Position > last)
                    {
                        last = next.Position;
                        yield return next;
                    }

                    continue;
                }

                if (!await reader.WaitToReadAsync(cancellationToken))
                {
                    yield break;
                }
            }
        }
        finally
        {
            await DisposeAsync();
        }
    }

    public ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _ended, 1) == 0)
        {
            _feed.Remove(_tail, _subscriber);
        }

        return ValueTask.CompletedTask;
    }
}
