using Headless.Carts.Validation;
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
    /// <summary>The clinic's open cart (tracked), when asked for with the references and the clinic has one.</summary>
    public Cart? OpenCart { get; init; }

    /// <summary>The open cart's latest validation, when asked for with the references and there is one.</summary>
    public CartValidation? LatestValidation { get; init; }

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
/// the patients, the prescribers (with their licenses), and the offerings named or offering the products named, each
/// with its product and its pharmacy's licensed states. With <c>withOpenCart</c> the clinic's query also brings its
/// open cart and that cart's latest validation, and the patient, prescriber and offering queries also bring those the
/// cart's lines refer to: the cart's lines, read afterwards on the same context, arrive with everything they point to.
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
        CancellationToken ct,
        bool withOpenCart = false)
    {
        var pIds = patientIds.OfType<long>().Distinct().ToList();
        var rIds = prescriberIds.OfType<long>().Distinct().ToList();
        var oIds = offeringIds.OfType<long>().Distinct().ToList();
        var prIds = productIds.OfType<long>().Distinct().ToList();

        Clinic? clinic = null;
        Cart? cart = null;
        CartValidation? latest = null;
        if (clinicId is { } id && withOpenCart)
        {
            // One query: the clinic, its open cart and the cart's latest validation (by left joins).
            var row = await (
                from c in db.Clinics.AsNoTracking()
                where c.Id == id
                join open in db.Carts.AsNoTracking() on (long?)c.Id equals open.OpenClinicId into opens
                from open in opens.DefaultIfEmpty()
                join v in db.CartValidations.AsNoTracking().Where(v => v.Id == db.CartValidations.Where(w => w.CartId == v.CartId).Max(w => w.Id))
                    on open!.Id equals v.CartId into runs
                from v in runs.DefaultIfEmpty()
                select new { Clinic = c, Cart = open, Validation = v }).FirstOrDefaultAsync(ct);
            (clinic, cart, latest) = (row?.Clinic, row?.Cart, row?.Validation);
            if (cart is not null)
            {
                db.Carts.Attach(cart);
            }
        }
        else if (clinicId is { } plain)
        {
            clinic = await db.Clinics.AsNoTracking().FirstOrDefaultAsync(c => c.Id == plain, ct);
        }

        // With an open cart, each query also brings what the cart's lines refer to.
        var cartId = cart?.Id ?? 0;
        var ofCart = db.CartLines.Where(l => l.CartId == cartId);
        var withCart = cart is not null;
        var patients = pIds.Count == 0 && !withCart
            ? []
            : await (withCart ? db.Patients.Where(p => pIds.Contains(p.Id) || ofCart.Any(l => l.PatientId == p.Id)) : db.Patients.Where(p => pIds.Contains(p.Id)))
                .ToDictionaryAsync(p => p.Id, ct);
        var prescribers = rIds.Count == 0 && !withCart
            ? []
            : await (withCart ? db.Prescribers.Where(p => rIds.Contains(p.Id) || ofCart.Any(l => l.PrescriberId == p.Id)) : db.Prescribers.Where(p => rIds.Contains(p.Id)))
                .AsSingleQuery()
                .ToDictionaryAsync(p => p.Id, ct);
        var offerings = oIds.Count == 0 && prIds.Count == 0 && !withCart
            ? []
            : await (withCart
                    ? db.Offerings.Where(o => oIds.Contains(o.Id) || prIds.Contains(o.ProductId) || ofCart.Any(l => l.OfferingId == o.Id))
                    : db.Offerings.Where(o => oIds.Contains(o.Id) || prIds.Contains(o.ProductId)))
                .Include(o => o.Product).Include(o => o.Pharmacy)
                .AsSingleQuery()
                .ToListAsync(ct);
        return new CartReferences(
            clinic,
            patients,
            prescribers,
            offerings.Where(o => oIds.Contains(o.Id)).ToDictionary(o => o.Id),
            prIds.ToDictionary(p => p, p => offerings.Where(o => o.ProductId == p).OrderBy(o => o.Id).ToList()))
        {
            OpenCart = cart,
            LatestValidation = latest,
        };
    }
}
