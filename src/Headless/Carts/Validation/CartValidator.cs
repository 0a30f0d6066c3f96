using System.Globalization;
using Headless.Carts;
using Headless.Carts.Validation.Sig;
using Headless.Catalog;
using Headless.Data;
using Headless.Shared;
using Microsoft.EntityFrameworkCore;

namespace Headless.Carts.Validation;

/// <summary>Settings under Headless:Validation.</summary>
public sealed class ValidationOptions
{
    public const string Section = "Headless:Validation";

    /// <summary>Longest days supply one line may cover.</summary>
    public int MaxDaysSupply { get; set; } = 90;

    /// <summary>Pharmacy turnaround, in days, from which a line gets a LONG_TURNAROUND warning.</summary>
    public int LongTurnaroundDays { get; set; } = 7;
}

/// <summary>An earlier fill of a product for a patient whose days supply has not run out.</summary>
public sealed record ActiveFill(long PatientId, long ProductId, string OrderLineNumber, DateOnly SupplyEndsOn);

/// <summary>Where DUPLICATE_FILL looks for earlier fills beyond the cart itself (orders, once they exist).</summary>
public interface IActiveFillSource
{
    Task<IReadOnlyList<ActiveFill>> FindAsync(HeadlessDbContext db, IReadOnlyCollection<long> patientIds, IReadOnlyCollection<long> productIds, DateOnly today, CancellationToken ct);
}

/// <summary>
/// Runs every preflight rule over a whole cart. Data is read in a fixed number of queries (lines with their patients,
/// their prescribers, every offering of their products, earlier fills); the rules then run in memory, line by line.
/// </summary>
public sealed class CartValidator(TimeProvider clock, IEnumerable<IActiveFillSource> fillSources, Microsoft.Extensions.Options.IOptions<ValidationOptions> options)
{
    /// <summary>
    /// Loads the cart with this ID and, when it is open, validates it as it is now and stores the result with the
    /// version it saw; returns the cart (null when there is none) and, when validated, the cart as the rules saw it.
    /// </summary>
    public async Task<(Cart? Cart, CartSnapshot? Snapshot)> ValidateAndSaveAsync(HeadlessDbContext db, long cartId, CancellationToken ct)
    {
        var loaded = await CartSnapshot.LoadAsync(db, cartId, ct);
        if (loaded.Cart is not { IsOpen: true } cart)
        {
            return (loaded.Cart, null);
        }

        var validation = await EvaluateAsync(db, cart, loaded.Lines, loaded.Offerings, ct);
        db.CartValidations.Add(validation);
        await db.SaveChangesAsync(ct);
        return (cart, CartSnapshot.From(cart, loaded.Lines, validation));
    }

    /// <summary>Validates and also returns the lines as the rules saw them, for checkout to turn into order lines.</summary>
    public async Task<(CartValidation Validation, List<CartLine> Lines)> RunAsync(HeadlessDbContext db, Cart cart, CancellationToken ct)
    {
        var (_, lines, offerings) = await CartSnapshot.LoadAsync(db, cart.Id, ct);
        return (await EvaluateAsync(db, cart, lines, offerings, ct), lines);
    }

    /// <summary>Validates the cart as it is now without storing the result.</summary>
    public async Task<CartValidation> ValidateAsync(HeadlessDbContext db, Cart cart, CancellationToken ct) =>
        (await RunAsync(db, cart, ct)).Validation;

    /// <summary>Validates a cart whose lines and offerings <see cref="CartSnapshot.LoadAsync"/> has just read, without storing the result.</summary>
    public Task<CartValidation> ValidateAsync(HeadlessDbContext db, Cart cart, List<CartLine> lines, List<Offering> alternatives, CancellationToken ct) =>
        EvaluateAsync(db, cart, lines, alternatives, ct);

    private async Task<CartValidation> EvaluateAsync(HeadlessDbContext db, Cart cart, List<CartLine> lines, List<Offering> alternatives, CancellationToken ct)
    {
        var today = DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime);
        var productIds = lines.Select(l => l.ProductId).Distinct().ToList();
        var patientIds = lines.Select(l => l.PatientId).Distinct().ToList();
        var fills = new List<ActiveFill>();
        foreach (var source in fillSources)
        {
            fills.AddRange(await source.FindAsync(db, patientIds, productIds, today, ct));
        }

        var issues = Evaluate(lines, alternatives, fills, today, options.Value);
        var shares = CartPricing.ShippingShares(lines);
        var prices = lines.Select(l => new ValidatedPrice(l.Id, l.Offering.UnitPrice, shares[l.Id]));
        return new CartValidation(cart.OrganizationId, cart.Id, cart.Version, issues, clock.GetUtcNow(), prices);
    }

    /// <summary>The rules themselves: pure, in memory, over the whole cart at once.</summary>
    public static List<CartIssue> Evaluate(IReadOnlyList<CartLine> lines, IReadOnlyList<Offering> alternatives, IReadOnlyList<ActiveFill> fills, DateOnly today, ValidationOptions settings)
    {
        var issues = new List<CartIssue>();
        var demand = lines.GroupBy(l => l.OfferingId).ToDictionary(g => g.Key, g => (Units: g.Sum(l => (long)(l.Quantity ?? 0)), Lines: g.Count()));
        var firstLineForFill = lines.GroupBy(l => (l.PatientId, l.ProductId)).ToDictionary(g => g.Key, g => g.Min(l => l.Id));
        var alternativesByProduct = alternatives.ToLookup(o => o.ProductId);
        var fillsByKey = fills.ToLookup(f => (f.PatientId, f.ProductId));

        foreach (var line in lines)
        {
            void Add(CartIssueCode code, IssueSeverity severity, string field, string message) =>
                issues.Add(new CartIssue(line.Id, code, severity, field, message));
            void Error(CartIssueCode code, string field, string message) => Add(code, IssueSeverity.Error, field, message);

            var offering = line.Offering;
            var product = offering.Product;
            var pharmacy = offering.Pharmacy;
            var shipTo = line.ShipTo;
            var stateKnown = UsStates.IsValid(shipTo.State);

            // REQUIRED_FIELD_MISSING
            if (line.Quantity is null)
            {
                Error(CartIssueCode.RequiredFieldMissing, "quantity", "Quantity is required.");
            }

            if (line.Sig is null)
            {
                Error(CartIssueCode.RequiredFieldMissing, "sig", "Directions (SIG) are required.");
            }

            if (line.DaysSupply is null)
            {
                Error(CartIssueCode.RequiredFieldMissing, "daysSupply", "Days supply is required.");
            }

            if (line.Prescriber is null)
            {
                Error(CartIssueCode.RequiredFieldMissing, "prescriberId", "A prescriber is required.");
            }

            if (line.Patient.DateOfBirth == default)
            {
                Error(CartIssueCode.RequiredFieldMissing, "patient.dateOfBirth", "The patient's date of birth is required.");
            }

            // SIG_INCOMPLETE: the message names what is missing, never the directions themselves (PHI).
            if (line.Sig is not null && SigReader.Read(line.Sig) is { IsComplete: false } reading)
            {
                var missing = string.Join(", ", reading.Missing.Select(m => m switch
                {
                    SigPart.Action => "action",
                    SigPart.Dose => "dose with unit",
                    SigPart.Route => "route",
                    _ => "frequency",
                }));
                Error(CartIssueCode.SigIncomplete, "sig", $"Directions must state action, dose with unit, route and frequency; missing: {missing}.");
            }

            // ADDRESS_INVALID
            if (string.IsNullOrWhiteSpace(shipTo.Line1))
            {
                Error(CartIssueCode.AddressInvalid, "shipTo.line1", "The ship-to address has no street.");
            }

            if (string.IsNullOrWhiteSpace(shipTo.City))
            {
                Error(CartIssueCode.AddressInvalid, "shipTo.city", "The ship-to address has no city.");
            }

            if (!stateKnown)
            {
                Error(CartIssueCode.AddressInvalid, "shipTo.state", "The ship-to state is not a US state code.");
            }

            if (!ZipCode.IsValid(shipTo.Zip))
            {
                Error(CartIssueCode.AddressInvalid, "shipTo.zip", "The ship-to ZIP code must be 12345 or 12345-6789.");
            }

            // PRESCRIBER_NOT_LICENSED and DEA_REQUIRED
            if (line.Prescriber is { } prescriber)
            {
                if (stateKnown && !prescriber.IsLicensedIn(shipTo.State, today))
                {
                    Error(CartIssueCode.PrescriberNotLicensed, "prescriberId", $"The prescriber has no active license in {shipTo.State}.");
                }

                if (product.IsControlled && prescriber.DeaNumber is null)
                {
                    Error(CartIssueCode.DeaRequired, "prescriberId", $"This product is a schedule {product.ControlledSchedule} controlled substance; the prescriber needs a DEA registration.");
                }
            }

            // PHARMACY_NOT_LICENSED
            if (stateKnown && !pharmacy.ShipsToState(shipTo.State))
            {
                Error(CartIssueCode.PharmacyNotLicensed, "pharmacyId", $"{pharmacy.Name} may not ship to {shipTo.State}.");
            }

            // PRODUCT_UNAVAILABLE
            if (!offering.IsAvailable)
            {
                Error(CartIssueCode.ProductUnavailable, "offeringId", product.Discontinued ? "The product is discontinued." : $"{pharmacy.Name} has paused this offering.");
            }

            // OUT_OF_STOCK: against the summed quantity of every line on the same offering.
            var (units, sharing) = demand[line.OfferingId];
            if (units > offering.Stock)
            {
                var ordered = sharing == 1 ? $"this line orders {units}" : $"{units} are ordered across {sharing} lines";
                Error(CartIssueCode.OutOfStock, "quantity", $"{pharmacy.Name} has {offering.Stock} in stock; {ordered}.");
            }

            // QUANTITY_LIMIT
            if (line.Quantity > offering.MaxQuantity)
            {
                Error(CartIssueCode.QuantityLimit, "quantity", $"At most {offering.MaxQuantity} per line for this offering.");
            }

            if (line.DaysSupply is { } days && (days < 1 || days > settings.MaxDaysSupply))
            {
                Error(CartIssueCode.QuantityLimit, "daysSupply", $"Days supply must be between 1 and {settings.MaxDaysSupply}.");
            }

            // DUPLICATE_FILL: the same patient and product twice in this cart, or an earlier fill still running.
            if (firstLineForFill[(line.PatientId, line.ProductId)] != line.Id)
            {
                Error(CartIssueCode.DuplicateFill, "productId", "The same patient already has this product on another line of this cart.");
            }

            foreach (var fill in fillsByKey[(line.PatientId, line.ProductId)])
            {
                Error(CartIssueCode.DuplicateFill, "productId", string.Create(CultureInfo.InvariantCulture, $"Order line {fill.OrderLineNumber} already supplies this product to the patient until {fill.SupplyEndsOn:yyyy-MM-dd}."));
            }

            // Warnings
            if (stateKnown)
            {
                var cheaper = alternativesByProduct[line.ProductId]
                    .Where(o => o.Id != offering.Id && o.IsAvailable && o.UnitPrice < offering.UnitPrice && o.Pharmacy.ShipsToState(shipTo.State) && o.Stock >= (line.Quantity ?? 1))
                    .OrderBy(o => o.UnitPrice).ThenBy(o => o.Id)
                    .FirstOrDefault();
                if (cheaper is not null)
                {
                    Add(CartIssueCode.CheaperPharmacyAvailable, IssueSeverity.Warning, "pharmacyId",
                        string.Create(CultureInfo.InvariantCulture, $"{cheaper.Pharmacy.Name} offers it for {cheaper.UnitPrice / 100}.{cheaper.UnitPrice % 100:00} {cheaper.Currency} per unit (this line: {offering.UnitPrice / 100}.{offering.UnitPrice % 100:00})."));
                }
            }

            if (pharmacy.TurnaroundDays >= settings.LongTurnaroundDays)
            {
                Add(CartIssueCode.LongTurnaround, IssueSeverity.Warning, "pharmacyId", $"{pharmacy.Name} takes {pharmacy.TurnaroundDays} days to ship.");
            }
        }

        return issues;
    }
}
