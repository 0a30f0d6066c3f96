using Headless.Orders;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Headless.Orders.Lifecycle;

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
