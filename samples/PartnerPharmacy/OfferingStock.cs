using System.Globalization;

namespace PartnerPharmacy;

/// <summary>
/// The simulator's own stock of the products listed in <see cref="SimulatorOptions.OfferingStock"/>: every accepted
/// line that is not rejected takes its quantity; the line that empties a product triggers one signed offering.updated
/// (stock 0) for the Headless offering named in the entry. In memory, like everything else here.
/// </summary>
public sealed class OfferingStock
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, Entry> _entries = new(StringComparer.OrdinalIgnoreCase);

    public OfferingStock(Microsoft.Extensions.Options.IOptions<SimulatorOptions> options)
    {
        foreach (var text in options.Value.OfferingStock)
        {
            if (TryParseEntry(text, out var product, out var offeringId, out var units))
            {
                _entries[product] = new Entry(offeringId, units);
            }
        }
    }

    /// <summary>"Product name|Offering ID|units"; false when it is not that shape.</summary>
    public static bool TryParseEntry(string text, out string product, out string offeringId, out int units)
    {
        var parts = text.Split('|', StringSplitOptions.TrimEntries);
        product = parts.Length == 3 ? parts[0] : "";
        offeringId = parts.Length == 3 ? parts[1] : "";
        units = 0;
        return parts.Length == 3 && product.Length > 0 && offeringId.Length > 0
            && int.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out units);
    }

    /// <summary>Takes <paramref name="quantity"/> units of a tracked product; the offering ID to report empty when this took the last unit, else null.</summary>
    public string? Take(string productName, int quantity)
    {
        lock (_gate)
        {
            if (!_entries.TryGetValue(productName.Trim(), out var entry) || entry.Remaining == 0)
            {
                return null;
            }

            entry.Remaining = Math.Max(0, entry.Remaining - quantity);
            return entry.Remaining == 0 ? entry.OfferingId : null;
        }
    }

    /// <summary>Units left of a tracked product (null when untracked), for /v1/stats-style checks in tests.</summary>
    public int? Remaining(string productName)
    {
        lock (_gate)
        {
            return _entries.TryGetValue(productName.Trim(), out var entry) ? entry.Remaining : null;
        }
    }

    private sealed class Entry(string offeringId, int remaining)
    {
        public string OfferingId { get; } = offeringId;

        public int Remaining { get; set; } = remaining;
    }
}
