using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Headless.Prescribers;

internal sealed class PrescriberConfiguration : IEntityTypeConfiguration<Prescriber>
{
    /// <summary>Shadow property counting changes to a prescriber's licenses.</summary>
    public const string LicensesVersion = "LicensesVersion";

    public void Configure(EntityTypeBuilder<Prescriber> b)
    {
        b.ToTable("Prescribers");
        b.Property(x => x.FirstName).HasMaxLength(100);
        b.Property(x => x.LastName).HasMaxLength(100);
        b.Property(x => x.Npi).HasMaxLength(10);
        b.Property(x => x.DeaNumber).HasMaxLength(9);

        // A JSON column, like a pharmacy's states (README "Round trips"). A state holds at most one license: a change
        // rewrites the whole list, so the list's version is a concurrency token and the loser of two racing changes
        // re-reads and re-applies (PrescribersSchema.ChangeLicensesAsync).
        b.OwnsMany(x => x.Licenses, l =>
        {
            l.ToJson("Licenses");
            l.Property(x => x.State).HasMaxLength(2);
            l.Property(x => x.Number).HasMaxLength(50);
        });
        b.Property<int>(LicensesVersion).IsConcurrencyToken();
        b.Navigation(x => x.Licenses).UsePropertyAccessMode(PropertyAccessMode.Field);
        b.HasIndex(x => new { x.OrganizationId, x.Npi }).IsUnique();
    }
}
