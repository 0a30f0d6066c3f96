using Headless.Catalog;
using Headless.Orders;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Headless.Fulfillment;

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

        // Declared from this side: an order line knows its partner order's key, not the partner order type.
        b.HasMany<OrderLine>().WithOne().HasForeignKey(x => x.PartnerOrderId).OnDelete(DeleteBehavior.Restrict);
    }
}
