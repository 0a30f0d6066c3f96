using Headless.Catalog;
using Headless.Clinics;
using Headless.Data;
using Headless.GraphQL;
using Microsoft.EntityFrameworkCore;

namespace Headless.Carts;

/// <summary>
/// Adds lines to the clinic's open cart: each line at the offering named, at the pharmacy named for its product, or at
/// the one the clinic's routing preference picks; a line for a patient, product and pharmacy already in the cart
/// merges into that line.
/// </summary>
public sealed class AddCartLinesHandler(IDbContextFactory<HeadlessDbContext> contexts, TenantContext tenant, TimeProvider clock)
{
    public Task<CartEditResult> HandleAsync(AddCartLines command, CancellationToken ct) =>
        CartEditing.RunAsync(contexts, db => AddOnceAsync(db, command, ct), ct);

    private async Task<CartEditResult> AddOnceAsync(HeadlessDbContext db, AddCartLines command, CancellationToken ct)
    {
        var requests = command.Lines;
        if (CartUserErrors.LineCount(requests.Count, "lines", "lines") is { } badCount)
        {
            return badCount;
        }

        var refs = await CartReferenceLoader.LoadAsync(
            db,
            command.ClinicId,
            requests.Select(r => r.PatientId),
            requests.Select(r => r.PrescriberId),
            requests.Select(r => r.OfferingId),
            requests.Select(r => r.ProductId),
            ct,
            withOpenCart: true);
        var errors = new UserErrorList();
        errors.AddRange(command.InputErrors);
        for (var i = 0; i < requests.Count; i++)
        {
            refs.Check(i, requests[i].PatientId, requests[i].PrescriberId, requests[i].OfferingId, requests[i].ProductId, errors);
        }

        if (errors.Count > 0)
        {
            return CartUserErrors.Refused(CartUserErrors.ByIndex(errors));
        }

        var clinic = refs.Clinic;
        var cart = clinic is null ? null : refs.OpenCart ?? await OpenCarts.GetOrCreateAsync(db, tenant, clinic.Id, clinicKnown: true, clock.GetUtcNow(), ct);
        if (clinic is null || cart is null)
        {
            return CartUserErrors.NotFound("clinicId", CartUserErrors.NoClinic);
        }

        if (!cart.IsOpen)
        {
            return CartUserErrors.NotOpen(cart);
        }

        if (CartUserErrors.VersionMismatch(cart, command.ExpectedVersion) is { } mismatch)
        {
            return mismatch;
        }

        // Read with the references (CartReferenceLoader), tracked: each line arrives with everything it points to, so the
        // payload is answered from memory. A cart opened just now has none, unless a concurrent request opened it first.
        var lines = refs.OpenCart is not null
            ? refs.OpenCartLines
            : await db.CartLines.Where(l => l.CartId == cart.Id)
                .Include(l => l.Patient).Include(l => l.Prescriber).Include(l => l.Offering).ThenInclude(o => o.Product).Include(l => l.Offering).ThenInclude(o => o.Pharmacy)
                .OrderBy(l => l.Id)
                .AsSingleQuery()
                .ToListAsync(ct);
        var now = clock.GetUtcNow();
        for (var i = 0; i < requests.Count; i++)
        {
            var request = requests[i];
            if (Place(request, i, refs, clinic, lines, errors) is not { } placed)
            {
                continue;
            }

            var (offering, reason) = placed;
            var patient = refs.Patients[request.PatientId ?? throw MissingPart(i, "patient")];
            var existing = CartMergeRule.LineWithKey(lines, patient.Id, offering);
            if (CartMergeRule.ExceedsLimit(existing, request.Quantity, offering, i, errors))
            {
                continue;
            }

            var prescriber = request.PrescriberId is { } pid ? refs.Prescribers[pid] : null;
            if (existing is not null)
            {
                CartMergeRule.Merge(existing, request, prescriber, now);
                continue;
            }

            var line = new CartLine(cart, patient, offering, reason, now);
            line.SetQuantity(request.Quantity);
            line.SetSig(request.Sig);
            line.SetDaysSupply(request.DaysSupply);
            line.SetPrescriber(prescriber);
            line.SetShipTo(request.ShipTo);
            if (request.ResubmitsLineNumber is { } resubmitted)
            {
                line.MarkResubmissionOf(resubmitted);
            }

            db.CartLines.Add(line);
            lines.Add(line);
        }

        if (errors.Count > 0)
        {
            return CartUserErrors.Refused(errors);
        }

        if (lines.Count > Cart.MaxLines)
        {
            return CartUserErrors.Refused(new UserError(UserErrorCode.InvalidValue, ["lines"], $"A cart holds at most {Cart.MaxLines} lines; this would make {lines.Count}."));
        }

        cart.Touch(now);
        var saved = await CartEditing.SaveAsync(db, cart, lines.Count, ct);
        return saved with { Contents = CartSnapshot.From(cart, lines, refs.LatestValidation) };
    }

    /// <summary>
    /// The offering a line goes to and why: the one named, the named pharmacy's offering of the product (NOT_FOUND on
    /// pharmacyId when it has none), or the routing preference's pick among the product's offerings, which sees the
    /// stock the cart's lines already claim.
    /// </summary>
    private static (Offering Offering, string Reason)? Place(NewCartLine request, int index, CartReferences refs, Clinic clinic, List<CartLine> lines, UserErrorList errors)
    {
        const string chosen = "Chosen by the coordinator.";
        if (request.OfferingId is { } offeringId)
        {
            return (refs.Offerings[offeringId], chosen);
        }

        var productId = request.ProductId ?? throw MissingPart(index, "offering or product");
        var offers = refs.OfferingsByProduct[productId];
        if (request.PharmacyId is { } pharmacyId)
        {
            if (offers.FirstOrDefault(o => o.PharmacyId == pharmacyId) is { } match)
            {
                return (match, chosen);
            }

            errors.Add(UserErrorCode.NotFound, CartUserErrors.PharmacyLacksProduct, CartUserErrors.Path(index, "pharmacyId"));
            return null;
        }

        var shipTo = request.ShipTo ?? refs.Patients[request.PatientId ?? throw MissingPart(index, "patient")].Address;
        return PharmacyRouter.Choose(offers, shipTo.State, request.Quantity ?? 1, clinic.RoutingPreference, lines);
    }

    // A line without these parts always comes with an input error, so reaching here is a caller's bug.
    private static ArgumentException MissingPart(int index, string part) =>
        new($"Line {index} has no {part} and no input error says why.", nameof(AddCartLines));
}
