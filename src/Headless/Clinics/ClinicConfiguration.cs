using Headless.Shared;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Headless.Clinics;

internal sealed class ClinicConfiguration : IEntityTypeConfiguration<Clinic>
{
    public void Configure(EntityTypeBuilder<Clinic> b)
    {
        b.ToTable("Clinics");
        b.Property(x => x.Name).HasMaxLength(200);
        b.Property(x => x.Npi).HasMaxLength(10);
        b.Property(x => x.RoutingPreference).HasMaxLength(20);
        b.OwnsOne(x => x.ShipTo, a => AddressMapping.MapAddress(a, "ShipTo"));
        b.Navigation(x => x.ShipTo).IsRequired();
        b.OwnsOne(x => x.BillingAddress, a => AddressMapping.MapAddress(a, "Billing"));
        b.HasIndex(x => x.OrganizationId);
    }
}
