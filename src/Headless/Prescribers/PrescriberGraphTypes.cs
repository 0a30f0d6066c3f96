using GraphQL.Types;
using Headless.GraphQL;

namespace Headless.Prescribers;

public sealed class PrescriberType : NodeGraphType<Prescriber>
{
    public PrescriberType()
        : base("Prescriber", "A prescriber of your organization: NPI, optional DEA registration and state licenses.")
    {
        Field(x => x.FirstName).Description("Given name.");
        Field(x => x.LastName).Description("Family name.");
        Field(x => x.Npi).Description("Individual NPI (ten digits).");
        Field(x => x.DeaNumber, nullable: true).Description("DEA registration number; null when the prescriber has none. Controlled products need one.");
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<PrescriberLicenseType>>>>("licenses")
            .Description("State licenses, expired ones included (see `active`).")
            .Resolve(c => c.Source.Licenses);
        Field<NonNullGraphType<DateTimeScalar>>("createdAt").Description("When the prescriber was added.").Resolve(c => c.Source.CreatedAt);
    }
}

public sealed class PrescriberLicenseType : ObjectGraphType<PrescriberLicense>
{
    public PrescriberLicenseType()
    {
        Name = "PrescriberLicense";
        Description = "A state license to prescribe.";
        Field(x => x.State).Description("Two-letter state code the license covers.");
        Field(x => x.Number).Description("License number as issued by the state board.");
        Field<NonNullGraphType<DateScalar>>("expiresOn").Description("Last day the license is valid.").Resolve(c => c.Source.ExpiresOn);
        Field<NonNullGraphType<BooleanGraphType>>("active")
            .Description("True while the license has not expired (today, in UTC, is on or before expiresOn).")
            .Resolve(c => c.Source.IsActiveOn(DateOnly.FromDateTime(c.Service<TimeProvider>().GetUtcNow().UtcDateTime)));
    }
}

/// <summary>Input of prescriberCreate.</summary>
public sealed record PrescriberInput
{
    public string? FirstName { get; init; }

    public string? LastName { get; init; }

    public string? Npi { get; init; }

    public string? Dea { get; init; }

    public IReadOnlyList<PrescriberLicenseInput>? Licenses { get; init; }
}

/// <summary>One license in a PrescriberInput.</summary>
public sealed record PrescriberLicenseInput
{
    public string? State { get; init; }

    public string? Number { get; init; }

    public DateOnly? ExpiresOn { get; init; }
}

public sealed class PrescriberInputType : InputObjectGraphType<PrescriberInput>
{
    public PrescriberInputType()
    {
        Name = "PrescriberInput";
        Description = "A prescriber to add. firstName, lastName and npi are required.";
        Field(x => x.FirstName, nullable: true).Description("Given name (required, at most 100 characters).");
        Field(x => x.LastName, nullable: true).Description("Family name (required, at most 100 characters).");
        Field(x => x.Npi, nullable: true).Description("Individual NPI: ten digits with a valid check digit (required, unique in your organization).");
        Field(x => x.Dea, nullable: true).Description("DEA registration number (two letters and seven digits with the DEA check digit), if any.");
        Field<ListGraphType<NonNullGraphType<PrescriberLicenseInputType>>>("licenses")
            .Description("State licenses, at most one per state and at most 60 in all. Each must be unexpired.");
    }
}

public sealed class PrescriberLicenseInputType : InputObjectGraphType<PrescriberLicenseInput>
{
    public PrescriberLicenseInputType()
    {
        Name = "PrescriberLicenseInput";
        Description = "A state license: state, number and expiry are all required.";
        Field(x => x.State, nullable: true).Description("Two-letter state code in upper case.");
        Field(x => x.Number, nullable: true).Description("License number (at most 50 characters).");
        Field<DateScalar>("expiresOn").Description("Last day the license is valid; must not be in the past.");
    }
}

/// <summary>Input of prescriberUpdate; <see cref="Given"/> names the fields the request carried, null ones included.</summary>
public sealed record PrescriberUpdateInput
{
    public string? FirstName { get; init; }

    public string? LastName { get; init; }

    public string? Npi { get; init; }

    public string? Dea { get; init; }

    public IReadOnlySet<string> Given { get; init; } = new HashSet<string>();
}

public sealed class PrescriberUpdateInputType : InputObjectGraphType<PrescriberUpdateInput>
{
    public PrescriberUpdateInputType()
    {
        Name = "PrescriberUpdateInput";
        Description = "Changes to a prescriber. A field left out keeps its value; each field given is checked as on prescriberCreate. Licenses change through prescriberLicenseUpsert and prescriberLicenseRemove.";
        Field(x => x.FirstName, nullable: true).Description("Given name (at most 100 characters).");
        Field(x => x.LastName, nullable: true).Description("Family name (at most 100 characters).");
        Field(x => x.Npi, nullable: true).Description("Individual NPI: ten digits with a valid check digit, unique in your organization.");
        Field(x => x.Dea, nullable: true)
            .Description("DEA registration number (two letters and seven digits with the DEA check digit). Null or an empty string clears it; controlled products then fail validation with DEA_REQUIRED.");
    }

    // Which fields were given, null ones included: a field left out keeps its value, dea given as null clears it.
    public override object ParseDictionary(IDictionary<string, object?> value) =>
        (PrescriberUpdateInput)base.ParseDictionary(value) with { Given = value.Keys.ToHashSet(StringComparer.Ordinal) };
}

/// <summary>Result of prescriberCreate, prescriberUpdate, prescriberLicenseUpsert and prescriberLicenseRemove.</summary>
public sealed record PrescriberPayload(Prescriber? Prescriber, IReadOnlyList<UserError> UserErrors);

public sealed class PrescriberPayloadType : ObjectGraphType<PrescriberPayload>
{
    public PrescriberPayloadType()
    {
        Name = "PrescriberPayload";
        Description = "The result of a prescriber mutation.";
        Field<PrescriberType>("prescriber").Description("The prescriber as saved; null when userErrors is not empty.").Resolve(c => c.Source.Prescriber);
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<UserErrorType>>>>("userErrors")
            .Description("Problems with the input. When not empty, nothing was saved.").Resolve(c => c.Source.UserErrors);
    }
}
