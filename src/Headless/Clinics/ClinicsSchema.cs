using GraphQL;
using GraphQL.Types;
using Headless.GraphQL;
using Headless.Shared;
using Microsoft.EntityFrameworkCore;

namespace Headless.Clinics;

internal sealed class ClinicsSchema : ISchemaContribution
{
    public void AddMutationFields(ObjectGraphType mutation)
    {
        mutation.Field<NonNullGraphType<ClinicPayloadType>>("clinicCreate")
            .Description("Creates a clinic in your organization.")
            .Argument<NonNullGraphType<ClinicInputType>>("input", "The clinic to create.")
            .ResolveAsync(async ctx =>
            {
                var input = ctx.GetArgument<ClinicInput>("input");
                var errors = new UserErrorList();
                var name = InputChecks.RequiredText(errors, input.Name, 200, "Name", "input", "name");
                var npi = InputChecks.Npi(errors, input.Npi, "input", "npi");
                var shipTo = InputChecks.Address(errors, input.ShipTo, required: true, "input", "shipTo");
                var billing = InputChecks.Address(errors, input.BillingAddress, required: false, "input", "billingAddress");
                if (errors.Count > 0)
                {
                    return new ClinicPayload(null, errors);
                }

                var clinic = new Clinic(
                    ctx.OrganizationId(), name!, npi!, shipTo!, billing,
                    input.RoutingPreference ?? RoutingPreference.Cheapest,
                    ctx.Service<TimeProvider>().GetUtcNow());
                return await ctx.WithDbAsync(async (db, ct) =>
                {
                    db.Clinics.Add(clinic);
                    await db.SaveChangesAsync(ct);
                    return new ClinicPayload(clinic, []);
                });
            });

        mutation.Field<NonNullGraphType<ClinicPayloadType>>("clinicUpdate")
            .Description("Changes a clinic's name, NPI, ship-to and billing defaults or routing preference. Only the input fields given are changed.")
            .Argument<NonNullGraphType<IdGraphType>>("id", "The clinic's global ID.")
            .Argument<NonNullGraphType<ClinicUpdateInputType>>("input", "The details to change.")
            .ResolveAsync(async ctx =>
            {
                var input = ctx.GetArgument<ClinicUpdateInput>("input");
                var errors = new UserErrorList();
                var name = input.Given.Contains("name") ? InputChecks.RequiredText(errors, input.Name, 200, "Name", "input", "name") : null;
                var npi = input.Given.Contains("npi") ? InputChecks.Npi(errors, input.Npi, "input", "npi") : null;
                var shipTo = input.Given.Contains("shipTo") ? InputChecks.Address(errors, input.ShipTo, required: true, "input", "shipTo") : null;
                var billing = InputChecks.Address(errors, input.BillingAddress, required: false, "input", "billingAddress");
                if (input.Given.Contains("routingPreference") && input.RoutingPreference is null)
                {
                    errors.Add(UserErrorCode.Required, "Routing preference cannot be cleared.", "input", "routingPreference");
                }

                return await ctx.WithDbAsync(async (db, ct) =>
                {
                    // Not found is checked first so that another tenant's ID answers exactly like a missing one.
                    Clinic? clinic = null;
                    if (GlobalId.TryDecode(ctx.GetArgument<string>("id"), "Clinic", out var id))
                    {
                        clinic = await db.Clinics.FirstOrDefaultAsync(c => c.Id == id, ct);
                    }

                    if (clinic is null)
                    {
                        return new ClinicPayload(null, [new UserError(UserErrorCode.NotFound, ["id"], "No clinic with this ID exists in your organization."), .. errors]);
                    }

                    if (errors.Count > 0)
                    {
                        return new ClinicPayload(null, errors);
                    }

                    clinic.Update(
                        name ?? clinic.Name,
                        npi ?? clinic.Npi,
                        shipTo ?? clinic.ShipTo.Copy(),
                        input.Given.Contains("billingAddress") ? billing : clinic.BillingAddress?.Copy(),
                        input.RoutingPreference ?? clinic.RoutingPreference);
                    await db.SaveChangesAsync(ct);
                    return new ClinicPayload(clinic, []);
                });
            });
    }
}

public static class ClinicsServiceCollectionExtensions
{
    public static IServiceCollection AddClinics(this IServiceCollection services)
    {
        services.AddSingleton<ISchemaContribution, ClinicsSchema>();
        services.AddSingleton(new NodeLoader("Clinic", async (db, id, _, ct) => await db.Clinics.FirstOrDefaultAsync(x => x.Id == id, ct)));
        return services;
    }
}
