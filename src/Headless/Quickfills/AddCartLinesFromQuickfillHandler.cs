using Headless.Carts;
using Headless.Data;
using Headless.GraphQL;
using Microsoft.EntityFrameworkCore;

namespace Headless.Quickfills;

/// <summary>
/// Applies a quickfill: one line per patient, built from the template, through cartLinesAdd's own handler, so the
/// merge rule, the limits and all-or-nothing are the same by construction (a patient named twice is two identical
/// lines, which merge). Its answers are cartLinesAdd's with the field paths of this call: a problem of line i is a
/// problem of patientIds[i].
/// </summary>
public sealed class AddCartLinesFromQuickfillHandler(IDbContextFactory<HeadlessDbContext> contexts, AddCartLinesHandler add)
{
    public async Task<CartEditResult> HandleAsync(AddCartLinesFromQuickfill command, CancellationToken ct)
    {
        if (CartUserErrors.LineCount(command.PatientIds.Count, "patientIds", "patient IDs") is { } badCount)
        {
            return badCount;
        }

        Quickfill? quickfill;
        await using (var db = await contexts.CreateDbContextAsync(ct))
        {
            quickfill = await db.Set<Quickfill>().AsNoTracking().FirstOrDefaultAsync(q => q.Id == command.QuickfillId && q.ClinicId == command.ClinicId, ct);
        }

        if (quickfill is null)
        {
            return CartUserErrors.Refused([new UserError(UserErrorCode.NotFound, ["quickfillId"], QuickfillInputDecoding.NoQuickfillForClinic), .. command.InputErrors]);
        }

        var lines = command.PatientIds.Select(patientId => LineFor(quickfill, patientId)).ToList();
        var result = await add.HandleAsync(new AddCartLines(command.ClinicId, lines, command.ExpectedVersion) { InputErrors = command.InputErrors }, ct);
        return result with { UserErrors = result.UserErrors.Select(ToPatientIds).ToList() };
    }

    /// <summary>The template's line for one patient, in the form it was given: the offering, or the product and its optional pharmacy.</summary>
    public static NewCartLine LineFor(Quickfill quickfill, long? patientId) =>
        new(patientId, quickfill.OfferingId, quickfill.OfferingId is null ? quickfill.ProductId : null, quickfill.OfferingId is null ? quickfill.PharmacyId : null)
        {
            Quantity = quickfill.Quantity,
            Sig = quickfill.Sig,
            DaysSupply = quickfill.DaysSupply,
            PrescriberId = quickfill.PrescriberId,
        };

    /// <summary>["lines", "3", "quantity"] becomes ["patientIds", "3"]: line 3 is patient 3's, whichever of its fields cartLinesAdd named.</summary>
    private static UserError ToPatientIds(UserError error) => error.Field switch
    {
        ["lines", var index, ..] => error with { Field = ["patientIds", index] },
        ["lines"] => error with { Field = ["patientIds"] },
        _ => error,
    };
}
