using System.Globalization;
using System.Threading.Channels;

namespace PartnerPharmacy;

public enum LineState
{
    /// <summary>Accepted with the order; the first event (received, rejected or on hold) has not been produced yet.</summary>
    Accepted,
    Received,
    OnHold,
    Rejected,
    Compounding,
    Shipped,
    Delivered,
    Cancelled,
}

/// <summary>What the rules decided for a line at acceptance (applied after the first step delay).</summary>
public sealed record InitialOutcome(string Type, string? ReasonCode = null, string? Message = null, bool? Fixable = null, string? Owner = null);

/// <summary>
/// One accepted line. Holds no patient data and no SIG: only what the lifecycle needs.
/// All state changes and event enqueues happen under <see cref="Gate"/>, so events leave in state order.
/// </summary>
public sealed class SimLine(string reference, string lineNumber, Uri callbackUrl, InitialOutcome initial)
{
    public string Reference { get; } = reference;

    public string LineNumber { get; } = lineNumber;

    public Uri CallbackUrl { get; } = callbackUrl;

    public InitialOutcome Initial { get; } = initial;

    internal object Gate { get; } = new();

    public LineState State { get; internal set; } = LineState.Accepted;

    internal Channel<CallbackEvent> Outbox { get; } =
        Channel.CreateUnbounded<CallbackEvent>(new UnboundedChannelOptions { SingleReader = true });
}

public sealed class SimOrder(string reference, string orderNumber, string? partnerOrderId, IReadOnlyList<SimLine> lines)
{
    public string Reference { get; } = reference;

    public string OrderNumber { get; } = orderNumber;

    public string? PartnerOrderId { get; } = partnerOrderId;

    public IReadOnlyList<SimLine> Lines { get; } = lines;
}

/// <summary>A stored response for an Idempotency-Key: replayed as is for the same key (and same body).</summary>
public sealed class IdempotentEntry(string fingerprint, int statusCode, object body, string? reference)
{
    public string Fingerprint { get; } = fingerprint;

    public int StatusCode { get; } = statusCode;

    public object Body { get; } = body;

    public string? Reference { get; } = reference;

    public int Submissions { get; set; } = 1;
}

/// <summary>A support ticket the simulator was sent messages for: where to reply, and how much it received.</summary>
public sealed class SupportThread(string ticketReference, SimLine line)
{
    public string TicketReference { get; } = ticketReference;

    public SimLine Line { get; } = line;

    private int _repliesSent;

    public int MessagesReceived { get; set; }

    /// <summary>support.reply callbacks acknowledged by Headless.</summary>
    public int RepliesSent => Volatile.Read(ref _repliesSent);

    internal void CountReply() => Interlocked.Increment(ref _repliesSent);
}

public sealed record IdempotencyKeyStats(string Key, int Submissions, string? Reference);

/// <summary>In-memory orders, idempotency records and counters.</summary>
public sealed class OrderBook
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, SimOrder> _orders = new(StringComparer.Ordinal);
    private readonly Dictionary<string, IdempotentEntry> _orderKeys = new(StringComparer.Ordinal);
    private readonly Dictionary<string, IdempotentEntry> _cancelKeys = new(StringComparer.Ordinal);
    private readonly Dictionary<string, IdempotentEntry> _supportKeys = new(StringComparer.Ordinal);
    private readonly Dictionary<string, SupportThread> _support = new(StringComparer.Ordinal);
    private int _nextReference;
    private long _orderRequests;
    private long _eventsSent;
    private long _eventsFailed;
    private long _deliveryAttempts;

    public enum Lookup
    {
        New,
        Replay,
        Conflict,
    }

    public void CountOrderRequest() => Interlocked.Increment(ref _orderRequests);

    public void CountEventSent() => Interlocked.Increment(ref _eventsSent);

    public void CountEventFailed() => Interlocked.Increment(ref _eventsFailed);

    public void CountDeliveryAttempt() => Interlocked.Increment(ref _deliveryAttempts);

    /// <summary>
    /// Under one lock: replays the stored response for a known key, or creates the order through
    /// <paramref name="create"/> and stores its response. Returns the entry and whether the order is new.
    /// </summary>
    public (Lookup Result, IdempotentEntry? Entry, SimOrder? Created) SubmitOrder(
        string idempotencyKey, string fingerprint, Func<string, SimOrder> create)
    {
        lock (_gate)
        {
            if (_orderKeys.TryGetValue(idempotencyKey, out var existing))
            {
                existing.Submissions++;
                return (existing.Fingerprint == fingerprint ? Lookup.Replay : Lookup.Conflict, existing, null);
            }

            var reference = "SIM-" + (++_nextReference).ToString("D6", CultureInfo.InvariantCulture);
            var order = create(reference);
            _orders.Add(reference, order);
            var entry = new IdempotentEntry(fingerprint, StatusCodes.Status201Created, new OrderAccepted(reference, order.Lines.Count), reference);
            _orderKeys.Add(idempotencyKey, entry);
            return (Lookup.New, entry, order);
        }
    }

    /// <summary>Replays a stored cancel response for (path, key), or runs <paramref name="cancel"/> and stores its outcome.</summary>
    public IdempotentEntry Cancel(string scope, string idempotencyKey, Func<IdempotentEntry> cancel)
    {
        var key = scope + "\n" + idempotencyKey;
        lock (_gate)
        {
            if (_cancelKeys.TryGetValue(key, out var existing))
            {
                existing.Submissions++;
                return existing;
            }

            var entry = cancel();
            if (entry.StatusCode is StatusCodes.Status200OK or StatusCodes.Status409Conflict)
            {
                _cancelKeys.Add(key, entry);
            }

            return entry;
        }
    }

    /// <summary>
    /// Replays the stored answer for (line, key), or records a support message for <paramref name="ticketReference"/> and
    /// stores the answer <paramref name="accept"/> gives. Only the ticket reference, its line and counts are kept, never the text.
    /// </summary>
    public (IdempotentEntry Entry, bool Created) ReceiveSupportMessage(string scope, string idempotencyKey, string ticketReference, SimLine line, Func<IdempotentEntry> accept)
    {
        var key = scope + "\n" + idempotencyKey;
        lock (_gate)
        {
            if (_supportKeys.TryGetValue(key, out var existing))
            {
                existing.Submissions++;
                return (existing, false);
            }

            if (!_support.TryGetValue(ticketReference, out var thread))
            {
                thread = _support[ticketReference] = new SupportThread(ticketReference, line);
            }

            thread.MessagesReceived++;
            var entry = accept();
            _supportKeys.Add(key, entry);
            return (entry, true);
        }
    }

    /// <summary>The ticket a support message was received for, to reply to; null when none was.</summary>
    public SupportThread? FindSupport(string ticketReference)
    {
        lock (_gate)
        {
            return _support.GetValueOrDefault(ticketReference);
        }
    }

    public SimOrder? Find(string reference)
    {
        lock (_gate)
        {
            return _orders.GetValueOrDefault(reference);
        }
    }

    public StatsResponse Stats()
    {
        lock (_gate)
        {
            return new StatsResponse(
                _orders.Count,
                _orderKeys.Count,
                Interlocked.Read(ref _eventsSent),
                Interlocked.Read(ref _eventsFailed),
                Interlocked.Read(ref _orderRequests),
                Interlocked.Read(ref _deliveryAttempts));
        }
    }

    public IReadOnlyList<IdempotencyKeyStats> OrderKeys()
    {
        lock (_gate)
        {
            return [.. _orderKeys.Select(kv => new IdempotencyKeyStats(kv.Key, kv.Value.Submissions, kv.Value.Reference))];
        }
    }
}
