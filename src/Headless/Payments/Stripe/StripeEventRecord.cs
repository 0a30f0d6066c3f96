using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Headless.Payments.Stripe;

/// <summary>
/// A Stripe event (evt_...) that was received and applied. Stripe delivers at least once and may deliver
/// one event several times, even concurrently: the primary key makes the second delivery a no-op.
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
}

internal sealed class StripeEventRecordConfiguration : IEntityTypeConfiguration<StripeEventRecord>
{
    public void Configure(EntityTypeBuilder<StripeEventRecord> b)
    {
        b.ToTable("StripeEvents");
        b.HasKey(x => x.Id);
        b.Property(x => x.Id).HasMaxLength(255).ValueGeneratedNever();
        b.Property(x => x.Type).HasMaxLength(100);
    }
}
