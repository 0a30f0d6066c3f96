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

    public void AddMutationFields(ObjectGraphType mutation) =>
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
                var dea = input.Dea?.Trim();
                if (string.IsNullOrEmpty(dea))
                {
                    dea = null;
                }
                else if (!DeaNumber.IsValid(dea))
                {
                    errors.Add(UserErrorCode.InvalidDea, "DEA number must be two letters and seven digits with a valid check digit.", "input", "dea");
                }

                var licenses = CheckLicenses(errors, input.Licenses ?? [], today);
                if (errors.Count > 0)
                {
                    return new PrescriberPayload(null, errors);
                }

                return await ctx.WithDbAsync(async (db, ct) =>
                {
                    if (await db.Prescribers.AnyAsync(p => p.Npi == npi, ct))
                    {
                        return new PrescriberPayload(null, [new UserError(UserErrorCode.Duplicate, ["input", "npi"], "A prescriber with this NPI already exists in your organization.")]);
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

                        return new PrescriberPayload(null, [new UserError(UserErrorCode.Duplicate, ["input", "npi"], "A prescriber with this NPI already exists in your organization.")]);
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
            var l = inputs[i];
            var at = i.ToString(System.Globalization.CultureInfo.InvariantCulture);
            var before = errors.Count;
            var state = l.State?.Trim();
            if (string.IsNullOrEmpty(state))
            {
                errors.Add(UserErrorCode.Required, "License state is required.", "input", "licenses", at, "state");
            }
            else if (!UsStates.IsValid(state))
            {
                errors.Add(UserErrorCode.InvalidState, "License state must be a two-letter US state code in upper case.", "input", "licenses", at, "state");
            }
            else if (!seen.Add(state))
            {
                errors.Add(UserErrorCode.Duplicate, "Only one license per state may be given.", "input", "licenses", at, "state");
            }

            var number = InputChecks.RequiredText(errors, l.Number, 50, "License number", "input", "licenses", at, "number");
            if (l.ExpiresOn is null)
            {
                errors.Add(UserErrorCode.Required, "License expiry date is required.", "input", "licenses", at, "expiresOn");
            }
            else if (l.ExpiresOn < today)
            {
                errors.Add(UserErrorCode.LicenseExpired, "The license has already expired.", "input", "licenses", at, "expiresOn");
            }

            if (errors.Count == before)
            {
                result.Add(new PrescriberLicense(state!, number!, l.ExpiresOn!.Value));
            }
        }

        return result;
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
