using Headless.Organizations;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Headless.Audit;

internal sealed class AuditEventConfiguration : IEntityTypeConfiguration<AuditEvent>
{
    public void Configure(EntityTypeBuilder<AuditEvent> b)
    {
        b.ToTable("AuditEvents");
        b.Property(x => x.Credential).HasMaxLength(200);
        b.Property(x => x.ClientAddress).HasMaxLength(64);
        b.Property(x => x.OperationType).HasMaxLength(20);
        b.Property(x => x.OperationName).HasMaxLength(200);
        b.Property(x => x.RootFields).HasMaxLength(2000);
        b.Property(x => x.ObjectType).HasMaxLength(100);

        // Up to MaxObjectIdsPerEvent keys: unbounded text.
        b.Property(x => x.ObjectIds);
        b.Property(x => x.Outcome).HasMaxLength(20);
        b.Property(x => x.CorrelationId).HasMaxLength(100);

        // Audit rows outlive nothing they describe, and an organization with a trail cannot be deleted by accident.
        b.HasOne<Organization>().WithMany().HasForeignKey(x => x.OrganizationId).OnDelete(DeleteBehavior.Restrict);

        // auditEvents pages an organization's rows newest first by key.
        b.HasIndex(x => new { x.OrganizationId, x.Id });
    }
}
