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

    /// <summary>The open cart's lines (tracked, oldest first, each with its patient, prescriber and offering), when asked for with the references.</summary>
    public List<CartLine> OpenCartLines { get; init; } = [];

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
/// with its product and its pharmacy's licensed states. With <c>withOpenCart</c> it also brings the clinic's open cart,
/// that cart's latest validation and its lines with everything they point to, still in three queries (README "Round
/// trips"): the clinic with its open cart, latest validation and the prescribers named; the patients named or on the
/// cart's lines, each with its lines in the cart and their prescribers and offerings; the offerings named or of the
/// products named. Licenses and shipping states are JSON in their owners' rows, so no query multiplies rows.
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
        if (clinicId is { } id && withOpenCart)
        {
            return await LoadWithOpenCartAsync(db, id, pIds, rIds, oIds, prIds, ct);
        }

        var clinic = clinicId is { } plain ? await db.Clinics.AsNoTracking().FirstOrDefaultAsync(c => c.Id == plain, ct) : null;
        var patients = pIds.Count == 0 ? [] : await db.Patients.Where(p => pIds.Contains(p.Id)).ToDictionaryAsync(p => p.Id, ct);
        var prescribers = rIds.Count == 0 ? [] : await db.Prescribers.Where(p => rIds.Contains(p.Id)).ToDictionaryAsync(p => p.Id, ct);
        return Assemble(clinic, patients, prescribers, await OfferingsAsync(db, oIds, prIds, ct), oIds, prIds);
    }

    private static async Task<CartReferences> LoadWithOpenCartAsync(HeadlessDbContext db, long clinicId, List<long> pIds, List<long> rIds, List<long> oIds, List<long> prIds, CancellationToken ct)
    {
        // Untracked, so the validation's issues are not tracked one by one; the cart and prescribers are attached below.
        var head = await (
            from c in db.Clinics.AsNoTracking()
            where c.Id == clinicId
            join open in db.Carts on (long?)c.Id equals open.OpenClinicId into opens
            from open in opens.DefaultIfEmpty()
            join v in db.CartValidations.Where(v => v.Id == db.CartValidations.Where(w => w.CartId == v.CartId).Max(w => w.Id))
                on open!.Id equals v.CartId into runs
            from v in runs.DefaultIfEmpty()
            orderby c.Id
            select new
            {
                Clinic = c,
                Cart = open,
                Validation = v,

                // Correlated by the organization (which the tenant filter fixes anyway) so that EF joins rather than applies.
                Prescribers = db.Prescribers.Where(p => p.OrganizationId == c.OrganizationId && rIds.Contains(p.Id)).ToList(),
            })
            .FirstOrDefaultAsync(ct);
        if (head is null)
        {
            // No such clinic: the lines' own references are still checked, as without an open cart.
            return await LoadAsync(db, null, pIds.Cast<long?>(), rIds.Cast<long?>(), oIds.Cast<long?>(), prIds.Cast<long?>(), ct);
        }

        var cart = head.Cart;
        if (cart is not null)
        {
            db.Carts.Attach(cart);
        }

        db.Prescribers.AttachRange(head.Prescribers);

        // Tracking: a line's prescriber or offering already tracked (named in this batch too) resolves to that instance.
        var cartId = cart?.Id ?? 0;
        var patients = pIds.Count == 0 && cart is null
            ? []
            : await db.Patients
                .Where(p => pIds.Contains(p.Id) || db.CartLines.Any(l => l.CartId == cartId && l.PatientId == p.Id))
                .OrderBy(p => p.Id)
                .Select(p => new
                {
                    Patient = p,
                    Lines = db.CartLines.Where(l => l.CartId == cartId && l.PatientId == p.Id)
                        .Select(l => new { Line = l, l.Prescriber, l.Offering, l.Offering.Product, l.Offering.Pharmacy })
                        .ToList(),
                })
                .ToListAsync(ct);
        var offerings = await OfferingsAsync(db, oIds, prIds, ct);
        return Assemble(head.Clinic, patients.ToDictionary(p => p.Patient.Id, p => p.Patient), head.Prescribers.ToDictionary(p => p.Id), offerings, oIds, prIds) with
        {
            OpenCart = cart,
            LatestValidation = head.Validation,
            OpenCartLines = patients.SelectMany(p => p.Lines).Select(l => l.Line).OrderBy(l => l.Id).ToList(),
        };
    }

    private static async Task<List<Offering>> OfferingsAsync(HeadlessDbContext db, List<long> oIds, List<long> prIds, CancellationToken ct) =>
        oIds.Count == 0 && prIds.Count == 0
            ? []
            : await db.Offerings.Where(o => oIds.Contains(o.Id) || prIds.Contains(o.ProductId))
                .Include(o => o.Product).Include(o => o.Pharmacy)
                .AsSingleQuery()
                .ToListAsync(ct);

    private static CartReferences Assemble(Clinic? clinic, Dictionary<long, Patient> patients, Dictionary<long, Prescriber> prescribers, List<Offering> offerings, List<long> oIds, List<long> prIds) =>
        new(
            clinic,
            patients,
            prescribers,
            offerings.Where(o => oIds.Contains(o.Id)).ToDictionary(o => o.Id),
            prIds.ToDictionary(p => p, p => offerings.Where(o => o.ProductId == p).OrderBy(o => o.Id).ToList()));
}
