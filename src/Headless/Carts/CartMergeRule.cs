using Headless.Catalog;
using Headless.GraphQL;
using Headless.Prescribers;

namespace Headless.Carts;

/// <summary>
/// The merge rule: a cart holds at most one line per patient, product and pharmacy (a unique index refuses a second
/// one, which is how two coordinators racing to create the same line end with one). Adding another request for that
/// key merges into the line; moving a line onto a key another line holds is refused.
/// </summary>
public static class CartMergeRule
{
    /// <summary>The line of <paramref name="lines"/> that holds the key of <paramref name="patientId"/> and <paramref name="offering"/>, other than <paramref name="except"/>.</summary>
    public static CartLine? LineWithKey(IEnumerable<CartLine> lines, long patientId, Offering offering, CartLine? except = null) =>
        lines.FirstOrDefault(l => l != except && l.PatientId == patientId && l.ProductId == offering.ProductId && l.PharmacyId == offering.PharmacyId);

    /// <summary>
    /// QUANTITY_LIMIT when the quantity the line would end with (entered, or reached by merging into
    /// <paramref name="existing"/>, two inputs for one line in the same call included) is outside the offering's limit.
    /// Counted in 64 bits, so it cannot wrap.
    /// </summary>
    public static bool ExceedsLimit(CartLine? existing, int? quantity, Offering offering, int index, UserErrorList errors)
    {
        var resulting = existing is null ? quantity : existing.QuantityAfterMerge(quantity);
        if (resulting is not { } q || CartLine.IsAllowedQuantity(q, offering))
        {
            return false;
        }

        errors.Add(UserErrorCode.QuantityLimit, existing is null || existing.Quantity is null
            ? $"At most {offering.MaxQuantity} per line for this offering."
            : $"This merges into the line already ordering this product from this pharmacy for the patient, which would then order {q}; at most {offering.MaxQuantity} per line for this offering.",
            CartUserErrors.Path(index, "quantity"));
        return true;
    }

    /// <summary>Merges <paramref name="request"/> into <paramref name="existing"/>: quantities add up and values the line lacks are taken from the request.</summary>
    public static void Merge(CartLine existing, NewCartLine request, Prescriber? prescriber, DateTimeOffset now)
    {
        existing.MergeFrom(request.Quantity, request.Sig, request.DaysSupply, prescriber, request.ShipTo);
        if (request.ResubmitsLineNumber is { } resubmits)
        {
            existing.MarkResubmissionOf(resubmits);
        }

        existing.Touch(now);
    }
}
