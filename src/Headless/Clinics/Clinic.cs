using System.ComponentModel;
using Headless.Shared;

namespace Headless.Clinics;

/// <summary>How a clinic's cart picks a pharmacy when a line leaves it out.</summary>
[Description("How a pharmacy is chosen for a cart line that leaves it out.")]
public enum RoutingPreference
{
    [Description("The cheapest active, in-stock offering from a pharmacy licensed for the patient's state.")]
    Cheapest,

    [Description("The licensed, in-stock offering with the shortest pharmacy turnaround; price breaks ties.")]
    Fastest,
}

/// <summary>A location of an organization with its NPI and ship-to/billing defaults.</summary>
public sealed class Clinic : IEntity, ITenantOwned
{
    private Clinic()
    {
    }

    public Clinic(long organizationId, string name, string npi, Address shipTo, Address? billingAddress, RoutingPreference routingPreference, DateTimeOffset createdAt)
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

    public RoutingPreference RoutingPreference { get; private set; } = Clinics.RoutingPreference.Cheapest;

    public DateTimeOffset CreatedAt { get; private set; }

    /// <summary>Replaces the clinic's details; carts read the new defaults from their next edit on.</summary>
    public void Update(string name, string npi, Address shipTo, Address? billingAddress, RoutingPreference routingPreference)
    {
        Name = name;
        Npi = npi;
        ShipTo = shipTo;
        BillingAddress = billingAddress;
        RoutingPreference = routingPreference;
    }
}
