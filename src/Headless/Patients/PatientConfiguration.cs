using Headless.Organizations;
using Headless.Shared;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Headless.Patients;

internal sealed class PatientConfiguration : IEntityTypeConfiguration<Patient>
{
    public void Configure(EntityTypeBuilder<Patient> b)
    {
        b.ToTable("Patients");
        b.Property(x => x.ExternalId).HasMaxLength(100);
        b.Property(x => x.FirstName).HasMaxLength(100);
        b.Property(x => x.LastName).HasMaxLength(100);
        b.Property(x => x.SearchName).HasMaxLength(201);
        b.Property(x => x.AddressKey).HasMaxLength(Address.ShipmentKeyLength);
        b.Ignore(x => x.Archived);
        b.OwnsOne(x => x.Address, a => AddressMapping.MapAddress(a, "Address"));
        b.Navigation(x => x.Address).IsRequired();
        b.HasOne<Organization>().WithMany().HasForeignKey(x => x.OrganizationId).OnDelete(DeleteBehavior.Cascade);
        b.HasIndex(x => new { x.OrganizationId, x.ExternalId }).IsUnique();
        b.HasIndex(x => new { x.OrganizationId, x.SearchName });
    }
}
