using Headless.Carts;
using Headless.Clinics;
using Headless.Data;
using Headless.Organizations;
using Headless.Shared;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Headless.Orders;

internal sealed class OrderConfiguration : IEntityTypeConfiguration<Order>
{
    public void Configure(EntityTypeBuilder<Order> b)
    {
        b.ToTable("Orders");
        b.Property(x => x.IdempotencyKey).HasMaxLength(200);
        b.Property(x => x.PaymentMethodId).HasMaxLength(200);
        b.Property(x => x.Status).HasMaxLength(30);
        b.Property(x => x.PaymentStatus).HasMaxLength(30);
        b.Property(x => x.Currency).HasMaxLength(3);
        b.Property(x => x.Gateway).HasMaxLength(20);
        b.Property(x => x.PaymentIntentId).HasMaxLength(100);
        b.Property(x => x.PaymentFailureCode).HasMaxLength(100);
        b.Property(x => x.PaymentFailureMessage).HasMaxLength(500);
        b.Property(x => x.Version).IsConcurrencyToken();
        b.HasOne<Organization>().WithMany().HasForeignKey(x => x.OrganizationId).OnDelete(DeleteBehavior.Cascade);
        b.HasOne<Clinic>().WithMany().HasForeignKey(x => x.ClinicId).OnDelete(DeleteBehavior.Restrict);
        b.HasOne<Cart>().WithMany().HasForeignKey(x => x.CartId).OnDelete(DeleteBehavior.Restrict);
        b.HasMany(x => x.Lines).WithOne(l => l.Order).HasForeignKey(l => l.OrderId).OnDelete(DeleteBehavior.Cascade);
        b.Navigation(x => x.Lines).UsePropertyAccessMode(PropertyAccessMode.Field);

        // A retried checkout finds its order by key; the index also makes two concurrent retries create one order.
        b.HasIndex(x => new { x.OrganizationId, x.IdempotencyKey }).IsUnique();
        b.HasIndex(x => x.PaymentIntentId);
        b.HasIndex(x => new { x.PaymentStatus, x.CaptureDeadline });

        // orders(filter): newest first, for the organization or one clinic (keyset on PlacedAt, Id).
        b.HasIndex(x => new { x.OrganizationId, x.PlacedAt, x.Id });
        b.HasIndex(x => new { x.OrganizationId, x.ClinicId, x.PlacedAt, x.Id });
        b.Ignore(x => x.Number);
    }
}

internal sealed class OrderLineConfiguration : IEntityTypeConfiguration<OrderLine>
{
    public void Configure(EntityTypeBuilder<OrderLine> b)
    {
        b.ToTable("OrderLines");
        b.Property(x => x.Sig).HasMaxLength(CartLine.MaxSigLength);
        b.Property(x => x.RoutingReason).HasMaxLength(300);
        b.Property(x => x.Status).HasMaxLength(30);
        b.Property(x => x.PaymentStatus).HasMaxLength(30);
        b.Property(x => x.StatusReasonCode).HasMaxLength(40);
        b.Property(x => x.StatusReasonMessage).HasMaxLength(500);
        b.Property(x => x.Owner).HasMaxLength(20);
        b.Property(x => x.TrackingCarrier).HasMaxLength(50);
        b.Property(x => x.TrackingNumber).HasMaxLength(100);
        b.Property(x => x.TrackingUrl).HasMaxLength(500);
        // queueHealth and stuckForMinutes: open lines by status and age.
        b.HasIndex(x => new { x.OrganizationId, x.Status, x.StatusSince });

        // orderLines(filter): most recent change first, for the organization or one clinic (keyset on ChangedAt, Id).
        b.HasIndex(x => new { x.OrganizationId, x.ChangedAt, x.Id });
        b.HasIndex(x => new { x.OrganizationId, x.ClinicId, x.ChangedAt, x.Id });
        b.HasOne<Clinic>().WithMany().HasForeignKey(x => x.ClinicId).OnDelete(DeleteBehavior.Restrict);
        b.OwnsOne(x => x.ShipTo, a => AddressMapping.MapAddress(a, "ShipTo"));
        b.Navigation(x => x.ShipTo).IsRequired();
        b.HasOne<Patients.Patient>().WithMany().HasForeignKey(x => x.PatientId).OnDelete(DeleteBehavior.Restrict);
        b.HasOne<Catalog.Offering>().WithMany().HasForeignKey(x => x.OfferingId).OnDelete(DeleteBehavior.Restrict);
        b.HasOne<Prescribers.Prescriber>().WithMany().HasForeignKey(x => x.PrescriberId).OnDelete(DeleteBehavior.Restrict);
        b.HasIndex(x => new { x.OrderId, x.Position }).IsUnique();

        // DUPLICATE_FILL looks up earlier lines by patient and product.
        b.HasIndex(x => new { x.OrganizationId, x.PatientId, x.ProductId });
        b.Ignore(x => x.Number);
    }
}
