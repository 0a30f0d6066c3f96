using Headless.GraphQL;

namespace Headless.Quickfills;

// Commands take database keys: QuickfillInputDecoding has decoded the global IDs. A value that could not be decoded
// is null and its problem is in InputErrors, so the service still checks the rest and one answer names every problem.

/// <summary>Saves a new template for a clinic.</summary>
public sealed record CreateQuickfill(long? ClinicId, string? Name, QuickfillTemplate Template)
{
    public IReadOnlyList<UserError> InputErrors { get; init; } = [];
}

/// <summary>Changes a template: each part given replaces the current one, a part left null keeps it.</summary>
public sealed record UpdateQuickfill(long? QuickfillId)
{
    public string? Name { get; init; }

    /// <summary>Where the template orders from, when the request replaces it (the values of the template are ignored).</summary>
    public QuickfillTemplate? Placement { get; init; }

    public Changed<int?>? Quantity { get; init; }

    public Changed<string?>? Sig { get; init; }

    public Changed<int?>? DaysSupply { get; init; }

    public Changed<long?>? PrescriberId { get; init; }

    public IReadOnlyList<UserError> InputErrors { get; init; } = [];
}

/// <summary>A value a request sets, null included; a missing <see cref="Changed{T}"/> keeps the current one.</summary>
public sealed record Changed<T>(T Value);

/// <summary>Adds the template's line for every patient to the clinic's open cart, as one cartLinesAdd: all or none.</summary>
public sealed record AddCartLinesFromQuickfill(long ClinicId, long QuickfillId, IReadOnlyList<long?> PatientIds, int? ExpectedVersion = null)
{
    public IReadOnlyList<UserError> InputErrors { get; init; } = [];
}
