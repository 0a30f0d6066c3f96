namespace Headless.Quickfills;

/// <summary>A new quickfill: its clinic, a name, and a line template as cartLinesAdd takes a line, without the patient.</summary>
public sealed record QuickfillInput
{
    public string? ClinicId { get; init; }

    public string? Name { get; init; }

    public string? OfferingId { get; init; }

    public string? ProductId { get; init; }

    public string? PharmacyId { get; init; }

    public int? Quantity { get; init; }

    public string? Sig { get; init; }

    public int? DaysSupply { get; init; }

    public string? PrescriberId { get; init; }
}

/// <summary>
/// Changes to a quickfill. A field left out keeps its value; a field given as null clears it. Giving any of offeringId,
/// productId or pharmacyId replaces where the template orders from with exactly what is given.
/// </summary>
public sealed record QuickfillUpdateInput
{
    public string? Name { get; init; }

    public string? OfferingId { get; init; }

    public string? ProductId { get; init; }

    public string? PharmacyId { get; init; }

    public int? Quantity { get; init; }

    public string? Sig { get; init; }

    public int? DaysSupply { get; init; }

    public string? PrescriberId { get; init; }

    /// <summary>The names of the input fields the request gave, null ones included (GraphQL tells "null" from "left out").</summary>
    public IReadOnlySet<string> Given { get; init; } = new HashSet<string>(StringComparer.Ordinal);

    public bool Has(string field) => Given.Contains(field);

    public bool ChangesPlacement => Has("offeringId") || Has("productId") || Has("pharmacyId");
}
