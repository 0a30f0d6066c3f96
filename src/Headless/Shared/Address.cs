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

    public bool IsComplete =>
        !string.IsNullOrWhiteSpace(Line1) && !string.IsNullOrWhiteSpace(City) &&
        UsStates.IsValid(State) && ZipCode.IsValid(Zip);
}
