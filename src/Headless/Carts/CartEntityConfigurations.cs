using Headless.Clinics;
using Headless.Data;
using Headless.Organizations;
using Headless.Validation;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Headless.Carts;

internal sealed class CartConfiguration : IEntityTypeConfiguration<Cart>
{
    public void Configure(EntityTypeBuilder<Cart> b)
    {
        b.ToTable("Carts");
        b.Property(x => x.Status).HasMaxLength(20);
        b.Property(x => x.Version).IsConcurrencyToken();
        b.HasOne<Organization>().WithMany().HasForeignKey(x => x.OrganizationId).OnDelete(DeleteBehavior.Cascade);
        b.HasOne<Clinic>().WithMany().HasForeignKey(x => x.ClinicId).OnDelete(DeleteBehavior.Restrict);

        // The "one open cart per clinic" guarantee: NULLs (closed carts) never collide.
        b.HasIndex(x => x.OpenClinicId).IsUnique();
        b.HasIndex(x => x.ClinicId);
        b.Ignore(x => x.IsOpen);
    }
}

internal sealed class CartLineConfiguration : IEntityTypeConfiguration<CartLine>
{
    public void Configure(EntityTypeBuilder<CartLine> b)
    {
        b.ToTable("CartLines");
        b.Property(x => x.Sig).HasMaxLength(CartLine.MaxSigLength);
        b.Property(x => x.RoutingReason).HasMaxLength(300);
        b.HasOne(x => x.Cart).WithMany().HasForeignKey(x => x.CartId).OnDelete(DeleteBehavior.Cascade);
        b.HasOne(x => x.Patient).WithMany().HasForeignKey(x => x.PatientId).OnDelete(DeleteBehavior.Restrict);
        b.HasOne(x => x.Offering).WithMany().HasForeignKey(x => x.OfferingId).OnDelete(DeleteBehavior.Restrict);
        b.HasOne(x => x.Prescriber).WithMany().HasForeignKey(x => x.PrescriberId).OnDelete(DeleteBehavior.Restrict);
        b.OwnsOne(x => x.ShipToOverride, a => AddressMapping.MapAddress(a, "ShipTo"));
        b.HasIndex(x => new { x.CartId, x.PatientId, x.ProductId, x.PharmacyId }).IsUnique();
        b.Ignore(x => x.ShipTo);
    }
}

internal sealed class CartValidationConfiguration : IEntityTypeConfiguration<CartValidation>
{
    public void Configure(EntityTypeBuilder<CartValidation> b)
    {
        b.ToTable("CartValidations");
        b.HasOne<Cart>().WithMany().HasForeignKey(x => x.CartId).OnDelete(DeleteBehavior.Cascade);
        b.HasIndex(x => new { x.CartId, x.Id });
        b.OwnsMany(x => x.Issues, i =>
        {
            i.ToTable("CartIssues");
            i.WithOwner().HasForeignKey("CartValidationId");
            i.Property<long>("Id");
            i.HasKey("Id");
            i.Property(x => x.Code).HasMaxLength(40);
            i.Property(x => x.Severity).HasMaxLength(10);
            i.Property(x => x.Field).HasMaxLength(100);
            i.Property(x => x.Message).HasMaxLength(500);
        });
        b.Navigation(x => x.Issues).UsePropertyAccessMode(PropertyAccessMode.Field);
    }
}
