using Headless.Catalog;
using Headless.Orders;
using Headless.Tracking;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Headless.Fulfillment;

internal sealed class OutboxMessageConfiguration : IEntityTypeConfiguration<OutboxMessage>
{
    public void Configure(EntityTypeBuilder<OutboxMessage> b)
    {
        b.ToTable("OutboxMessages");
        b.Property(x => x.Kind).HasMaxLength(100);
        b.Property(x => x.Key).HasMaxLength(200);
        b.Property(x => x.Status).HasMaxLength(20);
        b.Property(x => x.LeaseOwner).HasMaxLength(100);
        b.Property(x => x.LastError).HasMaxLength(500);
        b.HasIndex(x => x.Key).IsUnique();

        // Workers scan pending work by due time.
        b.HasIndex(x => new { x.Status, x.NextAttemptAt });
        b.HasIndex(x => new { x.OrganizationId, x.Status });
    }
}

internal sealed class PartnerOrderConfiguration : IEntityTypeConfiguration<PartnerOrder>
{
    public void Configure(EntityTypeBuilder<PartnerOrder> b)
    {
        b.ToTable("PartnerOrders");
        b.Property(x => x.Status).HasMaxLength(20);
        b.Property(x => x.ExternalReference).HasMaxLength(200);
        b.HasOne<Order>().WithMany().HasForeignKey(x => x.OrderId).OnDelete(DeleteBehavior.Cascade);
        b.HasOne<Pharmacy>().WithMany().HasForeignKey(x => x.PharmacyId).OnDelete(DeleteBehavior.Restrict);
        b.HasIndex(x => new { x.OrderId, x.PharmacyId }).IsUnique();
    }
}

internal sealed class OrderLineEventConfiguration : IEntityTypeConfiguration<OrderLineEvent>
{
    public void Configure(EntityTypeBuilder<OrderLineEvent> b)
    {
        b.ToTable("OrderLineEvents");
        b.Property(x => x.Source).HasMaxLength(20);
        b.Property(x => x.FromStatus).HasMaxLength(30);
        b.Property(x => x.ToStatus).HasMaxLength(30);
        b.Property(x => x.ReasonCode).HasMaxLength(40);
        b.Property(x => x.Message).HasMaxLength(500);
        b.Property(x => x.ExternalEventId).HasMaxLength(200);
        b.HasOne<OrderLine>().WithMany().HasForeignKey(x => x.OrderLineId).OnDelete(DeleteBehavior.Cascade);
        b.HasIndex(x => new { x.OrderLineId, x.Id });
    }
}
