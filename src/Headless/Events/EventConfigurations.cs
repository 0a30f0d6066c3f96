using Headless.Organizations;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Headless.Events;

internal sealed class DomainEventConfiguration : IEntityTypeConfiguration<DomainEvent>
{
    public void Configure(EntityTypeBuilder<DomainEvent> b)
    {
        b.ToTable("Events");
        b.Property(x => x.Type).HasMaxLength(60);
        b.Property(x => x.SubjectType).HasMaxLength(20);
        b.Property(x => x.SubjectNumber).HasMaxLength(40);
        b.Property(x => x.Payload).HasMaxLength(4000);
        b.Ignore(x => x.AppendOrder);
        b.Ignore(x => x.Subject);
        b.HasOne<Organization>().WithMany().HasForeignKey(x => x.OrganizationId).OnDelete(DeleteBehavior.Cascade);

        // Readers page by position; the unique index is also what refuses a position given out twice.
        b.HasIndex(x => new { x.OrganizationId, x.Position }).IsUnique();

        // Subscribers that follow one clinic replay its events by position.
        b.HasIndex(x => new { x.OrganizationId, x.ClinicId, x.Position });

        // Retention deletes by time.
        b.HasIndex(x => new { x.OrganizationId, x.OccurredAt });
    }
}

internal sealed class EventStreamConfiguration : IEntityTypeConfiguration<EventStream>
{
    public void Configure(EntityTypeBuilder<EventStream> b)
    {
        b.ToTable("EventStreams");
        b.HasKey(x => x.OrganizationId);
        b.Property(x => x.OrganizationId).ValueGeneratedNever();
        b.HasOne<Organization>().WithMany().HasForeignKey(x => x.OrganizationId).OnDelete(DeleteBehavior.Cascade);
    }
}
