using Headless.GraphQL;
using Headless.Shared;

namespace Headless.Carts;

// Commands take database keys: the GraphQL layer (CartInputDecoding) has decoded the global IDs. A value whose
// input could not be decoded or shaped is null in the command and its problem is in InputErrors, so the handler
// still checks everything else and one answer names every problem of the call; with any InputErrors nothing is applied.

/// <summary>Adds lines to the clinic's open cart (created on first use): all of them or none.</summary>
public sealed record AddCartLines(long ClinicId, IReadOnlyList<NewCartLine> Lines, int? ExpectedVersion = null)
{
    /// <summary>Problems found while shaping the input, with the same codes and fields as the handler's own.</summary>
    public IReadOnlyList<UserError> InputErrors { get; init; } = [];
}

/// <summary>
/// A line to add: a patient and either an offering, or a product with an optional pharmacy (without one the clinic's
/// routing preference picks it). A line whose patient, product and pharmacy match a line in the cart merges into it.
/// </summary>
public sealed record NewCartLine(long? PatientId, long? OfferingId, long? ProductId = null, long? PharmacyId = null)
{
    public int? Quantity { get; init; }

    public string? Sig { get; init; }

    public int? DaysSupply { get; init; }

    public long? PrescriberId { get; init; }

    /// <summary>A ship-to other than the patient's address; null ships to the patient's current address.</summary>
    public Address? ShipTo { get; init; }

    /// <summary>The number of the rejected order line this line corrects (orderLineResubmit).</summary>
    public string? ResubmitsLineNumber { get; init; }
}

/// <summary>Changes lines of an open cart: all of them or none.</summary>
public sealed record UpdateCartLines(long CartId, IReadOnlyList<CartLineChange> Lines, int? ExpectedVersion = null)
{
    /// <summary>Problems found while shaping the input, with the same codes and fields as the handler's own.</summary>
    public IReadOnlyList<UserError> InputErrors { get; init; } = [];
}

/// <summary>Changes to one cart line; null leaves a value as it is.</summary>
public sealed record CartLineChange(long? LineId)
{
    /// <summary>Another offering of the line's product.</summary>
    public long? OfferingId { get; init; }

    /// <summary>Another pharmacy for the line's product.</summary>
    public long? PharmacyId { get; init; }

    public int? Quantity { get; init; }

    public string? Sig { get; init; }

    public int? DaysSupply { get; init; }

    public long? PrescriberId { get; init; }

    public Address? ShipTo { get; init; }

    /// <summary>Drops the ship-to override: the line ships to the patient's own address again.</summary>
    public bool ShipToPatientAddress { get; init; }
}

/// <summary>Removes lines from an open cart: all of them or none.</summary>
public sealed record RemoveCartLines(long CartId, IReadOnlyList<long?> LineIds, int? ExpectedVersion = null)
{
    /// <summary>Problems found while shaping the input, with the same codes and fields as the handler's own.</summary>
    public IReadOnlyList<UserError> InputErrors { get; init; } = [];
}

/// <summary>The outcome of a cart edit: the cart after the edit, or the reasons nothing changed.</summary>
public sealed record CartEditResult(Cart? Cart, IReadOnlyList<UserError> UserErrors)
{
    /// <summary>The whole cart as the edit left it, when the edit had all of it in memory: the payload is answered from it, not read again.</summary>
    public ICartContents? Contents { get; init; }
}
