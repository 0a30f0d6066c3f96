using Headless.Shared;

namespace Headless.Patients;

/// <summary>A patient of an organization. Everything on this row is PHI: never log it.</summary>
public sealed class Patient : IEntity, ITenantOwned
{
    private Patient()
    {
    }

    public Patient(long organizationId, string? externalId, string firstName, string lastName, DateOnly dateOfBirth, Address address, DateTimeOffset now)
    {
        OrganizationId = organizationId;
        ExternalId = externalId;
        FirstName = firstName;
        LastName = lastName;
        DateOfBirth = dateOfBirth;
        Address = address;
        CreatedAt = now;
        UpdatedAt = now;
        RefreshDerivedColumns();
    }

    public long Id { get; private set; }

    public long OrganizationId { get; private set; }

    /// <summary>The brand's own identifier for the patient, unique within the organization when present.</summary>
    public string? ExternalId { get; private set; }

    public string FirstName { get; private set; } = "";

    public string LastName { get; private set; } = "";

    /// <summary>Lower-cased "first last" kept for case-insensitive search on every provider.</summary>
    public string SearchName { get; private set; } = "";

    public DateOnly DateOfBirth { get; private set; }

    /// <summary>The address's <see cref="Address.ShipmentKey"/>, kept with it so carts can count shipments in SQL.</summary>
    public string AddressKey { get; private set; } = "";

    public Address Address { get; private set; } = new();

    public DateTimeOffset CreatedAt { get; private set; }

    public DateTimeOffset UpdatedAt { get; private set; }

    /// <summary>When the patient was archived: out of patient lists and searches, refused by new cart lines; null while active.</summary>
    public DateTimeOffset? ArchivedAt { get; private set; }

    public bool Archived => ArchivedAt is not null;

    public void Update(string? externalId, string firstName, string lastName, DateOnly dateOfBirth, Address address, DateTimeOffset now)
    {
        ExternalId = externalId;
        FirstName = firstName;
        LastName = lastName;
        DateOfBirth = dateOfBirth;
        Address = address;
        UpdatedAt = now;
        RefreshDerivedColumns();
    }

    /// <summary>Archives the patient; archiving an archived patient keeps the first time.</summary>
    public void Archive(DateTimeOffset now)
    {
        if (ArchivedAt is null)
        {
            ArchivedAt = now;
            UpdatedAt = now;
        }
    }

    public void Restore(DateTimeOffset now)
    {
        if (ArchivedAt is not null)
        {
            ArchivedAt = null;
            UpdatedAt = now;
        }
    }

    /// <summary>Columns kept for SQL (search, shipment grouping), recomputed whenever the values they derive from change.</summary>
    internal void RefreshDerivedColumns()
    {
        SearchName = $"{FirstName} {LastName}".ToLowerInvariant();
        AddressKey = Address.ShipmentKey();
    }
}
