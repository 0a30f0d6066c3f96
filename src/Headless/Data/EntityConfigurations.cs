using Headless.Auth;
using Headless.Catalog;
using Headless.Clinics;
using Headless.Organizations;
using Headless.Patients;
using Headless.Prescribers;
using Headless.Shared;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Headless.Data;

internal static class AddressMapping
{
    public static void MapAddress<TOwner>(OwnedNavigationBuilder<TOwner, Address> a, string prefix)
        where TOwner : class
    {
        a.Property(x => x.Line1).HasColumnName($"{prefix}Line1").HasMaxLength(200);
        a.Property(x => x.Line2).HasColumnName($"{prefix}Line2").HasMaxLength(200);
        a.Property(x => x.City).HasColumnName($"{prefix}City").HasMaxLength(100);
        a.Property(x => x.State).HasColumnName($"{prefix}State").HasMaxLength(2);
        a.Property(x => x.Zip).HasColumnName($"{prefix}Zip").HasMaxLength(10);
    }
}

internal sealed class OrganizationConfiguration : IEntityTypeConfiguration<Organization>
{
    public void Configure(EntityTypeBuilder<Organization> b)
    {
        b.ToTable("Organizations");
        b.Property(x => x.Name).HasMaxLength(200);
        b.Property(x => x.Slug).HasMaxLength(100);
        b.Property(x => x.PaymentCustomerId).HasMaxLength(100);
        b.HasIndex(x => x.Slug).IsUnique();
    }
}

internal sealed class ApiKeyConfiguration : IEntityTypeConfiguration<ApiKey>
{
    public void Configure(EntityTypeBuilder<ApiKey> b)
    {
        b.ToTable("ApiKeys");
        b.Property(x => x.Name).HasMaxLength(200);
        b.Property(x => x.Prefix).HasMaxLength(20);
        b.Property(x => x.SecretHash).HasMaxLength(64);
        b.HasIndex(x => x.Prefix).IsUnique();
        b.HasOne<Organization>().WithMany().HasForeignKey(x => x.OrganizationId).OnDelete(DeleteBehavior.Cascade);
    }
}

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
        b.HasOne<Organization>().WithMany().HasForeignKey(x => x.OrganizationId).OnDelete(DeleteBehavior.Cascade);
        b.HasIndex(x => x.OrganizationId);
    }
}

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
        });
        b.Navigation(x => x.Licenses).UsePropertyAccessMode(PropertyAccessMode.Field);
        b.HasOne<Organization>().WithMany().HasForeignKey(x => x.OrganizationId).OnDelete(DeleteBehavior.Cascade);
        b.HasIndex(x => new { x.OrganizationId, x.Npi }).IsUnique();
    }
}

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
        b.OwnsOne(x => x.Address, a => AddressMapping.MapAddress(a, "Address"));
        b.Navigation(x => x.Address).IsRequired();
        b.HasOne<Organization>().WithMany().HasForeignKey(x => x.OrganizationId).OnDelete(DeleteBehavior.Cascade);
        b.HasIndex(x => new { x.OrganizationId, x.ExternalId }).IsUnique();
        b.HasIndex(x => new { x.OrganizationId, x.SearchName });
    }
}

internal sealed class PharmacyConfiguration : IEntityTypeConfiguration<Pharmacy>
{
    public void Configure(EntityTypeBuilder<Pharmacy> b)
    {
        b.ToTable("Pharmacies");
        b.Property(x => x.Name).HasMaxLength(200);
        b.Property(x => x.Currency).HasMaxLength(3);
        b.OwnsMany(x => x.ShipsTo, s =>
        {
            s.ToTable("PharmacyShippingStates");
            s.WithOwner().HasForeignKey("PharmacyId");
            s.Property(x => x.State).HasMaxLength(2);
            s.HasKey("PharmacyId", nameof(PharmacyShippingState.State));
        });
        b.Navigation(x => x.ShipsTo).UsePropertyAccessMode(PropertyAccessMode.Field);
        b.Property(x => x.ApiBaseUrl).HasMaxLength(500);
        b.Property(x => x.TokenEndpoint).HasMaxLength(500);
        b.Property(x => x.ClientId).HasMaxLength(200);
        b.Ignore(x => x.HasIntegration);
    }
}

internal sealed class ProductConfiguration : IEntityTypeConfiguration<Product>
{
    public void Configure(EntityTypeBuilder<Product> b)
    {
        b.ToTable("Products");
        b.Property(x => x.Name).HasMaxLength(200);
        b.Property(x => x.Strength).HasMaxLength(100);
        b.Property(x => x.Form).HasMaxLength(100);
        b.Property(x => x.ControlledSchedule).HasMaxLength(3);
        b.Property(x => x.SearchText).HasMaxLength(402);
        b.Ignore(x => x.IsControlled);
    }
}

internal sealed class OfferingConfiguration : IEntityTypeConfiguration<Offering>
{
    public void Configure(EntityTypeBuilder<Offering> b)
    {
        b.ToTable("Offerings");
        b.Property(x => x.Currency).HasMaxLength(3);

        b.HasOne(x => x.Product).WithMany().HasForeignKey(x => x.ProductId).OnDelete(DeleteBehavior.Restrict);
        b.HasOne(x => x.Pharmacy).WithMany().HasForeignKey(x => x.PharmacyId).OnDelete(DeleteBehavior.Restrict);
        b.HasIndex(x => new { x.ProductId, x.PharmacyId }).IsUnique();
        b.Ignore(x => x.IsAvailable);
    }
}
