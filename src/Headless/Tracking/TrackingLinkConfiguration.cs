using Headless.Orders;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Headless.Tracking;

internal sealed class TrackingLinkConfiguration : IEntityTypeConfiguration<TrackingLink>
{
    public void Configure(EntityTypeBuilder<TrackingLink> b)
    {
        b.ToTable("TrackingLinks");
        b.Property(x => x.TokenHash).HasMaxLength(64);

        // Opening a link is one lookup by hash; the index also makes a (vanishingly unlikely) repeated token fail loudly.
        b.HasIndex(x => x.TokenHash).IsUnique();

        // Like a line's events, a link goes with its line; the organization is reached through the line, so a second
        // cascade path (which SQL Server refuses) is not added.
        b.HasOne<OrderLine>().WithMany().HasForeignKey(x => x.OrderLineId).OnDelete(DeleteBehavior.Cascade);
        b.HasIndex(x => new { x.OrganizationId, x.OrderLineId });
    }
}
