using System.Globalization;
using Headless.Carts;
using Headless.Data;
using Headless.GraphQL;
using Headless.Shared;
using Microsoft.EntityFrameworkCore;

namespace Headless.Orders;

/// <summary>
/// orderLineResubmit as a command: the order line's key (null when the ID given was not an order line's) and the
/// corrections as typed, which are read against the line's own values (an omitted field keeps the line's).
/// </summary>
public sealed record ResubmitOrderLine(long? LineId, CartLineUpdateInput? Changes);

/// <summary>orderLinesReorder as a command: the order lines' keys, null where an ID given was not an order line's.</summary>
public sealed record ReorderOrderLines(IReadOnlyList<long?> LineIds);

/// <summary>Clinic actions that bring order lines back into the clinic's cart: resubmitting a rejected line, reordering earlier lines.</summary>
public sealed class OrderLineActions(IDbContextFactory<HeadlessDbContext> contexts, AddCartLinesHandler addLines)
{
    /// <summary>
    /// A rejected line comes back into its clinic's cart as a corrected copy, linked to the original line number.
    /// The cart's errors about the copy are reported on "changes" (["lines", "0", "quantity"] becomes ["changes", "quantity"]).
    /// </summary>
    public async Task<CartEditResult> ResubmitAsync(ResubmitOrderLine command, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var changes = command.Changes;
        var line = command.LineId is { } id ? await db.OrderLines.AsNoTracking().Include(l => l.Order).FirstOrDefaultAsync(l => l.Id == id, ct) : null;

        if (line is null)
        {
            return new CartEditResult(null, [new UserError(UserErrorCode.NotFound, ["lineId"], "No order line with this ID exists in your organization.")]);
        }

        if (line.Status != OrderLineStatus.Rejected)
        {
            return new CartEditResult(null, [new UserError(UserErrorCode.InvalidValue, ["lineId"], $"Only a rejected line can be resubmitted; this one is {line.Status.ToWire()}.", [GlobalId.Encode("OrderLine", line.Id)])]);
        }

        var patientAddress = (await db.Patients.AsNoTracking().FirstAsync(p => p.Id == line.PatientId, ct)).Address;
        var errors = new UserErrorList();
        var copy = Corrected(line, patientAddress, changes, errors);
        var result = await addLines.HandleAsync(new AddCartLines(line.Order.ClinicId, [copy]) { InputErrors = errors }, ct);
        return result with { UserErrors = result.UserErrors.Select(e => e.Field.Count >= 2 && e.Field[0] == "lines" ? e with { Field = ["changes", .. e.Field.Skip(2)] } : e).ToList() };
    }

    /// <summary>Copies earlier lines into their clinic's cart for the same patients; the merge rule applies.</summary>
    public async Task<CartEditResult> ReorderAsync(ReorderOrderLines command, CancellationToken ct)
    {
        if (command.LineIds.Count == 0 || command.LineIds.Count > CartEditing.MaxLinesPerCall)
        {
            return new CartEditResult(null, [new UserError(UserErrorCode.InvalidValue, ["lineIds"], $"Send between 1 and {CartEditing.MaxLinesPerCall} line IDs.")]);
        }

        await using var db = await contexts.CreateDbContextAsync(ct);
        var ids = command.LineIds.Select(i => i ?? -1).ToList();
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
        var copies = ids.Select(id => Copy(lines[id], addresses[lines[id].PatientId])).ToList();
        // An order line's values pass the same checks as any line typed into the cart.
        var checks = new UserErrorList();
        for (var i = 0; i < copies.Count; i++)
        {
            CartInputDecoding.CheckValues(copies[i].Quantity, copies[i].DaysSupply, copies[i].Sig, i, checks);
        }

        var result = await addLines.HandleAsync(new AddCartLines(clinics[0], copies) { InputErrors = checks }, ct);
        return result with { UserErrors = result.UserErrors.Select(e => e.Field.Count >= 1 && e.Field[0] == "lines" ? e with { Field = ["lineIds", .. e.Field.Skip(1)] } : e).ToList() };
    }

    private static NewCartLine Copy(OrderLine line, Address patientAddress) => new(line.PatientId, line.OfferingId)
    {
        Quantity = line.Quantity,
        Sig = line.Sig,
        DaysSupply = line.DaysSupply,
        PrescriberId = line.PrescriberId,
        ShipTo = ShipToOverride(line, patientAddress),
    };

    /// <summary>
    /// The copy with the clinic's corrections, read like any added line's input (the same checks, in the same order).
    /// A pharmacy given moves the copy to that pharmacy's offering of the same product, and wins over an offering
    /// given with it.
    /// </summary>
    private static NewCartLine Corrected(OrderLine line, Address patientAddress, CartLineUpdateInput? changes, UserErrorList errors)
    {
        long? offeringId = null, productId = null, pharmacyId = null;
        if (changes?.PharmacyId is null)
        {
            offeringId = changes?.OfferingId is { } offering
                ? CartInputDecoding.Id(offering, "Offering", CartUserErrors.NoOffering, errors, CartUserErrors.Path(0, "offeringId"))
                : line.OfferingId;
        }
        else
        {
            productId = line.ProductId;
            pharmacyId = CartInputDecoding.Id(changes.PharmacyId, "Pharmacy", CartUserErrors.NoPharmacy, errors, CartUserErrors.Path(0, "pharmacyId"));
        }

        var quantity = changes?.Quantity ?? line.Quantity;
        var sig = changes?.Sig ?? line.Sig;
        var daysSupply = changes?.DaysSupply ?? line.DaysSupply;
        CartInputDecoding.CheckValues(quantity, daysSupply, sig, 0, errors);
        var prescriberId = changes?.PrescriberId is { } prescriber ? CartInputDecoding.Prescriber(prescriber, 0, errors) : line.PrescriberId;
        var shipTo = changes?.ShipToPatientAddress == true ? null
            : changes?.ShipTo is { } typed ? CartInputDecoding.ShipToAsGiven(typed, 0, errors)
            : ShipToOverride(line, patientAddress);
        return new NewCartLine(line.PatientId, offeringId, productId, pharmacyId)
        {
            Quantity = quantity,
            Sig = sig,
            DaysSupply = daysSupply,
            PrescriberId = prescriberId,
            ShipTo = shipTo,
            ResubmitsLineNumber = line.Number,
        };
    }

    // The order kept the address it shipped to; the copy keeps it as an override only when it differs from
    // the patient's address today, so a copy follows the patient's address like any other line.
    private static Address? ShipToOverride(OrderLine line, Address patientAddress) =>
        SameAddress(line.ShipTo, patientAddress) ? null : line.ShipTo.Copy();

    private static bool SameAddress(Address a, Address b) =>
        string.Equals(string.Join('|', a.Line1, a.Line2, a.City, a.State, a.Zip), string.Join('|', b.Line1, b.Line2, b.City, b.State, b.Zip), StringComparison.OrdinalIgnoreCase);
}
