using GraphQL;
using GraphQL.Types;
using Headless.GraphQL;
using Headless.Shared;
using Microsoft.EntityFrameworkCore;

namespace Headless.Clinics;

internal sealed class ClinicsSchema : ISchemaContribution
{
    public void AddMutationFields(ObjectGraphType mutation) =>
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
