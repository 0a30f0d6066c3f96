using System.Globalization;
using Headless.Catalog;
using Headless.Clinics;
using Headless.Data;
using Headless.GraphQL;
using Headless.Patients;
using Headless.Prescribers;
using Headless.Shared;
using Microsoft.EntityFrameworkCore;

namespace Headless.Carts;

/// <summary>The outcome of a cart edit: the cart after the edit, or the reasons nothing changed.</summary>
public sealed record CartEditResult(Cart? Cart, IReadOnlyList<UserError> UserErrors);

/// <summary>
/// Every cart edit. An edit reads what it needs in a fixed number of queries, applies all of its lines or
/// none, and saves with the cart's version as a concurrency token: when two coordinators edit at once the
/// loser re-reads and re-applies, so no line is ever lost and merges see each other.
/// </summary>
public sealed class CartService(IDbContextFactory<HeadlessDbContext> contexts, TenantContext tenant, TimeProvider clock)
{
    public const int MaxLinesPerCall = 250;

    /// <summary>
    /// The clinic's open cart, created on first use; null when the clinic is not the caller's. Throws
    /// <see cref="ContentionException"/> in the unlikely case that creating it lost every race.
    /// </summary>
    public async Task<Cart?> GetOpenCartAsync(string clinicGlobalId, CancellationToken ct)
    {
        if (!GlobalId.TryDecode(clinicGlobalId, "Clinic", out var clinicId))
        {
            return null;
        }

        var found = await Contention.RetryAsync(
            async _ =>
            {
                await using var db = await contexts.CreateDbContextAsync(ct);
                return new OpenCart(await GetOrCreateOpenCartAsync(db, clinicId, ct));
            },
            ct);
        return found is null ? throw new ContentionException("The clinic's cart could not be opened for concurrent changes.") : found.Cart;
    }

    private sealed record OpenCart(Cart? Cart);

    public Task<CartEditResult> AddLinesAsync(string clinicGlobalId, IReadOnlyList<CartLineInput> lines, int? expectedVersion, CancellationToken ct) =>
        WithRetriesAsync(db => AddLinesOnceAsync(db, clinicGlobalId, lines, expectedVersion, ct), ct);

    public Task<CartEditResult> UpdateLinesAsync(string cartGlobalId, IReadOnlyList<CartLineUpdateInput> lines, int? expectedVersion, CancellationToken ct) =>
        WithRetriesAsync(db => UpdateLinesOnceAsync(db, cartGlobalId, lines, expectedVersion, ct), ct);

    public Task<CartEditResult> RemoveLinesAsync(string cartGlobalId, IReadOnlyList<string> lineIds, int? expectedVersion, CancellationToken ct) =>
        WithRetriesAsync(db => RemoveLinesOnceAsync(db, cartGlobalId, lineIds, expectedVersion, ct), ct);

    /// <summary>
    /// Runs an edit on a fresh context until it saves. An edit that loses a race (another edit committed first and
    /// moved the version, or inserted the same merge key) starts over from what is now in the database; after
    /// <see cref="Contention.MaxAttempts"/> lost races the coordinator gets BUSY_RETRY and nothing changed.
    /// </summary>
    private async Task<CartEditResult> WithRetriesAsync(Func<HeadlessDbContext, Task<CartEditResult>> edit, CancellationToken ct) =>
        await Contention.RetryAsync(
            async _ =>
            {
                await using var db = await contexts.CreateDbContextAsync(ct);
                return await edit(db);
            },
            ct)
        ?? new CartEditResult(null, [BusyRetry.Error()]);

    private async Task<Cart?> GetOrCreateOpenCartAsync(HeadlessDbContext db, long clinicId, CancellationToken ct)
    {
        var cart = await db.Carts.FirstOrDefaultAsync(c => c.OpenClinicId == clinicId, ct);
        if (cart is not null)
        {
            return cart;
        }

        if (!await db.Clinics.AnyAsync(c => c.Id == clinicId, ct))
        {
            return null;
        }

        cart = new Cart(OrganizationId, clinicId, clock.GetUtcNow());
        db.Carts.Add(cart);
        try
        {
            await db.SaveChangesAsync(ct);
            return cart;
        }
        catch (DbUpdateException ex) when (Contention.IsUniqueViolation(ex.InnerException ?? ex))
        {
            // Someone else opened the clinic's cart at the same moment; the unique index kept it to one. Use theirs.
            db.ChangeTracker.Clear();
            return await db.Carts.FirstOrDefaultAsync(c => c.OpenClinicId == clinicId, ct)
                ?? throw new InvalidOperationException("The clinic's open cart vanished while it was being created.");
        }
    }

    private long OrganizationId => tenant.OrganizationId ?? throw new InvalidOperationException("No tenant.");

    private async Task<CartEditResult> AddLinesOnceAsync(HeadlessDbContext db, string clinicGlobalId, IReadOnlyList<CartLineInput> inputs, int? expectedVersion, CancellationToken ct)
    {
        var errors = new UserErrorList();
        if (inputs.Count == 0 || inputs.Count > MaxLinesPerCall)
        {
            errors.Add(UserErrorCode.InvalidValue, $"Send between 1 and {MaxLinesPerCall} lines per call.", "lines");
            return new CartEditResult(null, errors);
        }

        if (!GlobalId.TryDecode(clinicGlobalId, "Clinic", out var clinicId))
        {
            return NotFound("clinicId", "No clinic with this ID exists in your organization.");
        }

        // Decode and shape-check every line before touching the database.
        var parsed = new ParsedLine[inputs.Count];
        for (var i = 0; i < inputs.Count; i++)
        {
            parsed[i] = ParseAdd(inputs[i], i, errors);
        }

        var refs = await LoadReferencesAsync(
            db,
            parsed.Select(p => p.PatientId),
            parsed.Select(p => p.PrescriberId),
            parsed.Select(p => p.OfferingId),
            parsed.Select(p => p.ProductId),
            ct);
        for (var i = 0; i < parsed.Length; i++)
        {
            CheckReferences(parsed[i], i, refs, errors);
        }

        if (errors.Count > 0)
        {
            return new CartEditResult(null, ByLine(errors));
        }

        var cart = await GetOrCreateOpenCartAsync(db, clinicId, ct);
        if (cart is null)
        {
            return NotFound("clinicId", "No clinic with this ID exists in your organization.");
        }

        if (!cart.IsOpen)
        {
            return NotOpen(cart);
        }

        if (VersionMismatch(cart, expectedVersion) is { } mismatch)
        {
            return mismatch;
        }

        var clinic = await db.Clinics.AsNoTracking().FirstAsync(c => c.Id == clinicId, ct);
        var lines = await db.CartLines.Where(l => l.CartId == cart.Id).ToListAsync(ct);
        var now = clock.GetUtcNow();
        var added = 0;
        for (var i = 0; i < parsed.Length; i++)
        {
            var p = parsed[i];
            var patient = refs.Patients[p.PatientId!.Value];
            var shipTo = p.ShipTo ?? patient.Address;
            Offering offering;
            string reason;
            if (p.OfferingId is { } offeringId)
            {
                offering = refs.Offerings[offeringId];
                reason = "Chosen by the coordinator.";
            }
            else if (p.PharmacyId is { } pharmacyId)
            {
                var match = refs.OfferingsByProduct[p.ProductId!.Value].FirstOrDefault(o => o.PharmacyId == pharmacyId);
                if (match is null)
                {
                    errors.Add(UserErrorCode.NotFound, "This pharmacy does not offer the product.", Path(i, "pharmacyId"));
                    continue;
                }

                offering = match;
                reason = "Chosen by the coordinator.";
            }
            else
            {
                (offering, reason) = PharmacyRouter.Choose(refs.OfferingsByProduct[p.ProductId!.Value], shipTo.State, p.Quantity ?? 1, clinic.RoutingPreference, lines);
            }

            var existing = lines.FirstOrDefault(l => l.PatientId == patient.Id && l.ProductId == offering.ProductId && l.PharmacyId == offering.PharmacyId);
            var prescriber = p.PrescriberId is { } pid ? refs.Prescribers[pid] : null;

            // The quantity the line ends with obeys the offering's limit, whether entered or reached by merging
            // (two inputs for one line in the same call included); counted in 64 bits, so it cannot wrap.
            var resulting = existing is null ? p.Quantity : existing.QuantityAfterMerge(p.Quantity);
            if (resulting is { } quantity && !CartLine.IsAllowedQuantity(quantity, offering))
            {
                errors.Add(UserErrorCode.QuantityLimit, existing is null || existing.Quantity is null
                    ? $"At most {offering.MaxQuantity} per line for this offering."
                    : $"This merges into the line already ordering this product from this pharmacy for the patient, which would then order {quantity}; at most {offering.MaxQuantity} per line for this offering.",
                    Path(i, "quantity"));
                continue;
            }

            if (existing is not null)
            {
                existing.MergeFrom(p.Quantity, p.Sig, p.DaysSupply, prescriber, p.ShipTo);
                if (inputs[i].ResubmitsLineNumber is { } resubmits)
                {
                    existing.MarkResubmissionOf(resubmits);
                }

                existing.Touch(now);
                continue;
            }

            var line = new CartLine(cart, patient, offering, reason, now);
            line.SetQuantity(p.Quantity);
            line.SetSig(p.Sig);
            line.SetDaysSupply(p.DaysSupply);
            line.SetPrescriber(prescriber);
            line.SetShipTo(p.ShipTo);
            if (inputs[i].ResubmitsLineNumber is { } resubmitted)
            {
                line.MarkResubmissionOf(resubmitted);
            }

            db.CartLines.Add(line);
            lines.Add(line);
            added++;
        }

        if (errors.Count > 0)
        {
            return new CartEditResult(null, errors);
        }

        if (lines.Count > Cart.MaxLines)
        {
            errors.Add(UserErrorCode.InvalidValue, $"A cart holds at most {Cart.MaxLines} lines; this would make {lines.Count}.", "lines");
            return new CartEditResult(null, errors);
        }

        cart.Touch(now);
        return await SaveAsync(db, cart, lines.Count, ct);
    }

    private async Task<CartEditResult> UpdateLinesOnceAsync(HeadlessDbContext db, string cartGlobalId, IReadOnlyList<CartLineUpdateInput> inputs, int? expectedVersion, CancellationToken ct)
    {
        var errors = new UserErrorList();
        if (inputs.Count == 0 || inputs.Count > MaxLinesPerCall)
        {
            errors.Add(UserErrorCode.InvalidValue, $"Send between 1 and {MaxLinesPerCall} lines per call.", "lines");
            return new CartEditResult(null, errors);
        }

        var (cart, failure) = await LoadOpenCartAsync(db, cartGlobalId, ct);
        if (cart is null)
        {
            return failure!;
        }

        var lines = await db.CartLines.Where(l => l.CartId == cart.Id).Include(l => l.Patient).Include(l => l.Offering).ToListAsync(ct);
        var byId = lines.ToDictionary(l => l.Id);
        var targets = new CartLine?[inputs.Count];
        var parsed = new ParsedLine[inputs.Count];
        var seen = new HashSet<long>();
        for (var i = 0; i < inputs.Count; i++)
        {
            var input = inputs[i];
            if (!GlobalId.TryDecode(input.LineId, "CartLine", out var lineId) || !byId.TryGetValue(lineId, out var line))
            {
                errors.Add(UserErrorCode.NotFound, "No line with this ID is in the cart.", Path(i, "lineId"));
            }
            else if (!seen.Add(lineId))
            {
                errors.Add(UserErrorCode.Duplicate, "This line is already changed earlier in the same call.", Path(i, "lineId"));
            }
            else
            {
                targets[i] = line;
            }

            parsed[i] = ParseUpdate(input, i, errors);
        }

        var refs = await LoadReferencesAsync(
            db,
            [],
            parsed.Select(p => p.PrescriberId),
            parsed.Select(p => p.OfferingId),
            targets.Select((t, i) => parsed[i].PharmacyId is null ? null : t?.ProductId),
            ct);
        for (var i = 0; i < parsed.Length; i++)
        {
            CheckReferences(parsed[i], i, refs, errors);
        }

        if (errors.Count > 0)
        {
            return new CartEditResult(null, ByLine(errors));
        }

        if (VersionMismatch(cart, expectedVersion) is { } mismatch)
        {
            return mismatch;
        }

        var now = clock.GetUtcNow();
        for (var i = 0; i < inputs.Count; i++)
        {
            var line = targets[i]!;
            var p = parsed[i];
            Offering? offering = null;
            if (p.OfferingId is { } offeringId)
            {
                offering = refs.Offerings[offeringId];
                if (offering.ProductId != line.ProductId)
                {
                    errors.Add(UserErrorCode.InvalidValue, "The offering is for another product. Remove the line and add a new one to change the product.", Path(i, "offeringId"));
                    continue;
                }
            }
            else if (p.PharmacyId is { } pharmacyId)
            {
                offering = refs.OfferingsByProduct[line.ProductId].FirstOrDefault(o => o.PharmacyId == pharmacyId);
                if (offering is null)
                {
                    errors.Add(UserErrorCode.NotFound, "This pharmacy does not offer the line's product.", Path(i, "pharmacyId"));
                    continue;
                }
            }

            var moves = offering is not null && offering.Id != line.OfferingId;
            if (moves && lines.Any(l => l.Id != line.Id && l.PatientId == line.PatientId && l.ProductId == offering!.ProductId && l.PharmacyId == offering.PharmacyId))
            {
                errors.Add(UserErrorCode.Duplicate, "Another line already orders this product from this pharmacy for the same patient. Change that line's quantity instead.", Path(i, "pharmacyId"));
                continue;
            }

            // A changed quantity, or the quantity the line keeps when it moves to another offering, obeys that
            // offering's limit exactly like an entered one.
            var target = moves ? offering! : line.Offering;
            var quantity = inputs[i].Quantity is not null ? p.Quantity : line.Quantity;
            if ((moves || inputs[i].Quantity is not null) && quantity is { } q && !CartLine.IsAllowedQuantity(q, target))
            {
                errors.Add(UserErrorCode.QuantityLimit, $"At most {target.MaxQuantity} per line for this offering.", Path(i, inputs[i].Quantity is not null ? "quantity" : inputs[i].PharmacyId is not null ? "pharmacyId" : "offeringId"));
                continue;
            }

            if (moves)
            {
                line.SetOffering(target, "Chosen by the coordinator.", quantity);
            }
            else if (inputs[i].Quantity is not null)
            {
                line.SetQuantity(p.Quantity);
            }

            if (inputs[i].Sig is not null)
            {
                line.SetSig(p.Sig);
            }

            if (inputs[i].DaysSupply is not null)
            {
                line.SetDaysSupply(p.DaysSupply);
            }

            if (p.PrescriberId is { } prescriberId)
            {
                line.SetPrescriber(refs.Prescribers[prescriberId]);
            }

            if (inputs[i].ShipToPatientAddress == true)
            {
                line.SetShipTo(null);
            }
            else if (p.ShipTo is not null)
            {
                line.SetShipTo(p.ShipTo);
            }

            line.Touch(now);
        }

        if (errors.Count > 0)
        {
            return new CartEditResult(null, errors);
        }

        cart.Touch(now);
        return await SaveAsync(db, cart, lines.Count, ct);
    }

    private async Task<CartEditResult> RemoveLinesOnceAsync(HeadlessDbContext db, string cartGlobalId, IReadOnlyList<string> lineIds, int? expectedVersion, CancellationToken ct)
    {
        var errors = new UserErrorList();
        if (lineIds.Count == 0 || lineIds.Count > MaxLinesPerCall)
        {
            errors.Add(UserErrorCode.InvalidValue, $"Send between 1 and {MaxLinesPerCall} line IDs per call.", "lineIds");
            return new CartEditResult(null, errors);
        }

        var (cart, failure) = await LoadOpenCartAsync(db, cartGlobalId, ct);
        if (cart is null)
        {
            return failure!;
        }

        var ids = new long[lineIds.Count];
        for (var i = 0; i < lineIds.Count; i++)
        {
            if (!GlobalId.TryDecode(lineIds[i], "CartLine", out ids[i]))
            {
                ids[i] = -1;
            }
        }

        var distinct = ids.Where(id => id > 0).Distinct().ToList();
        var lines = await db.CartLines.Where(l => l.CartId == cart.Id && distinct.Contains(l.Id)).ToDictionaryAsync(l => l.Id, ct);
        for (var i = 0; i < ids.Length; i++)
        {
            if (!lines.ContainsKey(ids[i]))
            {
                errors.Add(UserErrorCode.NotFound, "No line with this ID is in the cart.", "lineIds", i.ToString(CultureInfo.InvariantCulture));
            }
        }

        if (errors.Count > 0)
        {
            return new CartEditResult(null, errors);
        }

        if (VersionMismatch(cart, expectedVersion) is { } mismatch)
        {
            return mismatch;
        }

        var remaining = await db.CartLines.CountAsync(l => l.CartId == cart.Id, ct) - lines.Count;
        db.CartLines.RemoveRange(lines.Values);
        cart.Touch(clock.GetUtcNow());
        return await SaveAsync(db, cart, remaining, ct);
    }

    /// <summary>Saves an edit and its cart.changed event in one transaction: the log has the edit exactly when the cart does.</summary>
    private static async Task<CartEditResult> SaveAsync(HeadlessDbContext db, Cart cart, int lineCount, CancellationToken ct)
    {
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        CartEvents.Changed(db, cart, lineCount);
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        return new CartEditResult(cart, []);
    }

    private static async Task<(Cart? Cart, CartEditResult? Failure)> LoadOpenCartAsync(HeadlessDbContext db, string cartGlobalId, CancellationToken ct)
    {
        Cart? cart = null;
        if (GlobalId.TryDecode(cartGlobalId, "Cart", out var cartId))
        {
            cart = await db.Carts.FirstOrDefaultAsync(c => c.Id == cartId, ct);
        }

        if (cart is null)
        {
            return (null, NotFound("cartId", "No cart with this ID exists in your organization."));
        }

        return cart.IsOpen ? (cart, null) : (null, NotOpen(cart));
    }

    private static CartEditResult NotOpen(Cart cart) => new(null, [new UserError(
        UserErrorCode.CartNotOpen,
        [cart.Status == CartStatus.CheckingOut ? "clinicId" : "cartId"],
        cart.Status == CartStatus.CheckingOut
            ? "The cart is being checked out. If the payment fails the cart reopens unchanged; otherwise the clinic gets a new cart."
            : "This cart was checked out and can no longer change. Use the clinic's open cart.")]);

    private static CartEditResult? VersionMismatch(Cart cart, int? expectedVersion) =>
        expectedVersion is { } v && v != cart.Version
            ? new CartEditResult(null, [new UserError(UserErrorCode.CartVersionMismatch, ["expectedVersion"], $"The cart changed since version {v}; it is now at version {cart.Version}. Reload it and apply your change again.")])
            : null;

    private static CartEditResult NotFound(string field, string message) => new(null, [new UserError(UserErrorCode.NotFound, [field], message)]);

    private static string[] Path(int index, string field) => ["lines", index.ToString(CultureInfo.InvariantCulture), field];

    /// <summary>Errors in input order: line 0's problems first, whatever check found them.</summary>
    private static List<UserError> ByLine(IEnumerable<UserError> errors) =>
        errors.OrderBy(e => e.Field is ["lines", var index, ..] && int.TryParse(index, CultureInfo.InvariantCulture, out var i) ? i : -1).ToList();

    private sealed record ParsedLine(long? PatientId, long? OfferingId, long? ProductId, long? PharmacyId, long? PrescriberId, int? Quantity, string? Sig, int? DaysSupply, Address? ShipTo);

    private static ParsedLine ParseAdd(CartLineInput input, int i, UserErrorList errors)
    {
        long? patientId = null, offeringId = null, productId = null, pharmacyId = null;
        if (GlobalId.TryDecode(input.PatientId, "Patient", out var pa))
        {
            patientId = pa;
        }
        else
        {
            errors.Add(input.PatientId is null ? UserErrorCode.Required : UserErrorCode.NotFound, input.PatientId is null ? "Each line needs a patient." : "No patient with this ID exists in your organization.", Path(i, "patientId"));
        }

        if (input.OfferingId is not null)
        {
            if (GlobalId.TryDecode(input.OfferingId, "Offering", out var o))
            {
                offeringId = o;
            }
            else
            {
                errors.Add(UserErrorCode.NotFound, "No offering with this ID exists.", Path(i, "offeringId"));
            }

            if (input.ProductId is not null || input.PharmacyId is not null)
            {
                errors.Add(UserErrorCode.InvalidValue, "Give either an offering, or a product with an optional pharmacy, not both.", Path(i, "offeringId"));
            }
        }
        else if (input.ProductId is not null)
        {
            if (GlobalId.TryDecode(input.ProductId, "Product", out var pr))
            {
                productId = pr;
            }
            else
            {
                errors.Add(UserErrorCode.NotFound, "No product with this ID exists.", Path(i, "productId"));
            }

            if (input.PharmacyId is not null)
            {
                if (GlobalId.TryDecode(input.PharmacyId, "Pharmacy", out var ph))
                {
                    pharmacyId = ph;
                }
                else
                {
                    errors.Add(UserErrorCode.NotFound, "No pharmacy with this ID exists.", Path(i, "pharmacyId"));
                }
            }
        }
        else
        {
            errors.Add(UserErrorCode.Required, "Each line needs an offering, or a product (the pharmacy is then chosen by the clinic's routing preference).", Path(i, "productId"));
        }

        var common = ParseCommon(input.Quantity, input.Sig, input.DaysSupply, input.PrescriberId, input.ShipTo, i, errors);
        return common with { PatientId = patientId, OfferingId = offeringId, ProductId = productId, PharmacyId = pharmacyId };
    }

    private static ParsedLine ParseUpdate(CartLineUpdateInput input, int i, UserErrorList errors)
    {
        long? offeringId = null, pharmacyId = null;
        if (input.OfferingId is not null && input.PharmacyId is not null)
        {
            errors.Add(UserErrorCode.InvalidValue, "Give either an offering or a pharmacy, not both.", Path(i, "offeringId"));
        }
        else if (input.OfferingId is not null)
        {
            if (GlobalId.TryDecode(input.OfferingId, "Offering", out var o))
            {
                offeringId = o;
            }
            else
            {
                errors.Add(UserErrorCode.NotFound, "No offering with this ID exists.", Path(i, "offeringId"));
            }
        }
        else if (input.PharmacyId is not null)
        {
            if (GlobalId.TryDecode(input.PharmacyId, "Pharmacy", out var ph))
            {
                pharmacyId = ph;
            }
            else
            {
                errors.Add(UserErrorCode.NotFound, "No pharmacy with this ID exists.", Path(i, "pharmacyId"));
            }
        }

        if (input.ShipTo is not null && input.ShipToPatientAddress == true)
        {
            errors.Add(UserErrorCode.InvalidValue, "Give either a ship-to address or shipToPatientAddress, not both.", Path(i, "shipTo"));
        }

        var common = ParseCommon(input.Quantity, input.Sig, input.DaysSupply, input.PrescriberId, input.ShipTo, i, errors);
        return common with { OfferingId = offeringId, PharmacyId = pharmacyId };
    }

    private static ParsedLine ParseCommon(int? quantity, string? sig, int? daysSupply, string? prescriberGlobalId, AddressInput? shipTo, int i, UserErrorList errors)
    {
        if (quantity is < 1)
        {
            errors.Add(UserErrorCode.InvalidValue, "Quantity must be at least 1. Remove the line to order none.", Path(i, "quantity"));
        }

        if (daysSupply is < 1)
        {
            errors.Add(UserErrorCode.InvalidValue, "Days supply must be at least 1.", Path(i, "daysSupply"));
        }

        if (sig is { Length: > CartLine.MaxSigLength })
        {
            errors.Add(UserErrorCode.TooLong, $"Directions must be at most {CartLine.MaxSigLength} characters.", Path(i, "sig"));
        }

        long? prescriberId = null;
        if (prescriberGlobalId is not null)
        {
            if (GlobalId.TryDecode(prescriberGlobalId, "Prescriber", out var pr))
            {
                prescriberId = pr;
            }
            else
            {
                errors.Add(UserErrorCode.NotFound, "No prescriber with this ID exists in your organization.", Path(i, "prescriberId"));
            }
        }

        return new ParsedLine(null, null, null, null, prescriberId, quantity, sig, daysSupply, ShipToAsGiven(shipTo, i, errors));
    }

    /// <summary>
    /// A ship-to override is kept as the coordinator typed it (trimmed, length-checked): a malformed ZIP or
    /// state is reported by validation as ADDRESS_INVALID on the line rather than losing the edit.
    /// </summary>
    private static Address? ShipToAsGiven(AddressInput? input, int i, UserErrorList errors)
    {
        if (input is null)
        {
            return null;
        }

        var before = errors.Count;
        string Field(string? value, int max, string name)
        {
            var v = value?.Trim() ?? "";
            if (v.Length > max)
            {
                errors.Add(UserErrorCode.TooLong, $"Must be at most {max} characters.", ["lines", i.ToString(CultureInfo.InvariantCulture), "shipTo", name]);
            }

            return v;
        }

        var address = new Address
        {
            Line1 = Field(input.Line1, 200, "line1"),
            Line2 = input.Line2 is null ? null : Field(input.Line2, 200, "line2"),
            City = Field(input.City, 100, "city"),
            State = Field(input.State, 2, "state").ToUpperInvariant(),
            Zip = Field(input.Zip, 10, "zip"),
        };
        return errors.Count > before ? null : address;
    }

    private sealed record References(
        Dictionary<long, Patient> Patients,
        Dictionary<long, Prescriber> Prescribers,
        Dictionary<long, Offering> Offerings,
        Dictionary<long, List<Offering>> OfferingsByProduct);

    /// <summary>Loads every patient, prescriber and offering the lines mention: four queries whatever the line count.</summary>
    private static async Task<References> LoadReferencesAsync(
        HeadlessDbContext db, IEnumerable<long?> patientIds, IEnumerable<long?> prescriberIds, IEnumerable<long?> offeringIds, IEnumerable<long?> productIds, CancellationToken ct)
    {
        var pIds = patientIds.OfType<long>().Distinct().ToList();
        var rIds = prescriberIds.OfType<long>().Distinct().ToList();
        var oIds = offeringIds.OfType<long>().Distinct().ToList();
        var prIds = productIds.OfType<long>().Distinct().ToList();

        var patients = pIds.Count == 0 ? [] : await db.Patients.Where(p => pIds.Contains(p.Id)).ToDictionaryAsync(p => p.Id, ct);
        var prescribers = rIds.Count == 0 ? [] : await db.Prescribers.Where(p => rIds.Contains(p.Id)).ToDictionaryAsync(p => p.Id, ct);
        var offerings = oIds.Count == 0 && prIds.Count == 0
            ? []
            : await db.Offerings
                .Include(o => o.Product).Include(o => o.Pharmacy).ThenInclude(p => p.ShipsTo)
                .Where(o => oIds.Contains(o.Id) || prIds.Contains(o.ProductId))
                .AsSplitQuery()
                .ToListAsync(ct);
        return new References(
            patients,
            prescribers,
            offerings.Where(o => oIds.Contains(o.Id)).ToDictionary(o => o.Id),
            prIds.ToDictionary(id => id, id => offerings.Where(o => o.ProductId == id).OrderBy(o => o.Id).ToList()));
    }

    private static void CheckReferences(ParsedLine p, int i, References refs, UserErrorList errors)
    {
        if (p.PatientId is { } patientId && !refs.Patients.ContainsKey(patientId))
        {
            errors.Add(UserErrorCode.NotFound, "No patient with this ID exists in your organization.", Path(i, "patientId"));
        }

        if (p.PrescriberId is { } prescriberId && !refs.Prescribers.ContainsKey(prescriberId))
        {
            errors.Add(UserErrorCode.NotFound, "No prescriber with this ID exists in your organization.", Path(i, "prescriberId"));
        }

        if (p.OfferingId is { } offeringId && !refs.Offerings.ContainsKey(offeringId))
        {
            errors.Add(UserErrorCode.NotFound, "No offering with this ID exists.", Path(i, "offeringId"));
        }

        if (p.ProductId is { } productId && refs.OfferingsByProduct.TryGetValue(productId, out var offers) && offers.Count == 0)
        {
            errors.Add(UserErrorCode.NotFound, "No pharmacy offers this product.", Path(i, "productId"));
        }
    }
}
