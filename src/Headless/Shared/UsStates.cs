using System.Collections.Frozen;

namespace Headless.Shared;

/// <summary>Two-letter USPS codes for the states, DC and the inhabited territories that 503A pharmacies ship to.</summary>
public static class UsStates
{
    public static readonly FrozenSet<string> All = new[]
    {
        "AL", "AK", "AZ", "AR", "CA", "CO", "CT", "DE", "DC", "FL", "GA", "HI", "ID", "IL", "IN", "IA", "KS",
        "KY", "LA", "ME", "MD", "MA", "MI", "MN", "MS", "MO", "MT", "NE", "NV", "NH", "NJ", "NM", "NY", "NC",
        "ND", "OH", "OK", "OR", "PA", "RI", "SC", "SD", "TN", "TX", "UT", "VT", "VA", "WA", "WV", "WI", "WY",
        "PR", "GU", "VI", "AS", "MP",
    }.ToFrozenSet(StringComparer.Ordinal);

    /// <summary>Exact, upper-case match: "ca" is not accepted so stored data stays canonical.</summary>
    public static bool IsValid(string? code) => code is { Length: 2 } && All.Contains(code);
}

/// <summary>US ZIP codes: five digits, optionally ZIP+4 ("94103" or "94103-1234").</summary>
public static class ZipCode
{
    public static bool IsValid(string? zip) =>
        zip is not null && (zip.Length == 5 || (zip.Length == 10 && zip[5] == '-')) &&
        zip.Select((c, i) => i == 5 ? c == '-' : char.IsAsciiDigit(c)).All(ok => ok);
}
