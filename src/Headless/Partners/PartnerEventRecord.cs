using Headless.Catalog;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Headless.Partners;

/// <summary>A partner callback already applied: the same event id from the same pharmacy changes nothing twice.</summary>
public sealed class PartnerEventRecord(long pharmacyId, string eventId, string type, DateTimeOffset receivedAt)
{
    public long PharmacyId { get; private set; } = pharmacyId;

    public string EventId { get; private set; } = eventId;

    public string Type { get; private set; } = type;

    public DateTimeOffset ReceivedAt { get; private set; } = receivedAt;
}

internal sealed class PartnerEventRecordConfiguration : IEntityTypeConfiguration<PartnerEventRecord>
{
    public void Configure(EntityTypeBuilder<PartnerEventRecord> b)
    {
        b.ToTable("PartnerEvents");
        b.HasKey(x => new { x.PharmacyId, x.EventId });
        b.Property(x => x.EventId).HasMaxLength(200);
        b.Property(x => x.Type).HasMaxLength(50);
        b.HasOne<Pharmacy>().WithMany().HasForeignKey(x => x.PharmacyId).OnDelete(DeleteBehavior.Cascade);
    }
}
