using GraphQL;
using GraphQL.Types;
using Headless.Carts;
using Headless.GraphQL;
using Microsoft.EntityFrameworkCore;

namespace Headless.Quickfills;

/// <summary>The quickfill queries and mutations: global IDs decoded here (QuickfillInputDecoding) into typed commands.</summary>
internal sealed class QuickfillsSchema : ISchemaContribution
{
    public void AddQueryFields(ObjectGraphType query) =>
        query.Field<NonNullGraphType<ConnectionType<QuickfillType, Quickfill>>>("quickfills")
            .Description("A clinic's quickfills (saved line templates), oldest first. At most 100 per page.")
            .Argument<NonNullGraphType<IdGraphType>>("clinicId", "The clinic's global ID.")
            .PagingArguments()
            .ResolveAsync(async ctx =>
            {
                var (first, after) = ctx.ReadPaging();
                var found = GlobalId.TryDecode(ctx.GetArgument<string>("clinicId"), "Clinic", out var clinicId);
                var page = await ctx.WithDbAsync(async (db, ct) =>
                    found && await db.Clinics.AnyAsync(c => c.Id == clinicId, ct)
                        ? await QuickfillReads.Query(db).Where(q => q.ClinicId == clinicId).ToConnectionAsync(first, after, ct)
                        : null);
                return page ?? throw new ExecutionError(CartUserErrors.NoClinic) { Code = "NOT_FOUND" };
            });

    public void AddMutationFields(ObjectGraphType mutation)
    {
        mutation.Field<NonNullGraphType<QuickfillPayloadType>>("quickfillCreate")
            .Description("Saves a line template for a clinic. It is checked like a cart line with the same values; nothing is saved when userErrors is not empty.")
            .Argument<NonNullGraphType<QuickfillInputType>>("input", "The quickfill.")
            .ResolveAsync(async ctx =>
                await ctx.Service<QuickfillEditor>().CreateAsync(QuickfillInputDecoding.Create(ctx.GetArgument<QuickfillInput>("input")), ctx.CancellationToken));

        mutation.Field<NonNullGraphType<QuickfillPayloadType>>("quickfillUpdate")
            .Description("Changes a quickfill. Fields left out keep their values, fields given as null are cleared; the result is checked like a new quickfill. Lines already added from it do not change.")
            .Argument<NonNullGraphType<IdGraphType>>("id", "The quickfill's global ID.")
            .Argument<NonNullGraphType<QuickfillUpdateInputType>>("input", "The changes.")
            .ResolveAsync(async ctx =>
                await ctx.Service<QuickfillEditor>().UpdateAsync(QuickfillInputDecoding.Update(ctx.GetArgument<string>("id"), ctx.GetArgument<QuickfillUpdateInput>("input")), ctx.CancellationToken));

        mutation.Field<NonNullGraphType<QuickfillPayloadType>>("quickfillDelete")
            .Description("Deletes a quickfill. Lines already added from it stay in the cart.")
            .Argument<NonNullGraphType<IdGraphType>>("id", "The quickfill's global ID.")
            .ResolveAsync(async ctx =>
                GlobalId.TryDecode(ctx.GetArgument<string>("id"), QuickfillType.TypeName, out var id)
                    ? await ctx.Service<QuickfillEditor>().DeleteAsync(id, ctx.CancellationToken)
                    : QuickfillPayload.Refused(new UserError(UserErrorCode.NotFound, ["id"], QuickfillInputDecoding.NoQuickfill)));

        mutation.Field<NonNullGraphType<CartPayloadType>>("cartLinesAddFromQuickfill")
            .Description($"Adds a quickfill's line for each patient to the clinic's open cart, 1 to {CartEditing.MaxLinesPerCall} patients, as one cartLinesAdd: the same merge rule (a patient whose line for the product and pharmacy is already in the cart gets the quantity added; a patient named twice gets it twice), the same limits, and all of them or, when any line is refused, none. A line's problem points at its patient: [\"patientIds\", \"3\"].")
            .Argument<NonNullGraphType<IdGraphType>>("clinicId", "The clinic whose open cart receives the lines; the quickfill must be this clinic's.")
            .Argument<NonNullGraphType<IdGraphType>>("quickfillId", "The quickfill to apply.")
            .Argument<NonNullGraphType<ListGraphType<NonNullGraphType<IdGraphType>>>>("patientIds", $"The patients, one line each, 1 to {CartEditing.MaxLinesPerCall}.")
            .Argument<IntGraphType>("expectedVersion", "The cart version the client last saw, as for cartLinesAdd: when the cart has changed since, nothing is applied and a CART_VERSION_MISMATCH userError is returned.")
            .ResolveAsync(async ctx =>
            {
                var result = await AddFromQuickfillAsync(ctx);
                return new CartPayload(CartView.Of(ctx, result), result.UserErrors);
            });
    }

    /// <summary>The call's size first, then its clinic and quickfill, as cartLinesAdd judges size and cart before lines.</summary>
    private static async Task<CartEditResult> AddFromQuickfillAsync(IResolveFieldContext ctx)
    {
        var patientIds = ctx.GetArgument<List<string>>("patientIds");
        if (CartUserErrors.LineCount(patientIds.Count, "patientIds", "patient IDs") is { } badCount)
        {
            return badCount;
        }

        if (!GlobalId.TryDecode(ctx.GetArgument<string>("clinicId"), "Clinic", out var clinicId))
        {
            return CartUserErrors.NotFound("clinicId", CartUserErrors.NoClinic);
        }

        if (!GlobalId.TryDecode(ctx.GetArgument<string>("quickfillId"), QuickfillType.TypeName, out var quickfillId))
        {
            return CartUserErrors.NotFound("quickfillId", QuickfillInputDecoding.NoQuickfillForClinic);
        }

        var errors = new UserErrorList();
        var patients = patientIds.Select((g, i) => CartInputDecoding.Id(g, "Patient", CartUserErrors.NoPatient, errors, "patientIds", CartUserErrors.Index(i))).ToList();
        var command = new AddCartLinesFromQuickfill(clinicId, quickfillId, patients, ctx.GetArgument<int?>("expectedVersion")) { InputErrors = errors };
        return await ctx.Service<AddCartLinesFromQuickfillHandler>().HandleAsync(command, ctx.CancellationToken);
    }
}

public static class QuickfillsServiceCollectionExtensions
{
    /// <summary>Quickfills: saved line templates of a clinic, and applying one to many patients through the cart's own add path.</summary>
    public static IServiceCollection AddQuickfills(this IServiceCollection services)
    {
        services.AddScoped<QuickfillEditor>();
        services.AddScoped<AddCartLinesFromQuickfillHandler>();
        services.AddSingleton<ISchemaContribution, QuickfillsSchema>();
        services.AddSingleton(new NodeLoader(QuickfillType.TypeName, async (db, id, _, ct) => await QuickfillReads.FindAsync(db, id, ct)));
        return services;
    }
}
