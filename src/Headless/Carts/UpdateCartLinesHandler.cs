using Headless.Catalog;
using Headless.Data;
using Headless.GraphQL;
using Microsoft.EntityFrameworkCore;

namespace Headless.Carts;

/// <summary>
/// Changes lines of an open cart: quantity, SIG, days supply, prescriber and ship-to, and the offering (another
/// pharmacy for the same product, as long as no other line of the patient holds that product and pharmacy).
/// </summary>
public sealed class UpdateCartLinesHandler(IDbContextFactory<HeadlessDbContext> contexts, TimeProvider clock)
{
    public Task<CartEditResult> HandleAsync(UpdateCartLines command, CancellationToken ct) =>
        CartEditing.RunAsync(contexts, db => UpdateOnceAsync(db, command, ct), ct);

    private async Task<CartEditResult> UpdateOnceAsync(HeadlessDbContext db, UpdateCartLines command, CancellationToken ct)
    {
        var changes = command.Lines;
        if (CartUserErrors.LineCount(changes.Count, "lines", "lines") is { } badCount)
        {
            return badCount;
        }

        var (cart, failure) = await CartEditing.LoadOpenCartAsync(db, command.CartId, ct);
        if (cart is null)
        {
            return failure!;
        }

        var lines = await db.CartLines.Where(l => l.CartId == cart.Id).Include(l => l.Patient).Include(l => l.Offering).ToListAsync(ct);
        var targets = FindTargets(changes, lines, out var errors);
        errors.AddRange(command.InputErrors);
        var refs = await CartReferenceLoader.LoadAsync(
            db,
            null,
            [],
            changes.Select(c => c.PrescriberId),
            changes.Select(c => c.OfferingId),
            changes.Select((c, i) => c.PharmacyId is null ? null : targets[i]?.ProductId),
            ct);
        for (var i = 0; i < changes.Count; i++)
        {
            refs.Check(i, null, changes[i].PrescriberId, changes[i].OfferingId, null, errors);
        }

        if (errors.Count > 0)
        {
            return CartUserErrors.Refused(CartUserErrors.ByIndex(errors));
        }

        if (CartUserErrors.VersionMismatch(cart, command.ExpectedVersion) is { } mismatch)
        {
            return mismatch;
        }

        var now = clock.GetUtcNow();
        for (var i = 0; i < changes.Count; i++)
        {
            Apply(changes[i], targets[i]!, i, refs, lines, now, errors);
        }

        if (errors.Count > 0)
        {
            return CartUserErrors.Refused(errors);
        }

        cart.Touch(now);
        return await CartEditing.SaveAsync(db, cart, lines.Count, ct);
    }

    /// <summary>The cart line each change is for: NOT_FOUND for a line not in the cart, DUPLICATE for a line changed twice in one call.</summary>
    private static CartLine?[] FindTargets(IReadOnlyList<CartLineChange> changes, List<CartLine> lines, out UserErrorList errors)
    {
        errors = [];
        var byId = lines.ToDictionary(l => l.Id);
        var targets = new CartLine?[changes.Count];
        var seen = new HashSet<long>();
        for (var i = 0; i < changes.Count; i++)
        {
            if (changes[i].LineId is not { } lineId)
            {
                // The line's ID did not decode; the input errors say so.
                continue;
            }

            if (!byId.TryGetValue(lineId, out var line))
            {
                errors.Add(UserErrorCode.NotFound, CartUserErrors.NoLine, CartUserErrors.Path(i, "lineId"));
            }
            else if (!seen.Add(lineId))
            {
                errors.Add(UserErrorCode.Duplicate, "This line is already changed earlier in the same call.", CartUserErrors.Path(i, "lineId"));
            }
            else
            {
                targets[i] = line;
            }
        }

        return targets;
    }

    private static void Apply(CartLineChange change, CartLine line, int i, CartReferences refs, List<CartLine> lines, DateTimeOffset now, UserErrorList errors)
    {
        Offering? offering = null;
        if (change.OfferingId is { } offeringId)
        {
            offering = refs.Offerings[offeringId];
            if (offering.ProductId != line.ProductId)
            {
                errors.Add(UserErrorCode.InvalidValue, "The offering is for another product. Remove the line and add a new one to change the product.", CartUserErrors.Path(i, "offeringId"));
                return;
            }
        }
        else if (change.PharmacyId is { } pharmacyId)
        {
            offering = refs.OfferingsByProduct[line.ProductId].FirstOrDefault(o => o.PharmacyId == pharmacyId);
            if (offering is null)
            {
                errors.Add(UserErrorCode.NotFound, "This pharmacy does not offer the line's product.", CartUserErrors.Path(i, "pharmacyId"));
                return;
            }
        }

        var moves = offering is not null && offering.Id != line.OfferingId;
        if (moves && CartMergeRule.LineWithKey(lines, line.PatientId, offering!, except: line) is not null)
        {
            errors.Add(UserErrorCode.Duplicate, "Another line already orders this product from this pharmacy for the same patient. Change that line's quantity instead.", CartUserErrors.Path(i, "pharmacyId"));
            return;
        }

        // A changed quantity, or the quantity the line keeps when it moves to another offering, obeys that
        // offering's limit exactly like an entered one.
        var target = moves ? offering! : line.Offering;
        var quantity = change.Quantity ?? line.Quantity;
        if ((moves || change.Quantity is not null) && quantity is { } q && !CartLine.IsAllowedQuantity(q, target))
        {
            errors.Add(UserErrorCode.QuantityLimit, $"At most {target.MaxQuantity} per line for this offering.", CartUserErrors.Path(i, change.Quantity is not null ? "quantity" : change.PharmacyId is not null ? "pharmacyId" : "offeringId"));
            return;
        }

        if (moves)
        {
            line.SetOffering(target, "Chosen by the coordinator.", quantity);
        }
        else if (change.Quantity is not null)
        {
            line.SetQuantity(change.Quantity);
        }

        if (change.Sig is not null)
        {
            line.SetSig(change.Sig);
        }

        if (change.DaysSupply is not null)
        {
            line.SetDaysSupply(change.DaysSupply);
        }

        if (change.PrescriberId is { } prescriberId)
        {
            line.SetPrescriber(refs.Prescribers[prescriberId]);
        }

        if (change.ShipToPatientAddress)
        {
            line.SetShipTo(null);
        }
        else if (change.ShipTo is not null)
        {
            line.SetShipTo(change.ShipTo);
        }

        line.Touch(now);
    }
}
