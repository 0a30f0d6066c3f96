using Headless.Carts;
using Headless.Organizations;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Headless.Quickfills;

internal sealed class QuickfillConfiguration : IEntityTypeConfiguration<Quickfill>
{
    public void Configure(EntityTypeBuilder<Quickfill> b)
    {
        b.ToTable("Quickfills");
        b.Property(x => x.Name).HasMaxLength(Quickfill.MaxNameLength);
        b.Property(x => x.NameKey).HasMaxLength(Quickfill.MaxNameLength);
        b.Property(x => x.Sig).HasMaxLength(CartLine.MaxSigLength);
        b.HasOne<Organization>().WithMany().HasForeignKey(x => x.OrganizationId).OnDelete(DeleteBehavior.Cascade);
        b.HasOne(x => x.Clinic).WithMany().HasForeignKey(x => x.ClinicId).OnDelete(DeleteBehavior.Restrict);
        b.HasOne(x => x.Offering).WithMany().HasForeignKey(x => x.OfferingId).OnDelete(DeleteBehavior.Restrict);
        b.HasOne(x => x.Product).WithMany().HasForeignKey(x => x.ProductId).OnDelete(DeleteBehavior.Restrict);
        b.HasOne(x => x.Pharmacy).WithMany().HasForeignKey(x => x.PharmacyId).OnDelete(DeleteBehavior.Restrict);
        b.HasOne(x => x.Prescriber).WithMany().HasForeignKey(x => x.PrescriberId).OnDelete(DeleteBehavior.Restrict);

        // One name per clinic whatever its case (a concurrent create of the same name fails here, not twice).
        b.HasIndex(x => new { x.ClinicId, x.NameKey }).IsUnique();
        b.Ignore(x => x.Template);
    }
}
