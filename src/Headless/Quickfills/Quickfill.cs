using Headless.Catalog;
using Headless.Clinics;
using Headless.Prescribers;
using Headless.Shared;

namespace Headless.Quickfills;

/// <summary>
/// A clinic's saved line template: what a cart line takes except its patient (and ship-to, which is the patient's),
/// applied to many patients at once by cartLinesAddFromQuickfill. Where it orders from is an offering, or a product at
/// a chosen pharmacy, or a product the clinic's routing preference places; <see cref="ProductId"/> is always set (from
/// the offering when one is named) so the template's product can be read without the offering.
/// </summary>
public sealed class Quickfill : IEntity, ITenantOwned
{
    public const int MaxNameLength = 100;

    private Quickfill()
    {
    }

    public Quickfill(long organizationId, long clinicId, string name, QuickfillTemplate template, DateTimeOffset now)
    {
        OrganizationId = organizationId;
        ClinicId = clinicId;
        Rename(name);
        Apply(template);
        CreatedAt = now;
        UpdatedAt = now;
    }

    public long Id { get; private set; }

    public long OrganizationId { get; private set; }

    public long ClinicId { get; private set; }

    public Clinic Clinic { get; private set; } = null!;

    public string Name { get; private set; } = "";

    /// <summary>The name trimmed and upper-cased: names are unique per clinic whatever their case, on every provider.</summary>
    public string NameKey { get; private set; } = "";

    /// <summary>The offering the coordinator chose; null when the template names a product.</summary>
    public long? OfferingId { get; private set; }

    public Offering? Offering { get; private set; }

    public long ProductId { get; private set; }

    public Product Product { get; private set; } = null!;

    /// <summary>The pharmacy the template orders from; null when the clinic's routing preference picks it per line.</summary>
    public long? PharmacyId { get; private set; }

    public Pharmacy? Pharmacy { get; private set; }

    public int? Quantity { get; private set; }

    /// <summary>Directions as the template gives them; a clinic's standing directions, tied to no patient.</summary>
    public string? Sig { get; private set; }

    public int? DaysSupply { get; private set; }

    public long? PrescriberId { get; private set; }

    public Prescriber? Prescriber { get; private set; }

    public DateTimeOffset CreatedAt { get; private set; }

    public DateTimeOffset UpdatedAt { get; private set; }

    /// <summary>The template as it stands, for an update to change part of it.</summary>
    public QuickfillTemplate Template => new(OfferingId, OfferingId is null ? ProductId : null, OfferingId is null ? PharmacyId : null)
    {
        Quantity = Quantity,
        Sig = Sig,
        DaysSupply = DaysSupply,
        PrescriberId = PrescriberId,
    };

    public static string KeyOf(string name) => name.Trim().ToUpperInvariant();

    public void Update(string name, QuickfillTemplate template, DateTimeOffset now)
    {
        Rename(name);
        Apply(template);
        UpdatedAt = now;
    }

    private void Rename(string name)
    {
        Name = name.Trim();
        NameKey = KeyOf(name);
    }

    /// <summary>Takes a checked template; <paramref name="template"/>'s product and pharmacy are the offering's when it names one.</summary>
    private void Apply(QuickfillTemplate template)
    {
        OfferingId = template.OfferingId;
        ProductId = template.ProductId ?? throw new ArgumentException("A checked template always has its product.", nameof(template));
        PharmacyId = template.PharmacyId;
        Quantity = template.Quantity;
        Sig = template.Sig;
        DaysSupply = template.DaysSupply;
        PrescriberId = template.PrescriberId;
    }
}

/// <summary>
/// A line template in database keys: an offering, or a product with an optional pharmacy, and the values a cart line
/// takes. After checking (<see cref="QuickfillChecks"/>) a template that names an offering also carries its product
/// and pharmacy.
/// </summary>
public sealed record QuickfillTemplate(long? OfferingId, long? ProductId, long? PharmacyId)
{
    public int? Quantity { get; init; }

    public string? Sig { get; init; }

    public int? DaysSupply { get; init; }

    public long? PrescriberId { get; init; }
}
