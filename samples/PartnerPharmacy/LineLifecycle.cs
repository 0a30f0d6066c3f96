using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Options;

namespace PartnerPharmacy;

/// <summary>
/// Drives every accepted line through its lifecycle on the injected <see cref="TimeProvider"/> and delivers the
/// callbacks, one line's events strictly in order, each retried with exponential back-off.
/// Logs only references, line numbers, event types and HTTP outcomes — never patient data or SIGs.
/// </summary>
public sealed partial class LineLifecycle(
    IOptions<SimulatorOptions> options,
    TimeProvider time,
    IHttpClientFactory httpClientFactory,
    WebhookSigner signer,
    OrderBook book,
    ILogger<LineLifecycle> logger) : IHostedService
{
    public const string CallbackClientName = "callbacks";

    private readonly CancellationTokenSource _stopping = new();
    private readonly ConcurrentDictionary<Task, byte> _running = new();

    public Task StartAsync(CancellationToken cancellationToken)
    {
        var o = options.Value;
        LogConfiguration(o.ClientId, o.StepDelay, o.OutOfStockProducts.Length, o.HoldProducts.Length,
            o.ClientSecret == SimulatorOptions.DefaultClientSecret || o.WebhookSecret == SimulatorOptions.DefaultWebhookSecret);
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync();
        try
        {
            await Task.WhenAll(_running.Keys).WaitAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            // Shutting down: in-flight lines are abandoned (the simulator keeps nothing on disk).
        }
    }

    /// <summary>Starts the lifecycle and the callback delivery of each line of a newly accepted order.</summary>
    public void Start(SimOrder order)
    {
        foreach (var line in order.Lines)
        {
            Track(RunAsync(line, _stopping.Token));
            Track(DeliverAsync(line, _stopping.Token));
        }
    }

    /// <summary>Cancels a line that has not started compounding: 200 {"cancelled":true} or 409 with a reason.</summary>
    public IdempotentEntry Cancel(SimLine line)
    {
        lock (line.Gate)
        {
            switch (line.State)
            {
                case LineState.Accepted or LineState.Received or LineState.OnHold:
                    line.State = LineState.Cancelled;
                    Enqueue(line, EventTypes.Cancelled);
                    line.Outbox.Writer.TryComplete();
                    LogCancelled(line.Reference, line.LineNumber);
                    return new IdempotentEntry("", StatusCodes.Status200OK, new CancelResponse(true), line.Reference);
                case LineState.Cancelled:
                    return new IdempotentEntry("", StatusCodes.Status200OK, new CancelResponse(true), line.Reference);
                case LineState.Rejected:
                    return new IdempotentEntry("", StatusCodes.Status409Conflict, new CancelResponse(false, "line rejected"), line.Reference);
                default:
                    return new IdempotentEntry("", StatusCodes.Status409Conflict, new CancelResponse(false, "compounding started"), line.Reference);
            }
        }
    }

    /// <summary>
    /// Answers a support ticket with a signed support.reply callback to the line's callback URL, after one step delay when
    /// <paramref name="delayed"/>. Returns the event id. The reply goes out on its own, beside the line's events.
    /// </summary>
    public string ReplyToSupport(SupportThread thread, string message, bool delayed)
    {
        var id = "evt_" + Guid.NewGuid().ToString("N");
        Track(ReplyAsync(thread, id, message, delayed, _stopping.Token));
        return id;
    }

    private async Task ReplyAsync(SupportThread thread, string id, string message, bool delayed, CancellationToken ct)
    {
        try
        {
            if (delayed)
            {
                await StepAsync(ct);
            }

            var line = thread.Line;
            var evt = new SupportReplyEvent(id, EventTypes.SupportReply, time.GetUtcNow().UtcDateTime, line.Reference, thread.TicketReference, line.LineNumber, message);
            LogEventQueued(evt.Type, line.Reference, line.LineNumber, evt.Id);
            if (await DeliverOneAsync(line.CallbackUrl, evt.Id, evt.Type, line.Reference, line.LineNumber, JsonSerializer.Serialize(evt, SimulatorJson.Options), ct))
            {
                thread.CountReply();
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
        catch (Exception ex)
        {
            LogLifecycleFailed(ex, thread.Line.Reference, thread.Line.LineNumber);
        }
    }

    /// <summary>Sends one signed offering.updated (stock 0) for an offering the simulator ran out of, to the callback URL of the order that emptied it.</summary>
    public void ReportOutOfStock(Uri callbackUrl, string offeringId, string reference, string lineNumber)
    {
        var evt = new OfferingUpdatedEvent("evt_" + Guid.NewGuid().ToString("N"), EventTypes.OfferingUpdated, time.GetUtcNow().UtcDateTime, offeringId, 0);
        LogEventQueued(evt.Type, reference, lineNumber, evt.Id);
        Track(SendOfferingUpdateAsync(callbackUrl, evt, reference, lineNumber, _stopping.Token));
    }

    private async Task SendOfferingUpdateAsync(Uri callbackUrl, OfferingUpdatedEvent evt, string reference, string lineNumber, CancellationToken ct)
    {
        try
        {
            await DeliverOneAsync(callbackUrl, evt.Id, evt.Type, reference, lineNumber, JsonSerializer.Serialize(evt, SimulatorJson.Options), ct);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
        catch (Exception ex)
        {
            LogLifecycleFailed(ex, reference, lineNumber);
        }
    }

    private void Track(Task task)
    {
        _running.TryAdd(task, 0);
        _ = task.ContinueWith(t => _running.TryRemove(t, out _), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    private async Task RunAsync(SimLine line, CancellationToken ct)
    {
        try
        {
            await StepAsync(ct);
            lock (line.Gate)
            {
                if (line.State != LineState.Accepted)
                {
                    return; // cancelled before the first event
                }

                var first = line.Initial;
                line.State = first.Type switch
                {
                    EventTypes.Rejected => LineState.Rejected,
                    EventTypes.OnHold => LineState.OnHold,
                    _ => LineState.Received,
                };
                Enqueue(line, first.Type, reasonCode: first.ReasonCode, message: first.Message, fixable: first.Fixable, owner: first.Owner);
                if (line.State == LineState.Rejected)
                {
                    line.Outbox.Writer.TryComplete();
                }

                if (line.State != LineState.Received)
                {
                    return; // rejected (final) or on hold (stays until cancelled)
                }
            }

            if (!await AdvanceAsync(line, LineState.Received, LineState.Compounding, EventTypes.Compounding, ct))
            {
                return;
            }

            if (!await AdvanceAsync(line, LineState.Compounding, LineState.Shipped, EventTypes.Shipped, ct))
            {
                return;
            }

            await AdvanceAsync(line, LineState.Shipped, LineState.Delivered, EventTypes.Delivered, ct);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
        catch (Exception ex)
        {
            LogLifecycleFailed(ex, line.Reference, line.LineNumber);
        }
    }

    private async Task<bool> AdvanceAsync(SimLine line, LineState from, LineState to, string type, CancellationToken ct)
    {
        await StepAsync(ct);
        lock (line.Gate)
        {
            if (line.State != from)
            {
                return false; // cancelled meanwhile
            }

            line.State = to;
            if (to == LineState.Shipped)
            {
                var tracking = TrackingNumber();
                Enqueue(line, type, carrier: "UPS", trackingNumber: tracking,
                    trackingUrl: "https://www.ups.com/track?tracknum=" + tracking);
            }
            else
            {
                Enqueue(line, type);
            }

            if (to == LineState.Delivered)
            {
                line.Outbox.Writer.TryComplete();
            }

            return true;
        }
    }

    private Task StepAsync(CancellationToken ct)
    {
        var delay = options.Value.StepDelay;
        return delay <= TimeSpan.Zero ? Task.CompletedTask : Task.Delay(delay, time, ct);
    }

    // Called under line.Gate, so the outbox order is the state order.
    private void Enqueue(
        SimLine line, string type, string? carrier = null, string? trackingNumber = null, string? trackingUrl = null,
        string? reasonCode = null, string? message = null, bool? fixable = null, string? owner = null)
    {
        var evt = new CallbackEvent(
            "evt_" + Guid.NewGuid().ToString("N"), type, time.GetUtcNow().UtcDateTime, line.Reference, line.LineNumber,
            carrier, trackingNumber, trackingUrl, reasonCode, message, fixable, owner);
        line.Outbox.Writer.TryWrite(evt);
        LogEventQueued(type, line.Reference, line.LineNumber, evt.Id);
    }

    private async Task DeliverAsync(SimLine line, CancellationToken ct)
    {
        try
        {
            await foreach (var evt in line.Outbox.Reader.ReadAllAsync(ct))
            {
                await DeliverOneAsync(line.CallbackUrl, evt.Id, evt.Type, evt.Reference, evt.LineNumber, JsonSerializer.Serialize(evt, SimulatorJson.Options), ct);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
        catch (Exception ex)
        {
            LogLifecycleFailed(ex, line.Reference, line.LineNumber);
        }
    }

    /// <summary>Delivers one signed callback with retries; true when Headless acknowledged it.</summary>
    private async Task<bool> DeliverOneAsync(Uri callbackUrl, string eventId, string eventType, string reference, string lineNumber, string body, CancellationToken ct)
    {
        var o = options.Value;
        for (var attempt = 1; attempt <= o.MaxDeliveryAttempts; attempt++)
        {
            book.CountDeliveryAttempt();
            try
            {
                // Each attempt is signed afresh: same webhook-id, current timestamp.
                var timestamp = time.GetUtcNow();
                using var request = new HttpRequestMessage(HttpMethod.Post, callbackUrl)
                {
                    Content = new StringContent(body, Encoding.UTF8, "application/json"),
                };
                request.Headers.TryAddWithoutValidation(WebhookSigner.IdHeader, eventId);
                request.Headers.TryAddWithoutValidation(WebhookSigner.TimestampHeader, timestamp.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture));
                request.Headers.TryAddWithoutValidation(WebhookSigner.SignatureHeader, signer.Sign(eventId, timestamp, body));

                using var client = httpClientFactory.CreateClient(CallbackClientName);
                using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
                var status = (int)response.StatusCode;
                if (response.IsSuccessStatusCode)
                {
                    book.CountEventSent();
                    LogDelivered(eventType, reference, lineNumber, eventId, attempt, status);
                    return true;
                }

                LogAttemptFailed(eventType, reference, lineNumber, eventId, attempt, $"HTTP {status}");
                if (response.StatusCode == HttpStatusCode.Gone)
                {
                    break; // Standard Webhooks: 410 means the endpoint is gone; stop retrying.
                }
            }
            catch (Exception ex) when (!ct.IsCancellationRequested)
            {
                LogAttemptFailed(eventType, reference, lineNumber, eventId, attempt, ex.GetType().Name);
            }

            if (attempt < o.MaxDeliveryAttempts)
            {
                var backoff = o.RetryBaseDelay * Math.Pow(2, attempt - 1);
                if (backoff > TimeSpan.Zero)
                {
                    await Task.Delay(backoff, time, ct);
                }
            }
        }

        book.CountEventFailed();
        LogGaveUp(eventType, reference, lineNumber, eventId);
        return false;
    }

    private static string TrackingNumber()
    {
        const string alphabet = "0123456789ABCDEFGHJKLMNPQRSTUVWXYZ";
        return "1Z" + RandomNumberGenerator.GetString(alphabet, 16);
    }

    [LoggerMessage(Level = LogLevel.Information,
        Message = "Simulator: client id {ClientId}, step delay {StepDelay}, {OutOfStock} out-of-stock and {Hold} hold product(s); demo secrets in use: {DemoSecrets}")]
    private partial void LogConfiguration(string clientId, TimeSpan stepDelay, int outOfStock, int hold, bool demoSecrets);

    [LoggerMessage(Level = LogLevel.Information, Message = "Queued {EventType} for {Reference} line {LineNumber} ({EventId})")]
    private partial void LogEventQueued(string eventType, string reference, string lineNumber, string eventId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Delivered {EventType} for {Reference} line {LineNumber} ({EventId}) on attempt {Attempt}: HTTP {Status}")]
    private partial void LogDelivered(string eventType, string reference, string lineNumber, string eventId, int attempt, int status);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Callback {EventType} for {Reference} line {LineNumber} ({EventId}) attempt {Attempt} failed: {Reason}")]
    private partial void LogAttemptFailed(string eventType, string reference, string lineNumber, string eventId, int attempt, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Gave up delivering {EventType} for {Reference} line {LineNumber} ({EventId})")]
    private partial void LogGaveUp(string eventType, string reference, string lineNumber, string eventId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Cancelled {Reference} line {LineNumber}")]
    private partial void LogCancelled(string reference, string lineNumber);

    [LoggerMessage(Level = LogLevel.Error, Message = "Lifecycle of {Reference} line {LineNumber} failed")]
    private partial void LogLifecycleFailed(Exception exception, string reference, string lineNumber);
}
