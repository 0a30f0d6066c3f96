using System.ComponentModel;
using GraphQL;
using Headless.Shared;

namespace Headless.Outbox;

/// <summary>
/// Outbox message statuses, stored as their <see cref="WireEnum{T}"/> strings. A parked message is kept where the
/// API shows it and retried only when someone asks.
/// </summary>
[Name("OutboxMessageStatus")]
[Description("Where an outbox message is in its life.")]
public enum OutboxStatus
{
    [Description("Waiting for a worker, now or after a back-off.")]
    Pending,

    [Description("Delivered.")]
    Done,

    [Description("Failed too often; waits until someone retries it.")]
    Parked,
}

/// <summary>
/// Work to do outside the transaction that decided it (submit a partner order, tell a pharmacy about a
/// cancellation, deliver a webhook). Written in the same transaction as the change that causes it, then
/// delivered at least once by workers that lease rows; handlers are idempotent on <see cref="Key"/>.
/// </summary>
public sealed class OutboxMessage : IEntity
{
    private OutboxMessage()
    {
    }

    public OutboxMessage(string kind, string key, string payload, long? organizationId, long? clinicId, DateTimeOffset now)
    {
        Kind = kind;
        Key = key;
        Payload = payload;
        OrganizationId = organizationId;
        ClinicId = clinicId;
        Status = OutboxStatus.Pending;
        NextAttemptAt = now;
        CreatedAt = now;
    }

    public long Id { get; private set; }

    /// <summary>Which handler delivers it, e.g. "partner-order.submit".</summary>
    public string Kind { get; private set; } = "";

    /// <summary>Unique: the same piece of work is never queued twice, and handlers use it as their idempotency key.</summary>
    public string Key { get; private set; } = "";

    /// <summary>JSON the handler needs; never patient data beyond what the receiving partner must get.</summary>
    public string Payload { get; private set; } = "";

    /// <summary>The organization the work is for, when it is for one (for queue health per tenant).</summary>
    public long? OrganizationId { get; private set; }

    /// <summary>The clinic the work is for, when it is for one (for queueHealth(clinicId)); null for organization-wide work.</summary>
    public long? ClinicId { get; private set; }

    public OutboxStatus Status { get; private set; } = OutboxStatus.Pending;

    public int Attempts { get; private set; }

    public DateTimeOffset NextAttemptAt { get; private set; }

    /// <summary>While in the future, one worker owns the message; a worker that died loses it when this passes.</summary>
    public DateTimeOffset? LeasedUntil { get; private set; }

    public string? LeaseOwner { get; private set; }

    /// <summary>The last failure, as an exception type or a status code: never a payload or a response body.</summary>
    public string? LastError { get; private set; }

    public DateTimeOffset CreatedAt { get; private set; }

    public DateTimeOffset? CompletedAt { get; private set; }

    public void Lease(string owner, DateTimeOffset until)
    {
        LeaseOwner = owner;
        LeasedUntil = until;
    }

    public void Complete(DateTimeOffset now)
    {
        Status = OutboxStatus.Done;
        CompletedAt = now;
        LeasedUntil = null;
        LeaseOwner = null;
        Attempts++;
    }

    /// <summary>Schedules another try after <paramref name="backOff"/>, or parks the message when it has failed <paramref name="maxAttempts"/> times.</summary>
    public void Fail(string error, TimeSpan backOff, int maxAttempts, DateTimeOffset now)
    {
        Attempts++;
        LastError = error.Length > 500 ? error[..500] : error;
        LeasedUntil = null;
        LeaseOwner = null;
        if (Attempts >= maxAttempts)
        {
            Status = OutboxStatus.Parked;
            return;
        }

        NextAttemptAt = now + backOff;
    }

    /// <summary>Keeps the message pending until <paramref name="at"/>, as its handler asked; not subject to the outbox's attempt limit.</summary>
    public void Reschedule(string reason, DateTimeOffset at)
    {
        Attempts++;
        LastError = reason.Length > 500 ? reason[..500] : reason;
        LeasedUntil = null;
        LeaseOwner = null;
        NextAttemptAt = at;
    }

    /// <summary>Puts a parked message back in line (an operator or brand asked for a retry).</summary>
    public void Requeue(DateTimeOffset now)
    {
        if (Status == OutboxStatus.Parked)
        {
            Status = OutboxStatus.Pending;
            Attempts = 0;
            NextAttemptAt = now;
        }
    }
}
