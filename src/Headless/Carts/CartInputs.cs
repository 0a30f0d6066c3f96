using Headless.Shared;

namespace Headless.Carts;

/// <summary>A line to add: a patient and either an offering, or a product with an optional pharmacy.</summary>
public sealed record CartLineInput
{
    public string? PatientId { get; init; }

    public string? OfferingId { get; init; }

    public string? ProductId { get; init; }

    public string? PharmacyId { get; init; }

    public int? Quantity { get; init; }

    public string? Sig { get; init; }

    public int? DaysSupply { get; init; }

    public string? PrescriberId { get; init; }

    public AddressInput? ShipTo { get; init; }
}

/// <summary>Changes to one existing line; fields left out stay as they are.</summary>
public sealed record CartLineUpdateInput
{
    public string? LineId { get; init; }

    public string? OfferingId { get; init; }

    public string? PharmacyId { get; init; }

    public int? Quantity { get; init; }

    public string? Sig { get; init; }

    public int? DaysSupply { get; init; }

    public string? PrescriberId { get; init; }

    public AddressInput? ShipTo { get; init; }

    public bool? ShipToPatientAddress { get; init; }
}
