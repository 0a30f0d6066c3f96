using GraphQL;
using GraphQL.Types;
using Headless.Data;
using Headless.GraphQL;
using Headless.Shared;
using Microsoft.EntityFrameworkCore;

namespace Headless.Prescribers;

internal sealed class PrescribersSchema : ISchemaContribution
{
    private const int MaxLicenses = 60;

    private const string NoPrescriber = "No prescriber with this ID exists in your organization.";
    private const string DuplicateNpi = "A prescriber with this NPI already exists in your organization.";

    public void AddMutationFields(ObjectGraphType mutation)
    {
        AddCreate(mutation);
        AddUpdate(mutation);
        AddLicenseUpsert(mutation);
        AddLicenseRemove(mutation);
    }

    private static void AddCreate(ObjectGraphType mutation) =>
        mutation.Field<NonNullGraphType<PrescriberPayloadType>>("prescriberCreate")
            .Description("Adds a prescriber with state licenses and an optional DEA registration to your organization.")
            .Argument<NonNullGraphType<PrescriberInputType>>("input", "The prescriber to add.")
            .ResolveAsync(async ctx =>
            {
                var input = ctx.GetArgument<PrescriberInput>("input");
                var today = DateOnly.FromDateTime(ctx.Service<TimeProvider>().GetUtcNow().UtcDateTime);
                var errors = new UserErrorList();
                var first = InputChecks.RequiredText(errors, input.FirstName, 100, "First name", "input", "firstName");
                var last = InputChecks.RequiredText(errors, input.LastName, 100, "Last name", "input", "lastName");
                var npi = InputChecks.Npi(errors, input.Npi, "input", "npi");
                var dea = CheckDea(errors, input.Dea);

                var licenses = CheckLicenses(errors, input.Licenses ?? [], today);
                if (errors.Count > 0)
                {
                    return new PrescriberPayload(null, errors);
                }

                return await ctx.WithDbAsync(async (db, ct) =>
                {
                    if (await db.Prescribers.AnyAsync(p => p.Npi == npi, ct))
                    {
                        return new PrescriberPayload(null, [new UserError(UserErrorCode.Duplicate, ["input", "npi"], DuplicateNpi)]);
                    }

                    var prescriber = new Prescriber(ctx.OrganizationId(), first!, last!, npi!, dea, licenses, ctx.Service<TimeProvider>().GetUtcNow());
                    db.Prescribers.Add(prescriber);
                    try
                    {
                        await db.SaveChangesAsync(ct);
                    }
                    catch (DbUpdateException)
                    {
                        // Another request may have added the same NPI between our check and our insert.
                        db.ChangeTracker.Clear();
                        if (!await db.Prescribers.AnyAsync(p => p.Npi == npi, ct))
                        {
                            throw;
                        }

                        return new PrescriberPayload(null, [new UserError(UserErrorCode.Duplicate, ["input", "npi"], DuplicateNpi)]);
                    }

                    return new PrescriberPayload(prescriber, []);
                });
            });

    private static List<PrescriberLicense> CheckLicenses(UserErrorList errors, IReadOnlyList<PrescriberLicenseInput> inputs, DateOnly today)
    {
        if (inputs.Count > MaxLicenses)
        {
            errors.Add(UserErrorCode.TooLong, $"A prescriber can have at most {MaxLicenses} licenses.", "input", "licenses");
            return [];
        }

        var result = new List<PrescriberLicense>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < inputs.Count; i++)
        {
            var at = i.ToString(System.Globalization.CultureInfo.InvariantCulture);
            if (CheckLicense(errors, inputs[i], today, seen, "input", "licenses", at) is { } license)
            {
                result.Add(license);
            }
        }

        return result;
    }

    /// <summary>One license's state, number and expiry, each error at <paramref name="path"/> plus the field; null when any is wrong.</summary>
    private static PrescriberLicense? CheckLicense(UserErrorList errors, PrescriberLicenseInput l, DateOnly today, HashSet<string>? seen, params string[] path)
    {
        var before = errors.Count;
        var state = l.State?.Trim();
        if (string.IsNullOrEmpty(state))
        {
            errors.Add(UserErrorCode.Required, "License state is required.", [.. path, "state"]);
        }
        else if (!UsStates.IsValid(state))
        {
            errors.Add(UserErrorCode.InvalidState, "License state must be a two-letter US state code in upper case.", [.. path, "state"]);
        }
        else if (seen is not null && !seen.Add(state))
        {
            errors.Add(UserErrorCode.Duplicate, "Only one license per state may be given.", [.. path, "state"]);
        }

        var number = InputChecks.RequiredText(errors, l.Number, 50, "License number", [.. path, "number"]);
        if (l.ExpiresOn is null)
        {
            errors.Add(UserErrorCode.Required, "License expiry date is required.", [.. path, "expiresOn"]);
        }
        else if (l.ExpiresOn < today)
        {
            errors.Add(UserErrorCode.LicenseExpired, "The license has already expired.", [.. path, "expiresOn"]);
        }

        return errors.Count == before ? new PrescriberLicense(state!, number!, l.ExpiresOn!.Value) : null;
    }

    /// <summary>The trimmed DEA number, null for none (null or blank); INVALID_DEA when it does not check.</summary>
    private static string? CheckDea(UserErrorList errors, string? raw)
    {
        var dea = raw?.Trim();
        if (string.IsNullOrEmpty(dea))
        {
            return null;
        }

        if (!DeaNumber.IsValid(dea))
        {
            errors.Add(UserErrorCode.InvalidDea, "DEA number must be two letters and seven digits with a valid check digit.", "input", "dea");
        }

        return dea;
    }

    private static void AddUpdate(ObjectGraphType mutation) =>
        mutation.Field<NonNullGraphType<PrescriberPayloadType>>("prescriberUpdate")
            .Description("Changes a prescriber's name, NPI or DEA registration. Only the input fields given are changed.")
            .Argument<NonNullGraphType<IdGraphType>>("id", "The prescriber's global ID.")
            .Argument<NonNullGraphType<PrescriberUpdateInputType>>("input", "The details to change.")
            .ResolveAsync(async ctx =>
            {
                var input = ctx.GetArgument<PrescriberUpdateInput>("input");
                var errors = new UserErrorList();
                var first = input.Given.Contains("firstName") ? InputChecks.RequiredText(errors, input.FirstName, 100, "First name", "input", "firstName") : null;
                var last = input.Given.Contains("lastName") ? InputChecks.RequiredText(errors, input.LastName, 100, "Last name", "input", "lastName") : null;
                var npi = input.Given.Contains("npi") ? InputChecks.Npi(errors, input.Npi, "input", "npi") : null;
                var dea = CheckDea(errors, input.Dea);
                var id = DecodeId(ctx, "id");
                return await ctx.WithDbAsync(async (db, ct) =>
                {
                    // Not found is checked first so that another tenant's ID answers exactly like a missing one.
                    var prescriber = id is null ? null : await db.Prescribers.FirstOrDefaultAsync(p => p.Id == id, ct);
                    if (prescriber is null)
                    {
                        return new PrescriberPayload(null, [new UserError(UserErrorCode.NotFound, ["id"], NoPrescriber), .. errors]);
                    }

                    if (errors.Count > 0)
                    {
                        return new PrescriberPayload(null, errors);
                    }

                    if (npi is not null && npi != prescriber.Npi && await db.Prescribers.AnyAsync(p => p.Npi == npi && p.Id != prescriber.Id, ct))
                    {
                        return new PrescriberPayload(null, [new UserError(UserErrorCode.Duplicate, ["input", "npi"], DuplicateNpi)]);
                    }

                    prescriber.Update(first ?? prescriber.FirstName, last ?? prescriber.LastName, npi ?? prescriber.Npi, input.Given.Contains("dea") ? dea : prescriber.DeaNumber);
                    try
                    {
                        await db.SaveChangesAsync(ct);
                    }
                    catch (DbUpdateException ex) when (npi is not null && Contention.IsContention(ex))
                    {
                        // Another request took the same NPI between our check and our write.
                        return new PrescriberPayload(null, [new UserError(UserErrorCode.Duplicate, ["input", "npi"], DuplicateNpi)]);
                    }

                    return new PrescriberPayload(prescriber, []);
                });
            });

    private static void AddLicenseUpsert(ObjectGraphType mutation) =>
        mutation.Field<NonNullGraphType<PrescriberPayloadType>>("prescriberLicenseUpsert")
            .Description("Adds a state license to a prescriber, or renews the one held for that state: a prescriber holds at most one license per state, so the number and expiry given replace the old ones. Renewing an expired license makes the prescriber licensed in that state again for the next cartValidate.")
            .Argument<NonNullGraphType<IdGraphType>>("prescriberId", "The prescriber's global ID.")
            .Argument<NonNullGraphType<PrescriberLicenseInputType>>("license", "The license: state, number and an expiry that is not in the past.")
            .ResolveAsync(async ctx =>
            {
                var input = ctx.GetArgument<PrescriberLicenseInput>("license");
                var today = DateOnly.FromDateTime(ctx.Service<TimeProvider>().GetUtcNow().UtcDateTime);
                var errors = new UserErrorList();
                var license = CheckLicense(errors, input, today, null, "license");
                var id = DecodeId(ctx, "prescriberId");
                return await ChangeLicensesAsync(ctx, id, errors, p =>
                {
                    p.UpsertLicense(license!.State, license.Number, license.ExpiresOn);
                    return null;
                });
            });

    private static void AddLicenseRemove(ObjectGraphType mutation) =>
        mutation.Field<NonNullGraphType<PrescriberPayloadType>>("prescriberLicenseRemove")
            .Description("Removes a prescriber's license for one state. Lines in a cart for patients shipping to that state then fail validation with PRESCRIBER_NOT_LICENSED.")
            .Argument<NonNullGraphType<IdGraphType>>("prescriberId", "The prescriber's global ID.")
            .Argument<NonNullGraphType<StringGraphType>>("state", "Two-letter state code of the license to remove.")
            .ResolveAsync(async ctx =>
            {
                var errors = new UserErrorList();
                var state = ctx.GetArgument<string>("state").Trim();
                if (!UsStates.IsValid(state))
                {
                    errors.Add(UserErrorCode.InvalidState, "State must be a two-letter US state code in upper case.", "state");
                }

                var id = DecodeId(ctx, "prescriberId");
                return await ChangeLicensesAsync(ctx, id, errors, p =>
                    p.RemoveLicense(state) ? null : new UserError(UserErrorCode.NotFound, ["state"], "The prescriber holds no license for this state."));
            });

    private static long? DecodeId(IResolveFieldContext ctx, string argument) =>
        GlobalId.TryDecode(ctx.GetArgument<string>(argument), "Prescriber", out var id) ? id : null;

    /// <summary>
    /// Loads the prescriber, applies <paramref name="change"/> and saves, on a fresh context per attempt: of two changes
    /// racing, the second to save finds the licenses' version moved, and its retry applies its change to the other's.
    /// </summary>
    private static async Task<PrescriberPayload> ChangeLicensesAsync(IResolveFieldContext ctx, long? id, UserErrorList errors, Func<Prescriber, UserError?> change)
    {
        var contexts = ctx.Service<IDbContextFactory<HeadlessDbContext>>();
        var result = await Contention.RetryAsync(
            async _ =>
            {
                await using var db = await contexts.CreateDbContextAsync(ctx.CancellationToken);

                // Not found is checked first so that another tenant's ID answers exactly like a missing one.
                var prescriber = id is null ? null : await db.Prescribers.FirstOrDefaultAsync(p => p.Id == id, ctx.CancellationToken);
                if (prescriber is null)
                {
                    return new PrescriberPayload(null, [new UserError(UserErrorCode.NotFound, ["prescriberId"], NoPrescriber), .. errors]);
                }

                if (errors.Count > 0)
                {
                    return new PrescriberPayload(null, errors);
                }

                if (change(prescriber) is { } refused)
                {
                    return new PrescriberPayload(null, [refused]);
                }

                // The licenses are one JSON value: a concurrent change would be overwritten, so the version guards it.
                db.Entry(prescriber).Property<int>(PrescriberConfiguration.LicensesVersion).CurrentValue++;
                await db.SaveChangesAsync(ctx.CancellationToken);
                return new PrescriberPayload(prescriber, []);
            },
            ctx.CancellationToken);
        return result ?? new PrescriberPayload(null, [BusyRetry.Error("prescriberId")]);
    }
}

public static class PrescribersServiceCollectionExtensions
{
    public static IServiceCollection AddPrescribers(this IServiceCollection services)
    {
        services.AddSingleton<ISchemaContribution, PrescribersSchema>();
        services.AddSingleton(new NodeLoader("Prescriber", async (db, id, _, ct) => await db.Prescribers.FirstOrDefaultAsync(x => x.Id == id, ct)));
        return services;
    }
}
