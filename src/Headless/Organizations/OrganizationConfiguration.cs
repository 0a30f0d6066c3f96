using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Headless.Organizations;

internal sealed class OrganizationConfiguration : IEntityTypeConfiguration<Organization>
{
    public void Configure(EntityTypeBuilder<Organization> b)
    {
        b.ToTable("Organizations");
        b.Property(x => x.Name).HasMaxLength(200);
        b.Property(x => x.Slug).HasMaxLength(100);
        b.Property(x => x.PaymentCustomerId).HasMaxLength(100);
        b.HasIndex(x => x.Slug).IsUnique();

        // Declared from this side so that clinics and prescribers need not know the organization type.
        b.HasMany<Clinics.Clinic>().WithOne().HasForeignKey(x => x.OrganizationId).OnDelete(DeleteBehavior.Cascade);
        b.HasMany<Prescribers.Prescriber>().WithOne().HasForeignKey(x => x.OrganizationId).OnDelete(DeleteBehavior.Cascade);
    }
}
