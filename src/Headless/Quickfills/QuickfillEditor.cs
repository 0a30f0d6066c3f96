using Headless.Carts;
using Headless.Catalog;
using Headless.Data;
using Headless.GraphQL;
using Microsoft.EntityFrameworkCore;

namespace Headless.Quickfills;

/// <summary>
/// Creates, changes and deletes quickfills. A template is checked against the database the way cartLinesAdd checks a
/// line (the same loader, the same NOT_FOUND and QUANTITY_LIMIT rules and messages), so a saved template is one that
/// cartLinesAdd would take for any patient; what it cannot know yet (a merge into a patient's line, the pharmacy the
/// routing preference picks for a patient's state) is checked when the template is applied.
/// </summary>
public sealed class QuickfillEditor(IDbContextFactory<HeadlessDbContext> contexts, TenantContext tenant, TimeProvider clock)
{
    private const string DuplicateName = "Another quickfill of this clinic already has this name.";

    public async Task<QuickfillPayload> CreateAsync(CreateQuickfill command, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var errors = new UserErrorList();
        errors.AddRange(command.InputErrors);
        var t = command.Template;
        var refs = await CartReferenceLoader.LoadAsync(db, command.ClinicId, [], [t.PrescriberId], [t.OfferingId], [t.ProductId], ct);
        if (command.ClinicId is not null && refs.Clinic is null)
        {
            errors.Insert(0, new UserError(UserErrorCode.NotFound, ["input", "clinicId"], CartUserErrors.NoClinic));
        }

        var template = Check(refs, t, errors);
        if (refs.Clinic is { } clinic && command.Name is { } name && await NameTakenAsync(db, clinic.Id, name, null, ct))
        {
            errors.Add(UserErrorCode.Duplicate, DuplicateName, "input", "name");
        }

        if (errors.Count > 0 || template is null || refs.Clinic is null || command.Name is null)
        {
            return QuickfillPayload.Refused(errors);
        }

        var quickfill = new Quickfill(tenant.OrganizationId ?? throw new InvalidOperationException("No tenant."), refs.Clinic.Id, command.Name, template, clock.GetUtcNow());
        db.Add(quickfill);
        return await SaveAsync(db, quickfill, ct);
    }

    public async Task<QuickfillPayload> UpdateAsync(UpdateQuickfill command, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var quickfill = command.QuickfillId is { } id ? await db.Set<Quickfill>().FirstOrDefaultAsync(q => q.Id == id, ct) : null;
        if (quickfill is null)
        {
            // Not found comes first (and alone with the input's own problems): another organization's ID answers like a missing one.
            return QuickfillPayload.Refused([new UserError(UserErrorCode.NotFound, ["id"], QuickfillInputDecoding.NoQuickfill), .. command.InputErrors.Where(e => e.Field is not ["id"])]);
        }

        var errors = new UserErrorList();
        errors.AddRange(command.InputErrors);
        var current = quickfill.Template;
        var wanted = (command.Placement ?? current) with
        {
            Quantity = command.Quantity is { } q ? q.Value : current.Quantity,
            Sig = command.Sig is { } s ? s.Value : current.Sig,
            DaysSupply = command.DaysSupply is { } d ? d.Value : current.DaysSupply,
            PrescriberId = command.PrescriberId is { } p ? p.Value : current.PrescriberId,
        };
        var refs = await CartReferenceLoader.LoadAsync(db, null, [], [wanted.PrescriberId], [wanted.OfferingId], [wanted.ProductId], ct);
        var template = Check(refs, wanted, errors);
        var name = command.Name ?? quickfill.Name;
        if (command.Name is not null && await NameTakenAsync(db, quickfill.ClinicId, name, quickfill.Id, ct))
        {
            errors.Add(UserErrorCode.Duplicate, DuplicateName, "input", "name");
        }

        if (errors.Count > 0 || template is null)
        {
            return QuickfillPayload.Refused(errors);
        }

        quickfill.Update(name, template, clock.GetUtcNow());
        return await SaveAsync(db, quickfill, ct);
    }

    public async Task<QuickfillPayload> DeleteAsync(long quickfillId, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var deleted = await db.Set<Quickfill>().Where(q => q.Id == quickfillId).ExecuteDeleteAsync(ct);
        return deleted == 0
            ? QuickfillPayload.Refused(new UserError(UserErrorCode.NotFound, ["id"], QuickfillInputDecoding.NoQuickfill))
            : new QuickfillPayload(null, [], GlobalId.Encode(QuickfillType.TypeName, quickfillId));
    }

    /// <summary>
    /// The template as saved (an offering's product and pharmacy filled in), or null with its problems added under
    /// ["input", ...]: the references cartLinesAdd checks (CartReferences.Check), the pharmacy named for the product,
    /// and the quantity against the offering's limit. A product left to routing must fit at least one of its offerings.
    /// </summary>
    private static QuickfillTemplate? Check(CartReferences refs, QuickfillTemplate t, UserErrorList errors)
    {
        var found = new UserErrorList();
        refs.Check(0, null, t.PrescriberId, t.OfferingId, t.ProductId, found);

        // As in cartLinesAdd, the line is placed (and its quantity judged against the offering) only once everything else is right.
        if (errors.Count > 0 || found.Count > 0 || (t.OfferingId is null && t.ProductId is null))
        {
            errors.AddRange(QuickfillInputDecoding.FromLine(found, "input"));
            return null;
        }

        Offering? offering = null;
        if (t.OfferingId is { } offeringId)
        {
            offering = refs.Offerings.GetValueOrDefault(offeringId);
        }
        else if (t.ProductId is { } productId && refs.OfferingsByProduct.GetValueOrDefault(productId) is { Count: > 0 } offers)
        {
            if (t.PharmacyId is { } pharmacyId)
            {
                offering = offers.FirstOrDefault(o => o.PharmacyId == pharmacyId);
                if (offering is null)
                {
                    found.Add(UserErrorCode.NotFound, CartUserErrors.PharmacyLacksProduct, CartUserErrors.Path(0, "pharmacyId"));
                }
            }
            else if (t.Quantity is { } quantity && !offers.Any(o => CartLine.IsAllowedQuantity(quantity, o)))
            {
                found.Add(UserErrorCode.QuantityLimit, $"At most {offers.Max(o => o.MaxQuantity)} per line at any pharmacy offering this product.", CartUserErrors.Path(0, "quantity"));
            }
        }

        if (offering is not null)
        {
            CartMergeRule.ExceedsLimit(null, t.Quantity, offering, 0, found);
        }

        errors.AddRange(QuickfillInputDecoding.FromLine(found, "input"));
        if (found.Count > 0)
        {
            return null;
        }

        return t.OfferingId is not null && offering is not null ? t with { ProductId = offering.ProductId, PharmacyId = offering.PharmacyId } : t;
    }

    private static Task<bool> NameTakenAsync(HeadlessDbContext db, long clinicId, string name, long? except, CancellationToken ct)
    {
        var key = Quickfill.KeyOf(name);
        return db.Set<Quickfill>().AnyAsync(q => q.ClinicId == clinicId && q.NameKey == key && q.Id != except, ct);
    }

    private static async Task<QuickfillPayload> SaveAsync(HeadlessDbContext db, Quickfill quickfill, CancellationToken ct)
    {
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException)
        {
            // A concurrent request took the same name between the check and the write; nothing was saved.
            return QuickfillPayload.Refused(new UserError(UserErrorCode.Duplicate, ["input", "name"], DuplicateName));
        }

        return new QuickfillPayload(await QuickfillReads.FindAsync(db, quickfill.Id, ct), []);
    }
}
