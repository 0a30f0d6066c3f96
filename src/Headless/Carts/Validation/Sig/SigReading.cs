namespace Headless.Carts.Validation.Sig;

/// <summary>The four parts a complete set of prescription directions must state.</summary>
public enum SigPart
{
    Action,
    Dose,
    Route,
    Frequency,
}

/// <summary>
/// A dose with its unit. <see cref="Unit"/> is normalised: "mg", "mcg", "g", "mEq", "mL", "units",
/// "tablet", "capsule", "troche", "lozenge", "click", "pump", "spray", "puff", "patch", "drop",
/// "suppository", "applicator", "packet", "film", "syringe", "pellet", "inhalation", "teaspoon",
/// "tablespoon", "capful", "dropperful", "scoop", "chew", "vial", "strip", "wafer", "sachet".
/// For a range ("1-2 tablets") <see cref="Amount"/> is the upper bound.
/// </summary>
public sealed record SigDose(decimal Amount, string Unit);

/// <summary>
/// What <see cref="SigReader"/> understood of one set of directions. Every value is normalised
/// (see <see cref="SigReader"/>); a part that was not found is null and listed in <see cref="Missing"/>.
/// </summary>
public sealed record SigReading(string? Action, SigDose? Dose, string? Route, string? Frequency)
{
    private static readonly IReadOnlyList<SigPart>[] MissingByMask = BuildMissingTable();

    /// <summary>The parts that were not found, in the order Action, Dose, Route, Frequency.</summary>
    /// <remarks>Computed from the positional values (no backing field), so record equality is unaffected.</remarks>
    public IReadOnlyList<SigPart> Missing => MissingByMask[
        (Action is null ? 1 : 0) | (Dose is null ? 2 : 0) | (Route is null ? 4 : 0) | (Frequency is null ? 8 : 0)];

    public bool IsComplete => Missing.Count == 0;

    /// <summary>
    /// True when the dose was written with a leading ("naked") decimal point, e.g. ".25 mg", which ISMP lists
    /// as error-prone (misread as 25). The dose still counts; callers may surface this as a warning.
    /// </summary>
    public bool HasNakedDecimal { get; init; }

    private static IReadOnlyList<SigPart>[] BuildMissingTable()
    {
        var table = new IReadOnlyList<SigPart>[16];
        for (var mask = 0; mask < 16; mask++)
        {
            var parts = new List<SigPart>(4);
            for (var bit = 0; bit < 4; bit++)
            {
                if ((mask & (1 << bit)) != 0)
                {
                    parts.Add((SigPart)bit);
                }
            }

            table[mask] = parts.AsReadOnly();
        }

        return table;
    }
}
