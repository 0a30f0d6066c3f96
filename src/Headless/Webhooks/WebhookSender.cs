using System.Diagnostics;
using System.Net;
using System.Text;
using Headless.Data;
using Headless.Events;
using Headless.Outbox;
using Headless.Secrets;
using Headless.Shared;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Headless.Webhooks;

/// <summary>
/// Sends one delivery (outbox kind <see cref="WebhookQueue.Kind"/>): Standard Webhooks headers, the body fixed at the
/// first attempt, signed with every live secret newest first; a timeout, no redirects, the destination guard at
/// connection time. Any 2xx is success; 410 disables the endpoint; anything else is retried on the delivery's own
/// schedule (<see cref="WebhooksOptions.EffectiveRetrySchedule"/>, stretched by up to 20% at random, and never sooner
/// than a 429/502/503/504's Retry-After), until the schedule runs out or the endpoint has failed for
/// <see cref="WebhooksOptions.DisableAfter"/>. While an earlier delivery of the same endpoint is still on its way, a
/// later one waits for it, so an endpoint receives its events in log order, also when it comes back after an outage:
/// the first success after failures brings every waiting delivery forward, and they leave in order.
/// </summary>
internal sealed class WebhookSender(
    HeadlessDatabase database,
    IHttpClientFactory httpClients,
    SecretProtector secrets,
    WebhookPayloadQueries payloadQueries,
    IOptions<WebhooksOptions> options,
    HeadlessMetrics metrics,
    TimeProvider clock,
    ILogger<WebhookSender> logger) : IOutboxHandler
{
    public const string HttpClientName = "webhooks";

    /// <summary>How long a later delivery waits before looking again whether the earlier one has gone.</summary>
    internal static readonly TimeSpan OrderWait = TimeSpan.FromSeconds(1);

    /// <summary>An earlier delivery overdue by longer than this no longer holds later ones back (its message is stuck).</summary>
    internal static readonly TimeSpan OrderWindow = TimeSpan.FromMinutes(10);

    /// <summary>The longest Retry-After honoured.</summary>
    internal static readonly TimeSpan MaxRetryAfter = TimeSpan.FromDays(1);

    public string Kind => WebhookQueue.Kind;

    public async Task HandleAsync(OutboxMessage message, CancellationToken ct)
    {
        var id = OutboxQueue.Read<WebhookQueue.DeliverWebhook>(message).DeliveryId;
        await using var db = database.CreatePlatformContext();
        var delivery = await db.Set<WebhookDelivery>().IgnoreQueryFilters().FirstOrDefaultAsync(d => d.Id == id, ct);
        var endpoint = delivery is null ? null : await db.Set<WebhookEndpoint>().IgnoreQueryFilters().AsNoTracking().FirstOrDefaultAsync(e => e.Id == delivery.EndpointId, ct);
        if (delivery is null || endpoint is null || delivery.Status != WebhookDeliveryStatus.Pending)
        {
            return;
        }

        var now = clock.GetUtcNow();
        if (endpoint.Status != WebhookEndpointStatus.Enabled)
        {
            delivery.Abandon();
            await SaveAsync(db, delivery, ct);
            return;
        }

        if (delivery.NextAttemptAt is { } due && due > now)
        {
            // The message ran ahead of its delivery (an outcome recorded just before a crash): keep the delivery's time.
            throw new OutboxRescheduleException(due, "NotDue");
        }

        // Strict order per endpoint: while an earlier event's delivery is still on its way (in flight, due, or waiting for
        // a retry because the endpoint fails), this one waits for it; it tries again when that one has next moved.
        // An earlier delivery whose time passed long ago is stuck (its message was lost or parked) and holds nothing back.
        var stuck = now - OrderWindow;
        var earlier = await db.Set<WebhookDelivery>().IgnoreQueryFilters()
            .Where(d => d.EndpointId == delivery.EndpointId && d.Id != delivery.Id && d.Status == WebhookDeliveryStatus.Pending
                && d.EventPosition < delivery.EventPosition && d.NextAttemptAt >= stuck)
            .OrderBy(d => d.NextAttemptAt)
            .Select(d => d.NextAttemptAt)
            .FirstOrDefaultAsync(ct);
        if (earlier is { } moves)
        {
            var wait = moves > now ? moves + OrderWait : now + OrderWait;
            delivery.Wait(wait);
            await SaveAsync(db, delivery, ct);
            throw new OutboxRescheduleException(wait, "WaitingForEarlierDelivery");
        }

        var trigger = delivery.NextTrigger;
        var outcome = await AttemptAsync(db, delivery, endpoint, now, ct);
        if (outcome.Error is { } failed)
        {
            metrics.WebhookDeliveryFailed(failed.ToString());
        }

        var o = options.Value;
        var finished = clock.GetUtcNow();
        db.Add(new WebhookDeliveryAttempt(delivery.OrganizationId, delivery.Id, delivery.AttemptCount + 1, now, trigger, outcome.StatusCode, outcome.DurationMs, outcome.Error, outcome.ResponseBody));

        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var endpoints = db.Set<WebhookEndpoint>().IgnoreQueryFilters().Where(e => e.Id == endpoint.Id);
        DateTimeOffset? next = null;
        if (outcome.Error is null)
        {
            delivery.Succeed(finished);
            if (endpoint.FailingSince is not null)
            {
                // Back after failing: what waits for a retry goes now, in order, rather than at each one's next slot.
                await endpoints.ExecuteUpdateAsync(s => s.SetProperty(e => e.FailingSince, (DateTimeOffset?)null), ct);
                var waiting = await db.Set<WebhookDelivery>().IgnoreQueryFilters()
                    .Where(d => d.EndpointId == endpoint.Id && d.Id != delivery.Id && d.Status == WebhookDeliveryStatus.Pending && d.NextAttemptAt > finished)
                    .Select(d => d.Id)
                    .ToListAsync(ct);
                await db.Set<WebhookDelivery>().IgnoreQueryFilters().Where(d => waiting.Contains(d.Id))
                    .ExecuteUpdateAsync(s => s.SetProperty(d => d.NextAttemptAt, finished).SetProperty(d => d.Version, d => d.Version + 1), ct);
                await WebhookQueue.BringForwardAsync(db, waiting, finished, ct);
            }
        }
        else if (outcome.StatusCode == (int)HttpStatusCode.Gone)
        {
            delivery.Fail(finished, null);
            await endpoints.Where(e => e.Status == WebhookEndpointStatus.Enabled).ExecuteUpdateAsync(Disable(WebhookDisabledReason.Gone, finished), ct);
            logger.LogWarning("Webhook endpoint {EndpointId} answered 410 Gone and was disabled", endpoint.Id);
        }
        else
        {
            var failingSince = endpoint.FailingSince ?? now;
            if (endpoint.FailingSince is null)
            {
                await endpoints.Where(e => e.FailingSince == null).ExecuteUpdateAsync(s => s.SetProperty(e => e.FailingSince, now), ct);
            }

            var schedule = o.EffectiveRetrySchedule;
            if (finished - failingSince >= o.DisableAfter)
            {
                delivery.Fail(finished, null);
                await endpoints.Where(e => e.Status == WebhookEndpointStatus.Enabled).ExecuteUpdateAsync(Disable(WebhookDisabledReason.Failing, finished), ct);
                logger.LogWarning("Webhook endpoint {EndpointId} has failed every attempt since {FailingSince} and was disabled", endpoint.Id, failingSince);
            }
            else if (delivery.ScheduleStep < schedule.Count)
            {
                var wait = Stretch(schedule[delivery.ScheduleStep], Random.Shared.NextDouble());
                if (outcome.RetryAfter is { } retryAfter && retryAfter > wait)
                {
                    wait = retryAfter;
                }

                next = finished + wait;
                delivery.Fail(finished, next);
            }
            else
            {
                delivery.Fail(finished, null);
            }

            logger.LogInformation(
                "Webhook delivery {DeliveryId} to endpoint {EndpointId} failed (attempt {Attempt}, {Error}, status {StatusCode}); {Next}",
                delivery.Id, endpoint.Id, delivery.AttemptCount, outcome.Error, outcome.StatusCode, next is null ? "given up" : $"next attempt at {next:O}");
        }

        try
        {
            await db.SaveChangesAsync(ct);
            await tx.CommitAsync(ct);
        }
        catch (DbUpdateConcurrencyException)
        {
            // Retried or replayed by hand while this attempt was in flight: keep the attempt, and send again now as asked.
            await tx.RollbackAsync(ct);
            await using var again = database.CreatePlatformContext();
            again.Add(new WebhookDeliveryAttempt(delivery.OrganizationId, delivery.Id, delivery.AttemptCount, now, trigger, outcome.StatusCode, outcome.DurationMs, outcome.Error, outcome.ResponseBody));
            await again.SaveChangesAsync(ct);
            throw new OutboxRescheduleException(finished, "RequeuedDuringAttempt");
        }

        if (next is { } at)
        {
            throw new OutboxRescheduleException(at, outcome.Error?.ToString() ?? "Failed");
        }
    }

    /// <summary>A wait stretched by 0 to 20%: retries of many deliveries do not arrive together.</summary>
    internal static TimeSpan Stretch(TimeSpan wait, double unitRandom) => TimeSpan.FromMilliseconds(Math.Round(wait.TotalMilliseconds * (1 + (0.2 * Math.Clamp(unitRandom, 0, 1)))));

    private static Action<Microsoft.EntityFrameworkCore.Query.UpdateSettersBuilder<WebhookEndpoint>> Disable(WebhookDisabledReason reason, DateTimeOffset now) =>
        s => s.SetProperty(e => e.Status, WebhookEndpointStatus.Disabled)
            .SetProperty(e => e.DisabledReason, (WebhookDisabledReason?)reason)
            .SetProperty(e => e.DisabledAt, (DateTimeOffset?)now)
            .SetProperty(e => e.UpdatedAt, now);

    private sealed record Outcome(int? StatusCode, int DurationMs, WebhookErrorClass? Error, string? ResponseBody, TimeSpan? RetryAfter);

    private async Task<Outcome> AttemptAsync(HeadlessDbContext db, WebhookDelivery delivery, WebhookEndpoint endpoint, DateTimeOffset now, CancellationToken ct)
    {
        var started = clock.GetTimestamp();
        int Elapsed() => (int)Math.Min(int.MaxValue, clock.GetElapsedTime(started).TotalMilliseconds);

        if (delivery.Body is null)
        {
            var e = delivery.EventId is { } eventId ? await db.Set<DomainEvent>().IgnoreQueryFilters().AsNoTracking().FirstOrDefaultAsync(x => x.Id == eventId, ct) : null;
            var body = e is null ? null : endpoint.PayloadQuery is null ? WebhookPayloads.Default(e) : await payloadQueries.ExecuteAsync(endpoint, e, ct);
            if (body is null || body.Length > WebhookPayloads.MaxBodyLength)
            {
                return new Outcome(null, Elapsed(), WebhookErrorClass.Payload, null, null);
            }

            delivery.FixBody(body);
        }

        List<string> keys;
        try
        {
            keys = [secrets.Reveal(endpoint.Secret)];
            if (endpoint.PreviousSecret is { } previous && endpoint.PreviousSecretExpiresAt > now && secrets.TryReveal(previous, out var old))
            {
                keys.Add(old);
            }
        }
        catch (SecretUnavailableException)
        {
            logger.LogError("The signing secret of webhook endpoint {EndpointId} cannot be decrypted; rotate it", endpoint.Id);
            return new Outcome(null, Elapsed(), WebhookErrorClass.SecretUnavailable, null, null);
        }

        var timestamp = now.ToUnixTimeSeconds();
        using var request = new HttpRequestMessage(HttpMethod.Post, endpoint.Url)
        {
            Content = new StringContent(delivery.Body!, Encoding.UTF8, "application/json"),
        };
        request.Headers.Add(WebhookSigning.IdHeader, delivery.WebhookId);
        request.Headers.Add(WebhookSigning.TimestampHeader, timestamp.ToString(System.Globalization.CultureInfo.InvariantCulture));
        request.Headers.Add(WebhookSigning.SignatureHeader, WebhookSigning.Sign(keys, delivery.WebhookId, timestamp, delivery.Body!));
        request.Headers.UserAgent.ParseAdd("Headless-Webhooks/1.0");

        var timeout = options.Value.Timeout;
        using var deadline = new CancellationTokenSource(timeout, clock);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, deadline.Token);
        try
        {
            using var response = await httpClients.CreateClient(HttpClientName).SendAsync(request, HttpCompletionOption.ResponseHeadersRead, linked.Token);
            var body = await ReadSomeAsync(response, linked.Token);
            var status = (int)response.StatusCode;
            if (status is >= 200 and < 300)
            {
                return new Outcome(status, Elapsed(), null, body, null);
            }

            var error = status is >= 300 and < 400 ? WebhookErrorClass.Redirect : WebhookErrorClass.HttpStatus;
            var retryAfter = status is 429 or 502 or 503 or 504 ? RetryAfter(response, clock.GetUtcNow()) : null;
            return new Outcome(status, Elapsed(), error, body, retryAfter);
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested && !ct.IsCancellationRequested)
        {
            return new Outcome(null, Elapsed(), WebhookErrorClass.Timeout, null, null);
        }
        catch (HttpRequestException ex) when (Find<WebhookDestinationRefusedException>(ex) is not null)
        {
            return new Outcome(null, Elapsed(), WebhookErrorClass.DestinationNotAllowed, null, null);
        }
        catch (HttpRequestException)
        {
            return new Outcome(null, Elapsed(), WebhookErrorClass.Connection, null, null);
        }
        catch (IOException)
        {
            return new Outcome(null, Elapsed(), WebhookErrorClass.Connection, null, null);
        }
    }

    /// <summary>The first <see cref="WebhookDeliveryAttempt.MaxResponseBody"/> characters of the answer; the rest is never read.</summary>
    private static async Task<string?> ReadSomeAsync(HttpResponseMessage response, CancellationToken ct)
    {
        await using var stream = await response.Content.ReadAsStreamAsync(ct);
        var buffer = new byte[WebhookDeliveryAttempt.MaxResponseBody * 4];
        var read = 0;
        while (read < buffer.Length)
        {
            var n = await stream.ReadAsync(buffer.AsMemory(read), ct);
            if (n == 0)
            {
                break;
            }

            read += n;
        }

        if (read == 0)
        {
            return null;
        }

        var text = Encoding.UTF8.GetString(buffer, 0, read);
        return text.Length > WebhookDeliveryAttempt.MaxResponseBody ? text[..WebhookDeliveryAttempt.MaxResponseBody] : text;
    }

    private static TimeSpan? RetryAfter(HttpResponseMessage response, DateTimeOffset now)
    {
        var header = response.Headers.RetryAfter;
        var wait = header?.Delta ?? (header?.Date is { } date ? date - now : null);
        return wait is { } w && w > TimeSpan.Zero ? (w > MaxRetryAfter ? MaxRetryAfter : w) : null;
    }

    private static T? Find<T>(Exception? ex)
        where T : Exception
    {
        for (; ex is not null; ex = ex.InnerException)
        {
            if (ex is T found)
            {
                return found;
            }
        }

        return null;
    }

    private static async Task SaveAsync(HeadlessDbContext db, WebhookDelivery delivery, CancellationToken ct)
    {
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateConcurrencyException)
        {
            // Changed meanwhile (requeued by hand): that change stands.
        }
    }
}
