using System.Collections.Concurrent;
using System.Text.Json;
using System.Threading.Channels;

namespace CrmReceiver;

/// <summary>An event the receiver accepted: the headers' id and the body's type, subject and sequence.</summary>
public sealed record AcceptedEvent(string WebhookId, string Type, string? LineNumber, string? OrderNumber, string? Status, int? Sequence, DateTimeOffset ReceivedAt, string Body);

/// <summary>What the receiver did with a verified delivery.</summary>
public enum Outcome
{
    Accepted,
    Duplicate,
    Stale,
}

/// <summary>
/// Drops duplicates by webhook-id (remembered for <see cref="ReceiverOptions.DuplicateRetention"/>) and stale line
/// updates by sequence, then hands the event to the slow work through a channel, so the HTTP answer goes out at once.
/// In memory, as a sample: a real CRM records the webhook-id in the same transaction as the change it makes.
/// </summary>
public sealed class Inbox(TimeProvider clock, Microsoft.Extensions.Options.IOptions<ReceiverOptions> options)
{
    private readonly ConcurrentDictionary<string, DateTimeOffset> _seen = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _sequences = new(StringComparer.Ordinal);
    private readonly List<AcceptedEvent> _accepted = [];
    private readonly object _gate = new();
    private int _rejected;

    public Channel<AcceptedEvent> Work { get; } = Channel.CreateUnbounded<AcceptedEvent>();

    /// <summary>Every accepted event, in the order it arrived.</summary>
    public IReadOnlyList<AcceptedEvent> Accepted
    {
        get
        {
            lock (_gate)
            {
                return [.. _accepted];
            }
        }
    }

    /// <summary>Deliveries refused for their signature or timestamp.</summary>
    public int Rejected => Volatile.Read(ref _rejected);

    internal void Reject() => Interlocked.Increment(ref _rejected);

    public Outcome Receive(string webhookId, JsonElement body, string raw)
    {
        var now = clock.GetUtcNow();
        Forget(now);
        if (!_seen.TryAdd(webhookId, now))
        {
            return Outcome.Duplicate;
        }

        var data = body.TryGetProperty("data", out var d) && d.ValueKind == JsonValueKind.Object ? d : default;
        string? Text(string name) => data.ValueKind == JsonValueKind.Object && data.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
        int? sequence = data.ValueKind == JsonValueKind.Object && data.TryGetProperty("sequence", out var s) && s.ValueKind == JsonValueKind.Number ? s.GetInt32() : null;
        var type = body.TryGetProperty("type", out var t) ? t.GetString() ?? "" : "";
        var accepted = new AcceptedEvent(webhookId, type, Text("lineNumber"), Text("orderNumber"), Text("status"), sequence, now, raw);
        lock (_gate)
        {
            // A line's state only moves forward: an update older than the one applied is dropped.
            if (type == "order_line.status_changed" && accepted.LineNumber is { } line && sequence is { } seq)
            {
                if (_sequences.TryGetValue(line, out var applied) && seq <= applied)
                {
                    return Outcome.Stale;
                }

                _sequences[line] = seq;
            }

            _accepted.Add(accepted);
        }

        Work.Writer.TryWrite(accepted);
        return Outcome.Accepted;
    }

    private void Forget(DateTimeOffset now)
    {
        var cutoff = now - options.Value.DuplicateRetention;
        foreach (var (id, at) in _seen)
        {
            if (at < cutoff)
            {
                _seen.TryRemove(id, out _);
            }
        }
    }
}

/// <summary>The slow work, off the request: here it prints each accepted event.</summary>
public sealed class InboxPrinter(Inbox inbox, ILogger<InboxPrinter> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await foreach (var e in inbox.Work.Reader.ReadAllAsync(stoppingToken))
            {
                logger.LogInformation("{Type} {Subject} {Status} sequence {Sequence} ({WebhookId})", e.Type, e.LineNumber ?? e.OrderNumber, e.Status, e.Sequence, e.WebhookId);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }
}
