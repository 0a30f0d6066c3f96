using GraphQL.Types;
using Headless.GraphQL;
using Headless.Shared;

namespace Headless.Patients;

public sealed class PatientType : NodeGraphType<Patient>
{
    public PatientType()
        : base("Patient", "A patient of your organization. Every field is protected health information.")
    {
        Field(x => x.ExternalId, nullable: true).Description("Your own identifier for the patient, unique in your organization.");
        Field(x => x.FirstName).Description("Given name.");
        Field(x => x.LastName).Description("Family name.");
        Field<NonNullGraphType<DateScalar>>("dateOfBirth").Description("Date of birth.").Resolve(c => c.Source.DateOfBirth);
        Field<NonNullGraphType<AddressType>>("address").Description("Shipping address; cart lines ship here unless they name another.").Resolve(c => c.Source.Address);
        Field<NonNullGraphType<DateTimeScalar>>("createdAt").Description("When the patient was added.").Resolve(c => c.Source.CreatedAt);
        Field<NonNullGraphType<DateTimeScalar>>("updatedAt").Description("When the patient was last changed.").Resolve(c => c.Source.UpdatedAt);
        Field(x => x.Archived).Description("True once patientArchive archived the patient: left out of patients unless includeArchived is true, and refused by cartLinesAdd and cartLinesAddFromQuickfill (PATIENT_ARCHIVED). Their orders, order lines and lines already in a cart are kept.");
        Field<DateTimeScalar>("archivedAt").Description("When the patient was archived; null while the patient is active.").Resolve(c => c.Source.ArchivedAt);
    }
}

/// <summary>Input of patientCreate and patientUpdate.</summary>
public sealed record PatientInput
{
    public string? ExternalId { get; init; }

    public string? FirstName { get; init; }

    public string? LastName { get; init; }

    public DateOnly? DateOfBirth { get; init; }

    public AddressInput? Address { get; init; }
}

public sealed class PatientInputType : InputObjectGraphType<PatientInput>
{
    public PatientInputType()
    {
        Name = "PatientInput";
        Description = "Patient details. On patientCreate firstName, lastName, dateOfBirth and address are required; on patientUpdate only the fields given are changed (an address given replaces the whole address).";
        Field(x => x.ExternalId, nullable: true).Description("Your identifier for the patient (at most 100 characters, unique in your organization). On update, an empty string clears it.");
        Field(x => x.FirstName, nullable: true).Description("Given name (at most 100 characters).");
        Field(x => x.LastName, nullable: true).Description("Family name (at most 100 characters).");
        Field<DateScalar>("dateOfBirth").Description("Date of birth: in the past and at most 130 years ago.");
        Field<AddressInputType>("address").Description("Shipping address.");
    }
}

/// <summary>Result of patientCreate, patientUpdate, patientArchive and patientRestore.</summary>
public sealed record PatientPayload(Patient? Patient, IReadOnlyList<UserError> UserErrors);

public sealed class PatientPayloadType : ObjectGraphType<PatientPayload>
{
    public PatientPayloadType()
    {
        Name = "PatientPayload";
        Description = "The result of a patient mutation.";
        Field<PatientType>("patient").Description("The patient as saved; null when userErrors is not empty.").Resolve(c => c.Source.Patient);
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<UserErrorType>>>>("userErrors")
            .Description("Problems with the input. When not empty, nothing was saved.").Resolve(c => c.Source.UserErrors);
    }
}
