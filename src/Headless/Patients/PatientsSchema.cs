using GraphQL;
using GraphQL.Types;
using Headless.Data;
using Headless.GraphQL;
using Headless.Shared;
using Microsoft.EntityFrameworkCore;

namespace Headless.Patients;

internal sealed class PatientsSchema : ISchemaContribution
{
    private const int MaxAgeYears = 130;
    private const string NoPatient = "No patient with this ID exists in your organization.";

    public void AddQueryFields(ObjectGraphType query) =>
        query.Field<NonNullGraphType<ConnectionType<PatientType, Patient>>>("patients")
            .Description("Your organization's patients, oldest first. At most 100 per page. Archived patients are left out, of the search too, unless includeArchived is true.")
            .Argument<StringGraphType>("search", "Case-insensitive part of the patient's full name (\"first last\") or their exact external ID.")
            .Argument<BooleanGraphType>("includeArchived", "True to list archived patients as well (e.g. to find one to restore). Defaults to false.")
            .PagingArguments()
            .ResolveAsync(async ctx =>
            {
                var (first, after) = ctx.ReadPaging();
                var search = ctx.GetArgument<string?>("search")?.Trim().ToLowerInvariant();
                var includeArchived = ctx.GetArgument<bool?>("includeArchived") ?? false;
                return await ctx.WithDbAsync((db, ct) =>
                {
                    IQueryable<Patient> q = db.Patients.AsNoTracking();
                    if (!includeArchived)
                    {
                        q = q.Where(p => p.ArchivedAt == null);
                    }

                    if (!string.IsNullOrEmpty(search))
                    {
                        var raw = ctx.GetArgument<string>("search").Trim();
                        q = q.Where(p => p.SearchName.Contains(search) || p.ExternalId == raw);
                    }

                    return q.ToConnectionAsync(first, after, ct);
                });
            });

    public void AddMutationFields(ObjectGraphType mutation)
    {
        mutation.Field<NonNullGraphType<PatientPayloadType>>("patientCreate")
            .Description("Adds a patient to your organization.")
            .Argument<NonNullGraphType<PatientInputType>>("input", "The patient to add.")
            .ResolveAsync(async ctx =>
            {
                var input = ctx.GetArgument<PatientInput>("input");
                var now = ctx.Service<TimeProvider>().GetUtcNow();
                var errors = new UserErrorList();
                var externalId = InputChecks.OptionalText(errors, input.ExternalId, 100, "External ID", "input", "externalId");
                var first = InputChecks.RequiredText(errors, input.FirstName, 100, "First name", "input", "firstName");
                var last = InputChecks.RequiredText(errors, input.LastName, 100, "Last name", "input", "lastName");
                var dob = CheckDateOfBirth(errors, input.DateOfBirth, now, required: true);
                var address = InputChecks.Address(errors, input.Address, required: true, "input", "address");
                if (errors.Count > 0)
                {
                    return new PatientPayload(null, errors);
                }

                return await ctx.WithDbAsync(async (db, ct) =>
                {
                    var patient = new Patient(ctx.OrganizationId(), externalId, first!, last!, dob!.Value, address!, now);
                    db.Patients.Add(patient);
                    return await SaveAsync(db, patient, externalId, ct);
                });
            });

        mutation.Field<NonNullGraphType<PatientPayloadType>>("patientUpdate")
            .Description("Changes a patient's details. Only the input fields given are changed.")
            .Argument<NonNullGraphType<IdGraphType>>("id", "The patient's global ID.")
            .Argument<NonNullGraphType<PatientInputType>>("input", "The details to change.")
            .ResolveAsync(async ctx =>
            {
                var input = ctx.GetArgument<PatientInput>("input");
                var now = ctx.Service<TimeProvider>().GetUtcNow();
                var errors = new UserErrorList();
                var externalId = InputChecks.OptionalText(errors, input.ExternalId, 100, "External ID", "input", "externalId");
                var first = input.FirstName is null ? null : InputChecks.RequiredText(errors, input.FirstName, 100, "First name", "input", "firstName");
                var last = input.LastName is null ? null : InputChecks.RequiredText(errors, input.LastName, 100, "Last name", "input", "lastName");
                var dob = CheckDateOfBirth(errors, input.DateOfBirth, now, required: false);
                var address = InputChecks.Address(errors, input.Address, required: false, "input", "address");

                return await ctx.WithDbAsync(async (db, ct) =>
                {
                    // Not found is checked first so that another tenant's ID answers exactly like a missing one.
                    Patient? patient = null;
                    if (GlobalId.TryDecode(ctx.GetArgument<string>("id"), "Patient", out var id))
                    {
                        patient = await db.Patients.FirstOrDefaultAsync(p => p.Id == id, ct);
                    }

                    if (patient is null)
                    {
                        return new PatientPayload(null, [new UserError(UserErrorCode.NotFound, ["id"], NoPatient), .. errors]);
                    }

                    if (errors.Count > 0)
                    {
                        return new PatientPayload(null, errors);
                    }

                    patient.Update(
                        input.ExternalId is null ? patient.ExternalId : externalId,
                        first ?? patient.FirstName,
                        last ?? patient.LastName,
                        dob ?? patient.DateOfBirth,
                        address ?? patient.Address.Copy(),
                        now);
                    return await SaveAsync(db, patient, patient.ExternalId, ct);
                });
            });

        AddArchiving(
            mutation,
            "patientArchive",
            "Archives a patient: they leave patients and its search (see includeArchived), and cartLinesAdd and cartLinesAddFromQuickfill refuse them with PATIENT_ARCHIVED. Their orders, order lines, tracking and lines already in a cart are kept. Archiving an archived patient changes nothing.",
            (p, now) => p.Archive(now));
        AddArchiving(
            mutation,
            "patientRestore",
            "Restores an archived patient: listed and searchable again, and accepted by new cart lines. Restoring an active patient changes nothing.",
            (p, now) => p.Restore(now));
    }

    private static void AddArchiving(ObjectGraphType mutation, string name, string description, Action<Patient, DateTimeOffset> change) =>
        mutation.Field<NonNullGraphType<PatientPayloadType>>(name)
            .Description(description)
            .Argument<NonNullGraphType<IdGraphType>>("id", "The patient's global ID.")
            .ResolveAsync(async ctx =>
            {
                var now = ctx.Service<TimeProvider>().GetUtcNow();
                return await ctx.WithDbAsync(async (db, ct) =>
                {
                    Patient? patient = null;
                    if (GlobalId.TryDecode(ctx.GetArgument<string>("id"), "Patient", out var id))
                    {
                        patient = await db.Patients.FirstOrDefaultAsync(p => p.Id == id, ct);
                    }

                    if (patient is null)
                    {
                        return new PatientPayload(null, [new UserError(UserErrorCode.NotFound, ["id"], NoPatient)]);
                    }

                    change(patient, now);
                    await db.SaveChangesAsync(ct);
                    return new PatientPayload(patient, []);
                });
            });

    private static async Task<PatientPayload> SaveAsync(HeadlessDbContext db, Patient patient, string? externalId, CancellationToken ct)
    {
        if (externalId is not null && await db.Patients.AnyAsync(p => p.ExternalId == externalId && p.Id != patient.Id, ct))
        {
            return new PatientPayload(null, [new UserError(UserErrorCode.Duplicate, ["input", "externalId"], "Another patient in your organization already has this external ID.")]);
        }

        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException) when (externalId is not null)
        {
            // A concurrent request took the same external ID between the check and the write.
            return new PatientPayload(null, [new UserError(UserErrorCode.Duplicate, ["input", "externalId"], "Another patient in your organization already has this external ID.")]);
        }

        return new PatientPayload(patient, []);
    }

    private static DateOnly? CheckDateOfBirth(UserErrorList errors, DateOnly? dob, DateTimeOffset now, bool required)
    {
        if (dob is null)
        {
            if (required)
            {
                errors.Add(UserErrorCode.Required, "Date of birth is required.", "input", "dateOfBirth");
            }

            return null;
        }

        var today = DateOnly.FromDateTime(now.UtcDateTime);
        if (dob >= today || dob < today.AddYears(-MaxAgeYears))
        {
            errors.Add(UserErrorCode.InvalidDateOfBirth, $"Date of birth must be in the past and at most {MaxAgeYears} years ago.", "input", "dateOfBirth");
            return null;
        }

        return dob;
    }
}

public static class PatientsServiceCollectionExtensions
{
    public static IServiceCollection AddPatients(this IServiceCollection services)
    {
        services.AddSingleton<ISchemaContribution, PatientsSchema>();
        services.AddSingleton(new NodeLoader("Patient", async (db, id, _, ct) => await db.Patients.FirstOrDefaultAsync(x => x.Id == id, ct)));
        return services;
    }
}
