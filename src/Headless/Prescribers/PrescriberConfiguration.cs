using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Headless.Prescribers;

internal sealed class PrescriberConfiguration : IEntityTypeConfiguration<Prescriber>
{
    public void Configure(EntityTypeBuilder<Prescriber> b)
    {
        b.ToTable("Prescribers");
        b.Property(x => x.FirstName).HasMaxLength(100);
        b.Property(x => x.LastName).HasMaxLength(100);
        b.Property(x => x.Npi).HasMaxLength(10);
        b.Property(x => x.DeaNumber).HasMaxLength(9);
        b.OwnsMany(x => x.Licenses, l =>
        {
            l.ToTable("PrescriberLicenses");
            l.WithOwner().HasForeignKey("PrescriberId");
            l.Property<long>("Id");
            l.HasKey("Id");
            l.Property(x => x.State).HasMaxLength(2);
            l.Property(x => x.Number).HasMaxLength(50);

            // One license per state: a renewal replaces the state's row, and two racing first licenses cannot both land.
            l.HasIndex("PrescriberId", nameof(PrescriberLicense.State)).IsUnique();
        });
        b.Navigation(x => x.Licenses).UsePropertyAccessMode(PropertyAccessMode.Field);
        b.HasIndex(x => new { x.OrganizationId, x.Npi }).IsUnique();
    }
}
