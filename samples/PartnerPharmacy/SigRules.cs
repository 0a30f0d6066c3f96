using System.Text.RegularExpressions;

namespace PartnerPharmacy;

/// <summary>
/// The simulator's (deliberately simple) rule for whether a pharmacist can read a SIG:
/// it must contain a dose — a number (digits such as <c>0.25</c> or <c>1/2</c>, or one of the words one, two, three,
/// four, half) directly followed by a dose unit — and at least one frequency word or phrase. Matching is
/// case-insensitive on whole words.
/// </summary>
public sealed class SigRules
{
    public static readonly IReadOnlyList<string> DefaultDoseUnits =
    [
        "mg", "mcg", "mL", "unit", "units", "IU", "tablet", "tablets", "capsule", "capsules",
    ];

    public static readonly IReadOnlyList<string> DefaultFrequencyWords =
    [
        "daily", "once", "twice", "weekly", "nightly", "hourly", "monthly", "every", "times",
        "morning", "evening", "bedtime", "as needed", "prn", "qd", "bid", "tid", "qid", "qhs", "qod", "qw",
    ];

    private readonly Regex _dose;
    private readonly Regex _frequency;

    public SigRules(IEnumerable<string>? doseUnits = null, IEnumerable<string>? frequencyWords = null)
    {
        var units = Alternation(doseUnits ?? DefaultDoseUnits);
        var words = Alternation(frequencyWords ?? DefaultFrequencyWords);
        _dose = new Regex(
            $@"(?<![\w.])(\d+(\.\d+)?(/\d+)?|\.\d+|one|two|three|four|half)\s*-?\s*({units})(?!\w)",
            RegexOptions.IgnoreCase | RegexOptions.CultureInvariant,
            TimeSpan.FromSeconds(1));
        _frequency = new Regex(
            $@"(?<!\w)({words})(?!\w)",
            RegexOptions.IgnoreCase | RegexOptions.CultureInvariant,
            TimeSpan.FromSeconds(1));
    }

    /// <summary>Null when the SIG is readable; otherwise the clarification message (never echoes the SIG).</summary>
    public string? Check(string? sig)
    {
        if (string.IsNullOrWhiteSpace(sig))
        {
            return "SIG is missing.";
        }

        var hasDose = _dose.IsMatch(sig);
        var hasFrequency = _frequency.IsMatch(sig);
        return (hasDose, hasFrequency) switch
        {
            (true, true) => null,
            (false, true) => "SIG needs clarification: no dose with a unit (e.g. 0.25 mg, 10 units, 1 tablet).",
            (true, false) => "SIG needs clarification: no frequency (e.g. once weekly, twice daily, every 12 hours).",
            _ => "SIG needs clarification: no dose with a unit and no frequency.",
        };
    }

    private static string Alternation(IEnumerable<string> items) =>
        string.Join('|', items
            .Select(i => i.Trim())
            .Where(i => i.Length > 0)
            .OrderByDescending(i => i.Length)
            .Select(i => Regex.Escape(i).Replace(@"\ ", @"\s+", StringComparison.Ordinal)));
}
