using System.Globalization;
using Headless.Carts;
using Headless.Data;
using Headless.GraphQL;
using Headless.Shared;
using Microsoft.EntityFrameworkCore;

namespace Headless.Orders;

/// <summary>Clinic actions that bring order lines back into the clinic's cart: resubmitting a rejected line, reordering earlier lines.</summary>
public sealed class OrderLineActions(IDbContextFactory<HeadlessDbContext> contexts, CartService carts)
{
    /// <summary>A rejected line comes back into its clinic's cart as a corrected copy, linked to the original line number.</summary>
    public async Task<CartEditResult> ResubmitAsync(string lineGlobalId, CartLineUpdateInput? changes, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        OrderLine? line = null;
        if (GlobalId.TryDecode(lineGlobalId, "OrderLine", out var id))
        {
            line = await db.OrderLines.AsNoTracking().Include(l => l.Order).FirstOrDefaultAsync(l => l.Id == id, ct);
        }

        if (line is null)
        {
            return new CartEditResult(null, [new UserError(UserErrorCode.NotFound, ["lineId"], "No order line with this ID exists in your organization.")]);
        }

        if (line.Status != OrderLineStatus.Rejected)
        {
            return new CartEditResult(null, [new UserError(UserErrorCode.InvalidValue, ["lineId"], $"Only a rejected line can be resubmitted; this one is {line.Status}.", [lineGlobalId])]);
        }

        var patientAddress = (await db.Patients.AsNoTracking().FirstAsync(p => p.Id == line.PatientId, ct)).Address;
        var input = Copy(line, patientAddress) with
        {
            OfferingId = changes?.PharmacyId is null ? changes?.OfferingId ?? GlobalId.Encode("Offering", line.OfferingId) : null,
            ProductId = changes?.PharmacyId is null ? null : GlobalId.Encode("Product", line.ProductId),
            PharmacyId = changes?.PharmacyId,
            Quantity = changes?.Quantity ?? line.Quantity,
            Sig = changes?.Sig ?? line.Sig,
            DaysSupply = changes?.DaysSupply ?? line.DaysSupply,
            PrescriberId = changes?.PrescriberId ?? GlobalId.Encode("Prescriber", line.PrescriberId),
            ShipTo = changes?.ShipToPatientAddress == true ? null : changes?.ShipTo ?? ShipToOverride(line, patientAddress),
            ResubmitsLineNumber = line.Number,
        };
        var result = await carts.AddLinesAsync(GlobalId.Encode("Clinic", line.Order.ClinicId), [input], null, ct);
        return result with { UserErrors = result.UserErrors.Select(e => e.Field.Count >= 2 && e.Field[0] == "lines" ? e with { Field = ["changes", .. e.Field.Skip(2)] } : e).ToList() };
    }

    /// <summary>Copies earlier lines into their clinic's cart for the same patients; the merge rule applies.</summary>
    public async Task<CartEditResult> ReorderAsync(IReadOnlyList<string> lineGlobalIds, CancellationToken ct)
    {
        if (lineGlobalIds.Count == 0 || lineGlobalIds.Count > CartService.MaxLinesPerCall)
        {
            return new CartEditResult(null, [new UserError(UserErrorCode.InvalidValue, ["lineIds"], $"Send between 1 and {CartService.MaxLinesPerCall} line IDs.")]);
        }

        await using var db = await contexts.CreateDbContextAsync(ct);
        var ids = lineGlobalIds.Select(g => GlobalId.TryDecode(g, "OrderLine", out var id) ? id : -1).ToList();
        var wanted = ids.Where(i => i > 0).Distinct().ToList();
        var lines = await db.OrderLines.AsNoTracking().Include(l => l.Order).Where(l => wanted.Contains(l.Id)).ToDictionaryAsync(l => l.Id, ct);
        var errors = new UserErrorList();
        for (var i = 0; i < ids.Count; i++)
        {
            if (!lines.ContainsKey(ids[i]))
            {
                errors.Add(UserErrorCode.NotFound, "No order line with this ID exists in your organization.", "lineIds", i.ToString(CultureInfo.InvariantCulture));
            }
        }

        var clinics = lines.Values.Select(l => l.Order.ClinicId).Distinct().ToList();
        if (errors.Count == 0 && clinics.Count > 1)
        {
            errors.Add(UserErrorCode.InvalidValue, "Reorder lines of one clinic at a time: each clinic has its own cart.", "lineIds");
        }

        if (errors.Count > 0)
        {
            return new CartEditResult(null, errors);
        }

        var patientIds = lines.Values.Select(l => l.PatientId).Distinct().ToList();
        var addresses = await db.Patients.AsNoTracking().Where(p => patientIds.Contains(p.Id)).ToDictionaryAsync(p => p.Id, p => p.Address, ct);
        var inputs = ids.Select(id => Copy(lines[id], addresses[lines[id].PatientId])).ToList();
        var result = await carts.AddLinesAsync(GlobalId.Encode("Clinic", clinics[0]), inputs, null, ct);
        return result with { UserErrors = result.UserErrors.Select(e => e.Field.Count >= 1 && e.Field[0] == "lines" ? e with { Field = ["lineIds", .. e.Field.Skip(1)] } : e).ToList() };
    }

    private static CartLineInput Copy(OrderLine line, Address patientAddress) => new()
    {
        PatientId = GlobalId.Encode("Patient", line.PatientId),
        OfferingId = GlobalId.Encode("Offering", line.OfferingId),
        Quantity = line.Quantity,
        Sig = line.Sig,
        DaysSupply = line.DaysSupply,
        PrescriberId = GlobalId.Encode("Prescriber", line.PrescriberId),
        ShipTo = ShipToOverride(line, patientAddress),
    };

    // The order kept the address it shipped to; the copy keeps it as an override only when it differs from
    // the patient's address today, so a copy follows the patient's address like any other line.
    private static AddressInput? ShipToOverride(OrderLine line, Address patientAddress) =>
        SameAddress(line.ShipTo, patientAddress) ? null : new()
    {
        Line1 = line.ShipTo.Line1,
        Line2 = line.ShipTo.Line2,
        City = line.ShipTo.City,
        State = line.ShipTo.State,
        Zip = line.ShipTo.Zip,
    };

    private static bool SameAddress(Address a, Address b) =>
        string.Equals(string.Join('|', a.Line1, a.Line2, a.City, a.State, a.Zip), string.Join('|', b.Line1, b.Line2, b.City, b.State, b.Zip), StringComparison.OrdinalIgnoreCase);
}
