using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Headless.Payments.Stripe;

/// <summary>
/// A Stripe event (evt_...) that was received, and what became of it. Stripe delivers at least once and may
/// deliver one event several times, even concurrently: the primary key makes the second delivery a no-op.
/// Every verified, well-formed event is kept, the ignored ones with the reason they were not applied.
/// </summary>
public sealed class StripeEventRecord
{
    private StripeEventRecord()
    {
    }

    public StripeEventRecord(string id, string type, DateTimeOffset receivedAt)
    {
        Id = id;
        Type = type;
        ReceivedAt = receivedAt;
    }

    /// <summary>The Stripe event id (evt_...).</summary>
    public string Id { get; private set; } = "";

    /// <summary>The event type, e.g. payment_intent.amount_capturable_updated.</summary>
    public string Type { get; private set; } = "";

    public DateTimeOffset ReceivedAt { get; private set; }

    /// <summary>The PaymentIntent the event is about, when it names one.</summary>
    public string? PaymentIntentId { get; private set; }

    /// <summary>APPLIED, UNCHANGED or IGNORED (<see cref="PaymentEventResult"/>); null on rows recorded before outcomes were kept.</summary>
    public string? Outcome { get; private set; }

    /// <summary>Why an IGNORED event was not applied (<see cref="PaymentEventReason"/>).</summary>
    public string? Reason { get; private set; }

    public void Resolve(string? paymentIntentId, PaymentEventOutcome outcome)
    {
        ArgumentNullException.ThrowIfNull(outcome);
        PaymentIntentId = paymentIntentId;
        Outcome = outcome.Result;
        Reason = outcome.Reason;
    }
}

internal sealed class StripeEventRecordConfiguration : IEntityTypeConfiguration<StripeEventRecord>
{
    public void Configure(EntityTypeBuilder<StripeEventRecord> b)
    {
        b.ToTable("StripeEvents");
        b.HasKey(x => x.Id);
        b.Property(x => x.Id).HasMaxLength(255).ValueGeneratedNever();
        b.Property(x => x.Type).HasMaxLength(100);
        b.Property(x => x.PaymentIntentId).HasMaxLength(255);
        b.Property(x => x.Outcome).HasMaxLength(20);
        b.Property(x => x.Reason).HasMaxLength(40);
    }
}
