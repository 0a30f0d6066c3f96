using Headless.Shared;

namespace Headless.Prescribers;

/// <summary>A licensed prescriber of an organization: NPI, optional DEA registration, state licenses.</summary>
public sealed class Prescriber : IEntity, ITenantOwned
{
    private readonly List<PrescriberLicense> _licenses = [];

    private Prescriber()
    {
    }

    public Prescriber(long organizationId, string firstName, string lastName, string npi, string? deaNumber, IEnumerable<PrescriberLicense> licenses, DateTimeOffset createdAt)
    {
        OrganizationId = organizationId;
        FirstName = firstName;
        LastName = lastName;
        Npi = npi;
        DeaNumber = deaNumber;
        _licenses.AddRange(licenses);
        CreatedAt = createdAt;
    }

    public long Id { get; private set; }

    public long OrganizationId { get; private set; }

    public string FirstName { get; private set; } = "";

    public string LastName { get; private set; } = "";

    public string Npi { get; private set; } = "";

    public string? DeaNumber { get; private set; }

    public IReadOnlyList<PrescriberLicense> Licenses => _licenses;

    public DateTimeOffset CreatedAt { get; private set; }

    public void Update(string firstName, string lastName, string npi, string? deaNumber)
    {
        FirstName = firstName;
        LastName = lastName;
        Npi = npi;
        DeaNumber = deaNumber;
    }

    /// <summary>Adds the state's license, or renews the one the prescriber holds: a state has at most one license.</summary>
    public PrescriberLicense UpsertLicense(string state, string number, DateOnly expiresOn)
    {
        if (_licenses.FirstOrDefault(l => l.State == state) is { } held)
        {
            held.Renew(number, expiresOn);
            return held;
        }

        var license = new PrescriberLicense(state, number, expiresOn);
        _licenses.Add(license);
        return license;
    }

    /// <summary>Removes the state's license; false when the prescriber holds none there.</summary>
    public bool RemoveLicense(string state) => _licenses.RemoveAll(l => l.State == state) > 0;

    /// <summary>True when an unexpired license covers the state on the given day.</summary>
    public bool IsLicensedIn(string state, DateOnly today) =>
        _licenses.Any(l => l.State == state && l.IsActiveOn(today));
}

/// <summary>A state license held by a prescriber.</summary>
public sealed class PrescriberLicense
{
    private PrescriberLicense()
    {
    }

    public PrescriberLicense(string state, string number, DateOnly expiresOn)
    {
        State = state;
        Number = number;
        ExpiresOn = expiresOn;
    }

    public string State { get; private set; } = "";

    public string Number { get; private set; } = "";

    public DateOnly ExpiresOn { get; private set; }

    /// <summary>A renewal: the board may issue a new number with the new expiry.</summary>
    public void Renew(string number, DateOnly expiresOn)
    {
        Number = number;
        ExpiresOn = expiresOn;
    }

    /// <summary>A license is valid through the end of its expiry day.</summary>
    public bool IsActiveOn(DateOnly day) => ExpiresOn >= day;
}
