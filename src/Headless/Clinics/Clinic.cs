using Headless.Shared;

namespace Headless.Clinics;

/// <summary>How a clinic's cart picks a pharmacy when a line leaves it out.</summary>
public static class RoutingPreference
{
    public const string Cheapest = "CHEAPEST";
    public const string Fastest = "FASTEST";

    public static bool IsValid(string? value) => value is Cheapest or Fastest;
}

/// <summary>A location of an organization with its NPI and ship-to/billing defaults.</summary>
public sealed class Clinic : IEntity, ITenantOwned
{
    private Clinic()
    {
    }

    public Clinic(long organizationId, string name, string npi, Address shipTo, Address? billingAddress, string routingPreference, DateTimeOffset createdAt)
    {
        OrganizationId = organizationId;
        Name = name;
        Npi = npi;
        ShipTo = shipTo;
        BillingAddress = billingAddress;
        RoutingPreference = routingPreference;
        CreatedAt = createdAt;
    }

    public long Id { get; private set; }

    public long OrganizationId { get; private set; }

    public string Name { get; private set; } = "";

    public string Npi { get; private set; } = "";

    public Address ShipTo { get; private set; } = new();

    public Address? BillingAddress { get; private set; }

    /// <summary>Stored as a string (see <see cref="Clinics.RoutingPreference"/>).</summary>
    public string RoutingPreference { get; private set; } = Clinics.RoutingPreference.Cheapest;

    public DateTimeOffset CreatedAt { get; private set; }
}
