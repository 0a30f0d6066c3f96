using Headless.Clinics;
using Headless.Orders;
using Headless.Patients;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Headless.Support;

internal sealed class SupportTicketConfiguration : IEntityTypeConfiguration<SupportTicket>
{
    public void Configure(EntityTypeBuilder<SupportTicket> b)
    {
        b.ToTable("SupportTickets");
        b.Property(x => x.Subject).HasMaxLength(SupportTicket.MaxSubjectLength);
        b.Property(x => x.Status).HasMaxLength(30);
        b.Property(x => x.Version).IsConcurrencyToken();
        b.Ignore(x => x.Number);
        b.HasOne<Clinic>().WithMany().HasForeignKey(x => x.ClinicId).OnDelete(DeleteBehavior.Restrict);
        b.HasOne<Order>().WithMany().HasForeignKey(x => x.OrderId).OnDelete(DeleteBehavior.Restrict);
        b.HasOne<OrderLine>().WithMany().HasForeignKey(x => x.OrderLineId).OnDelete(DeleteBehavior.Restrict);
        b.HasOne<Patient>().WithMany().HasForeignKey(x => x.PatientId).OnDelete(DeleteBehavior.Restrict);
        b.HasMany(x => x.Messages).WithOne(x => x.Ticket).HasForeignKey(x => x.TicketId).OnDelete(DeleteBehavior.Cascade);
        b.Navigation(x => x.Messages).HasField("_messages").UsePropertyAccessMode(PropertyAccessMode.Field);

        // The filters of supportTickets, each within one organization.
        b.HasIndex(x => new { x.OrganizationId, x.Status });
        b.HasIndex(x => x.OrderLineId);
        b.HasIndex(x => x.PatientId);
        b.HasIndex(x => x.ClinicId);
    }
}

internal sealed class SupportTicketMessageConfiguration : IEntityTypeConfiguration<SupportTicketMessage>
{
    public void Configure(EntityTypeBuilder<SupportTicketMessage> b)
    {
        b.ToTable("SupportTicketMessages");
        b.Property(x => x.Author).HasMaxLength(20);
        b.Property(x => x.Body).HasMaxLength(SupportTicket.MaxMessageLength);
        b.Property(x => x.IdempotencyKey).HasMaxLength(200);

        // A partner event redelivered (or delivered twice at once) adds its reply once.
        b.HasIndex(x => new { x.TicketId, x.IdempotencyKey }).IsUnique();
    }
}
