using Headless.Carts.Validation;
using Headless.Clinics;
using Headless.Data;
using Headless.Organizations;
using Headless.Shared;
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
        b.Property(x => x.ResubmitsLineNumber).HasMaxLength(30);
        b.Property(x => x.ShipToKey).HasMaxLength(Shared.Address.ShipmentKeyLength);
        b.HasOne(x => x.Cart).WithMany().HasForeignKey(x => x.CartId).OnDelete(DeleteBehavior.Cascade);
        b.HasOne(x => x.Patient).WithMany().HasForeignKey(x => x.PatientId).OnDelete(DeleteBehavior.Restrict);
        b.HasOne(x => x.Offering).WithMany().HasForeignKey(x => x.OfferingId).OnDelete(DeleteBehavior.Restrict);
        b.HasOne(x => x.Prescriber).WithMany().HasForeignKey(x => x.PrescriberId).OnDelete(DeleteBehavior.Restrict);
        b.OwnsOne(x => x.ShipToOverride, a => AddressMapping.MapAddress(a, "ShipTo"));
        b.HasIndex(x => new { x.CartId, x.PatientId, x.ProductId, x.PharmacyId }).IsUnique();
        b.Ignore(x => x.ShipTo);
        b.Ignore(x => x.ShipmentKey);
    }
}

internal sealed class CartValidationConfiguration : IEntityTypeConfiguration<CartValidation>
{
    public void Configure(EntityTypeBuilder<CartValidation> b)
    {
        b.ToTable("CartValidations");
        b.HasOne<Cart>().WithMany().HasForeignKey(x => x.CartId).OnDelete(DeleteBehavior.Cascade);
        b.HasIndex(x => new { x.CartId, x.Id });
        // Issues are a value of the run, written and read whole: one JSON column keeps a 2,000-issue
        // validation a single INSERT instead of thousands of rows.
        b.OwnsMany(x => x.Issues, i => i.ToJson("Issues"));
        b.Navigation(x => x.Issues).UsePropertyAccessMode(PropertyAccessMode.Field);
        b.OwnsMany(x => x.Prices, p => p.ToJson("Prices"));
        b.Navigation(x => x.Prices).UsePropertyAccessMode(PropertyAccessMode.Field);
    }
}
