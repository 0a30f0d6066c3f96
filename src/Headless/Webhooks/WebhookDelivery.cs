using System.ComponentModel;
using GraphQL;
using Headless.Shared;

namespace Headless.Webhooks;

[Name("WebhookDeliveryStatus")]
[Description("Where a delivery stands.")]
public enum WebhookDeliveryStatus
{
    [Description("Not attempted yet, or waiting for its next attempt after a failure (see attemptCount and nextAttemptAt).")]
    Pending,

    [Description("The endpoint answered 2xx.")]
    Succeeded,

    [Description("Given up: the retries ran out, the endpoint answered 410 or was disabled. webhookDeliveryRetry sends it again.")]
    Failed,
}

[Name("WebhookErrorClass")]
[Description("Why an attempt failed, as a class of error.")]
public enum WebhookErrorClass
{
    [Description("The endpoint answered with a status that is not 2xx (see statusCode).")]
    HttpStatus,

    [Description("The endpoint answered with a redirect, which is never followed.")]
    Redirect,

    [Description("No complete answer within Headless:Webhooks:Timeout (15 s by default).")]
    Timeout,

    [Description("The connection could not be made or broke (DNS, refused, reset, TLS).")]
    Connection,

    [Description("The destination resolves to a private, loopback, link-local or metadata address, which is never called.")]
    DestinationNotAllowed,

    [Description("The payloadQuery could not be executed for this event.")]
    Payload,

    [Description("The endpoint's signing secret could not be decrypted.")]
    SecretUnavailable,
}

/// <summary>What started an attempt.</summary>
[Name("WebhookAttemptTrigger")]
[Description("What started an attempt.")]
public enum WebhookAttemptTrigger
{
    [Description("The first attempt or a scheduled retry.")]
    Scheduled,

    [Description("webhookDeliveryRetry, webhookEndpointReplay or webhookEndpointTest.")]
    Manual,
}

/// <summary>
/// One event on its way to one endpoint. Its <see cref="WebhookId"/> (the webhook-id header) never changes: retries,
/// manual retries and replays of the same event to the same endpoint carry it, so receivers drop duplicates by it.
/// The body is fixed at the first attempt and sent unchanged after; only webhook-timestamp and the signature change.
/// </summary>
public sealed class WebhookDelivery : IEntity, ITenantOwned
{
    /// <summary>The event type of the deliveries webhookEndpointTest makes; not in the event log.</summary>
    public const string TestEventType = "webhook.test";

    private WebhookDelivery()
    {
    }

    public WebhookDelivery(long organizationId, long endpointId, long? eventId, long eventPosition, string eventType, int? sequence, string? body, WebhookAttemptTrigger trigger, DateTimeOffset now)
    {
        NextTrigger = trigger;
        OrganizationId = organizationId;
        EndpointId = endpointId;
        EventId = eventId;
        EventPosition = eventPosition;
        EventType = eventType;
        Sequence = sequence;
        Body = body;
        Status = WebhookDeliveryStatus.Pending;
        NextAttemptAt = now;
        CreatedAt = now;
    }

    public long Id { get; private set; }

    public long OrganizationId { get; private set; }

    public long EndpointId { get; private set; }

    /// <summary>The event log entry; null for a test delivery (or once retention deleted the event).</summary>
    public long? EventId { get; private set; }

    /// <summary>The event's position in the organization's log: deliveries of one endpoint leave in this order.</summary>
    public long EventPosition { get; private set; }

    public string EventType { get; private set; } = "";

    /// <summary>For line events, the line's sequence after the change.</summary>
    public int? Sequence { get; private set; }

    /// <summary>The JSON sent, fixed by the first attempt (null until then).</summary>
    public string? Body { get; private set; }

    public WebhookDeliveryStatus Status { get; private set; }

    public int AttemptCount { get; private set; }

    /// <summary>Scheduled attempts since the delivery was (re)queued: the position in the retry schedule.</summary>
    public int ScheduleStep { get; private set; }

    /// <summary>When the next attempt is due; null when the delivery is finished.</summary>
    public DateTimeOffset? NextAttemptAt { get; private set; }

    public DateTimeOffset? LastAttemptAt { get; private set; }

    /// <summary>What the next attempt will be recorded as: manual after a retry, replay or test, else scheduled.</summary>
    public WebhookAttemptTrigger NextTrigger { get; private set; }

    public DateTimeOffset? SucceededAt { get; private set; }

    public DateTimeOffset CreatedAt { get; private set; }

    /// <summary>Concurrency token: a manual retry while an attempt is in flight is not overwritten by the attempt's outcome.</summary>
    public int Version { get; private set; }

    /// <summary>The webhook-id header: the event's for event deliveries (the same on every retry and replay), the delivery's for tests.</summary>
    public string WebhookId => EventId is { } e ? $"msg_evt{e}" : $"msg_test{Id}";

    internal void FixBody(string body)
    {
        Body ??= body;
        Version++;
    }

    internal void Succeed(DateTimeOffset now)
    {
        Version++;
        AttemptCount++;
        LastAttemptAt = now;
        NextTrigger = WebhookAttemptTrigger.Scheduled;
        Status = WebhookDeliveryStatus.Succeeded;
        SucceededAt = now;
        NextAttemptAt = null;
    }

    /// <summary>A failed attempt: retried at <paramref name="next"/>, or given up when it is null.</summary>
    internal void Fail(DateTimeOffset now, DateTimeOffset? next)
    {
        Version++;
        AttemptCount++;
        ScheduleStep++;
        LastAttemptAt = now;
        NextTrigger = WebhookAttemptTrigger.Scheduled;
        NextAttemptAt = next;
        if (next is null)
        {
            Status = WebhookDeliveryStatus.Failed;
        }
    }

    /// <summary>Not attempted now: an earlier delivery of the endpoint goes first; this one looks again at <paramref name="at"/>.</summary>
    internal void Wait(DateTimeOffset at)
    {
        Version++;
        NextAttemptAt = at;
    }

    /// <summary>Given up without an attempt (the endpoint is disabled).</summary>
    internal void Abandon()
    {
        Version++;
        Status = WebhookDeliveryStatus.Failed;
        NextAttemptAt = null;
    }

    /// <summary>Queued again now with a fresh retry schedule (a manual retry or a replay).</summary>
    internal void Requeue(DateTimeOffset now)
    {
        Version++;
        Status = WebhookDeliveryStatus.Pending;
        ScheduleStep = 0;
        NextAttemptAt = now;
        NextTrigger = WebhookAttemptTrigger.Manual;
    }
}

/// <summary>One HTTP attempt of a delivery: when, how it ended, how long it took, and the first 1 KB of the answer.</summary>
public sealed class WebhookDeliveryAttempt : IEntity, ITenantOwned
{
    public const int MaxResponseBody = 1024;

    private WebhookDeliveryAttempt()
    {
    }

    public WebhookDeliveryAttempt(long organizationId, long deliveryId, int number, DateTimeOffset at, WebhookAttemptTrigger trigger, int? statusCode, int durationMs, WebhookErrorClass? error, string? responseBody)
    {
        OrganizationId = organizationId;
        DeliveryId = deliveryId;
        Number = number;
        At = at;
        Trigger = trigger;
        StatusCode = statusCode;
        DurationMs = durationMs;
        ErrorClass = error;
        ResponseBody = responseBody;
    }

    public long Id { get; private set; }

    public long OrganizationId { get; private set; }

    public long DeliveryId { get; private set; }

    public int Number { get; private set; }

    public DateTimeOffset At { get; private set; }

    public WebhookAttemptTrigger Trigger { get; private set; }

    public int? StatusCode { get; private set; }

    public int DurationMs { get; private set; }

    /// <summary>Null when the attempt succeeded.</summary>
    public WebhookErrorClass? ErrorClass { get; private set; }

    /// <summary>At most <see cref="MaxResponseBody"/> characters of what the endpoint answered.</summary>
    public string? ResponseBody { get; private set; }
}
