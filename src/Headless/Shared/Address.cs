namespace Headless.Shared;

/// <summary>A US postal address. Stored as an owned value on clinics, patients and (later) cart lines.</summary>
public sealed class Address
{
    public string Line1 { get; set; } = "";
    public string? Line2 { get; set; }
    public string City { get; set; } = "";
    public string State { get; set; } = "";
    public string Zip { get; set; } = "";

    public Address Copy() => new() { Line1 = Line1, Line2 = Line2, City = City, State = State, Zip = Zip };

    /// <summary>Longest <see cref="ShipmentKey"/>: the five fields at their column limits and four separators.</summary>
    public const int ShipmentKeyLength = 200 + 200 + 100 + 2 + 10 + 4;

    /// <summary>
    /// Where a shipment goes, case-insensitively: a pharmacy's lines with the same key travel together and share
    /// one shipping fee. Stored beside the address it comes from, so the database groups shipments by plain
    /// equality and every provider agrees with the C# pricing to the cent.
    /// </summary>
    public string ShipmentKey() => string.Join('|', Line1, Line2, City, State, Zip).ToUpperInvariant();

    public bool IsComplete =>
        !string.IsNullOrWhiteSpace(Line1) && !string.IsNullOrWhiteSpace(City) &&
        UsStates.IsValid(State) && ZipCode.IsValid(Zip);
}
