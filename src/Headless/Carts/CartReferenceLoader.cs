using Headless.Catalog;
using Headless.Clinics;
using Headless.Data;
using Headless.GraphQL;
using Headless.Patients;
using Headless.Prescribers;
using Microsoft.EntityFrameworkCore;

namespace Headless.Carts;

/// <summary>Everything a batch of cart lines refers to, keyed by ID.</summary>
public sealed record CartReferences(
    Clinic? Clinic,
    IReadOnlyDictionary<long, Patient> Patients,
    IReadOnlyDictionary<long, Prescriber> Prescribers,
    IReadOnlyDictionary<long, Offering> Offerings,
    IReadOnlyDictionary<long, List<Offering>> OfferingsByProduct)
{
    /// <summary>
    /// NOT_FOUND for each of a line's references that names nothing in the organization or the catalog, and
    /// PATIENT_ARCHIVED for an archived patient: lines already in the cart keep theirs, new lines cannot name one.
    /// </summary>
    public void Check(int index, long? patientId, long? prescriberId, long? offeringId, long? productId, UserErrorList errors)
    {
        if (patientId is { } patient)
        {
            if (!Patients.TryGetValue(patient, out var found))
            {
                errors.Add(UserErrorCode.NotFound, CartUserErrors.NoPatient, CartUserErrors.Path(index, "patientId"));
            }
            else if (found.Archived)
            {
                errors.Add(UserErrorCode.PatientArchived, CartUserErrors.PatientArchived, CartUserErrors.Path(index, "patientId"));
            }
        }

        if (prescriberId is { } prescriber && !Prescribers.ContainsKey(prescriber))
        {
            errors.Add(UserErrorCode.NotFound, CartUserErrors.NoPrescriber, CartUserErrors.Path(index, "prescriberId"));
        }

        if (offeringId is { } offering && !Offerings.ContainsKey(offering))
        {
            errors.Add(UserErrorCode.NotFound, CartUserErrors.NoOffering, CartUserErrors.Path(index, "offeringId"));
        }

        if (productId is { } product && OfferingsByProduct.TryGetValue(product, out var offers) && offers.Count == 0)
        {
            errors.Add(UserErrorCode.NotFound, "No pharmacy offers this product.", CartUserErrors.Path(index, "productId"));
        }
    }
}

/// <summary>
/// Loads what a batch of cart lines refers to in a constant number of queries, whatever the line count: the clinic,
/// the patients, the prescribers, and the offerings named or offering the products named, each with its product and
/// its pharmacy's licensed states.
/// </summary>
public static class CartReferenceLoader
{
    public static async Task<CartReferences> LoadAsync(
        HeadlessDbContext db,
        long? clinicId,
        IEnumerable<long?> patientIds,
        IEnumerable<long?> prescriberIds,
        IEnumerable<long?> offeringIds,
        IEnumerable<long?> productIds,
        CancellationToken ct)
    {
        var pIds = patientIds.OfType<long>().Distinct().ToList();
        var rIds = prescriberIds.OfType<long>().Distinct().ToList();
        var oIds = offeringIds.OfType<long>().Distinct().ToList();
        var prIds = productIds.OfType<long>().Distinct().ToList();

        var clinic = clinicId is { } id ? await db.Clinics.AsNoTracking().FirstOrDefaultAsync(c => c.Id == id, ct) : null;
        var patients = pIds.Count == 0 ? [] : await db.Patients.Where(p => pIds.Contains(p.Id)).ToDictionaryAsync(p => p.Id, ct);
        var prescribers = rIds.Count == 0 ? [] : await db.Prescribers.Where(p => rIds.Contains(p.Id)).ToDictionaryAsync(p => p.Id, ct);
        var offerings = oIds.Count == 0 && prIds.Count == 0
            ? []
            : await db.Offerings
                .Include(o => o.Product).Include(o => o.Pharmacy).ThenInclude(p => p.ShipsTo)
                .Where(o => oIds.Contains(o.Id) || prIds.Contains(o.ProductId))
                .AsSplitQuery()
                .ToListAsync(ct);
        return new CartReferences(
            clinic,
            patients,
            prescribers,
            offerings.Where(o => oIds.Contains(o.Id)).ToDictionary(o => o.Id),
            prIds.ToDictionary(p => p, p => offerings.Where(o => o.ProductId == p).OrderBy(o => o.Id).ToList()));
    }
}
