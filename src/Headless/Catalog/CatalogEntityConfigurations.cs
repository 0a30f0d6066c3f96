using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace Headless.Catalog;

internal sealed class PharmacyConfiguration : IEntityTypeConfiguration<Pharmacy>
{
    public void Configure(EntityTypeBuilder<Pharmacy> b)
    {
        b.ToTable("Pharmacies");
        b.Property(x => x.Name).HasMaxLength(200);
        b.Property(x => x.Currency).HasMaxLength(3);
        // A JSON column rather than a table of its own: a pharmacy arrives with its states in its own row, so a query
        // that loads lines with their pharmacies and prescribers does not multiply states by licenses (README "Round trips").
        b.OwnsMany(x => x.ShipsTo, s =>
        {
            s.ToJson("ShipsTo");
            s.Property(x => x.State).HasMaxLength(2);
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

        // UTC ticks, so the "newer than the last applied update" test is one comparison on every provider
        // (SQLite cannot compare DateTimeOffset values in SQL).
        b.Property(x => x.PartnerUpdatedAt).HasConversion(new ValueConverter<DateTimeOffset, long>(v => v.UtcTicks, v => new DateTimeOffset(v, TimeSpan.Zero)));
        b.Property(x => x.PartnerUpdateEventId).HasMaxLength(200);

        b.HasOne(x => x.Product).WithMany().HasForeignKey(x => x.ProductId).OnDelete(DeleteBehavior.Restrict);
        b.HasOne(x => x.Pharmacy).WithMany().HasForeignKey(x => x.PharmacyId).OnDelete(DeleteBehavior.Restrict);
        b.HasIndex(x => new { x.ProductId, x.PharmacyId }).IsUnique();
        b.Ignore(x => x.IsAvailable);
    }
}
