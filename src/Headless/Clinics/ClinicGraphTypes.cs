using GraphQL.Types;
using Headless.GraphQL;
using Headless.Shared;

namespace Headless.Clinics;

public sealed class ClinicType : NodeGraphType<Clinic>
{
    public ClinicType()
        : base("Clinic", "A location of your organization, with its NPI and the ship-to and billing defaults its carts use.")
    {
        Field(x => x.Name).Description("The clinic's display name.");
        Field(x => x.Npi).Description("The clinic's organizational NPI (ten digits).");
        Field<NonNullGraphType<AddressType>>("shipTo").Description("Default ship-to address for orders placed by this clinic.").Resolve(c => c.Source.ShipTo);
        Field<AddressType>("billingAddress").Description("Billing address, when different from the ship-to address.").Resolve(c => c.Source.BillingAddress);
        Field<NonNullGraphType<EnumGraphType<RoutingPreference>>>("routingPreference")
            .Description("How this clinic's carts choose a pharmacy when a line does not name one.")
            .Resolve(c => c.Source.RoutingPreference);
        Field<NonNullGraphType<DateTimeScalar>>("createdAt").Description("When the clinic was created.").Resolve(c => c.Source.CreatedAt);
    }
}

/// <summary>Input of clinicCreate.</summary>
public sealed record ClinicInput
{
    public string? Name { get; init; }

    public string? Npi { get; init; }

    public AddressInput? ShipTo { get; init; }

    public AddressInput? BillingAddress { get; init; }

    public RoutingPreference? RoutingPreference { get; init; }
}

public sealed class ClinicInputType : InputObjectGraphType<ClinicInput>
{
    public ClinicInputType()
    {
        Name = "ClinicInput";
        Description = "A clinic to create. name, npi and shipTo are required.";
        Field(x => x.Name, nullable: true).Description("Display name (required, at most 200 characters).");
        Field(x => x.Npi, nullable: true).Description("Organizational NPI: ten digits with a valid check digit (required).");
        Field<AddressInputType>("shipTo").Description("Default ship-to address (required).");
        Field<AddressInputType>("billingAddress").Description("Billing address, if different from shipTo.");
        Field<EnumGraphType<RoutingPreference>>("routingPreference").Description("Pharmacy choice for lines that leave it out. Defaults to CHEAPEST.");
    }
}

/// <summary>Input of clinicUpdate; <see cref="Given"/> names the fields the request carried, null ones included.</summary>
public sealed record ClinicUpdateInput
{
    public string? Name { get; init; }

    public string? Npi { get; init; }

    public AddressInput? ShipTo { get; init; }

    public AddressInput? BillingAddress { get; init; }

    public RoutingPreference? RoutingPreference { get; init; }

    public IReadOnlySet<string> Given { get; init; } = new HashSet<string>();
}

public sealed class ClinicUpdateInputType : InputObjectGraphType<ClinicUpdateInput>
{
    public ClinicUpdateInputType()
    {
        Name = "ClinicUpdateInput";
        Description = "Changes to a clinic. A field left out keeps its value. Each field given is checked as on clinicCreate; billingAddress given as null clears it (billing then uses shipTo), the other fields cannot be cleared.";
        Field(x => x.Name, nullable: true).Description("Display name (at most 200 characters).");
        Field(x => x.Npi, nullable: true).Description("Organizational NPI: ten digits with a valid check digit.");
        Field<AddressInputType>("shipTo").Description("Default ship-to address; replaces the whole address.");
        Field<AddressInputType>("billingAddress").Description("Billing address; replaces the whole address, or null to clear it.");
        Field<EnumGraphType<RoutingPreference>>("routingPreference").Description("Pharmacy choice for lines that leave it out.");
    }

    // Which fields were given, null ones included: a field left out keeps its value, billingAddress given as null clears it.
    public override object ParseDictionary(IDictionary<string, object?> value) =>
        (ClinicUpdateInput)base.ParseDictionary(value) with { Given = value.Keys.ToHashSet(StringComparer.Ordinal) };
}

/// <summary>Result of clinicCreate and clinicUpdate.</summary>
public sealed record ClinicPayload(Clinic? Clinic, IReadOnlyList<UserError> UserErrors);

public sealed class ClinicPayloadType : ObjectGraphType<ClinicPayload>
{
    public ClinicPayloadType()
    {
        Name = "ClinicPayload";
        Description = "The result of a clinic mutation.";
        Field<ClinicType>("clinic").Description("The clinic as saved; null when userErrors is not empty.").Resolve(c => c.Source.Clinic);
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<UserErrorType>>>>("userErrors")
            .Description("Problems with the input. When not empty, nothing was saved.").Resolve(c => c.Source.UserErrors);
    }
}
