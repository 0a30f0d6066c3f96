using System.Globalization;
using Headless.Carts;
using Headless.Carts.Validation;
using Headless.Catalog;
using Headless.Data;
using Headless.GraphQL;
using Headless.Orders;
using Headless.Payments;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Headless.Checkout;

/// <summary>Input of cartCheckout.</summary>
public sealed record CartCheckoutInput
{
    public string? CartId { get; init; }

    public int? ExpectedVersion { get; init; }

    public string? PaymentMethodId { get; init; }

    public string? IdempotencyKey { get; init; }
}

/// <summary>What checkout produced: the order (also when payment failed), the clinic's open cart, and why it refused if it did.</summary>
public sealed record CheckoutResult(Order? Order, Cart? Cart, CartValidation? Validation, IReadOnlyList<UserError> UserErrors)
{
    /// <summary>The cart's contents when checkout holds them in memory (the next, empty cart it just opened); null: read them.</summary>
    public ICartContents? CartContents { get; init; }

    /// <summary>The order's clinic and line views when checkout holds them in memory (the order it just created); null: read them.</summary>
    public (Clinics.Clinic Clinic, IReadOnlyList<OrderLineView> Lines)? OrderContents { get; init; }
}

/// <summary>
/// Checkout in three steps, so that no failure can charge twice, lose an order or lose a cart:
/// 1. one transaction re-validates the cart at the client's version, creates the order under the client's
///    idempotency key, reserves stock and freezes the cart;
/// 2. the gateway authorizes the total with a key derived from the order, outside any transaction;
/// 3. one transaction records the outcome: the order is submitted and the clinic gets a new cart, or the
///    order is kept as PAYMENT_FAILED, stock is released and the cart reopens as it was.
/// A retry with the same idempotency key finds the order and resumes at step 2 if step 3 never happened;
/// the gateway's own idempotency returns the first authorization instead of making a second one.
/// </summary>
public sealed class CheckoutService(
    IDbContextFactory<HeadlessDbContext> contexts,
    CartValidator validator,
    PaymentSettlement settlement,
    TimeProvider clock,
    ILogger<CheckoutService> logger)
{
    private const int MaxKeyLength = 200;

    public async Task<CheckoutResult> CheckoutAsync(CartCheckoutInput input, CancellationToken ct)
    {
        var errors = new UserErrorList();
        if (!GlobalId.TryDecode(input.CartId, "Cart", out var cartId))
        {
            errors.Add(UserErrorCode.NotFound, "No cart with this ID exists in your organization.", "input", "cartId");
        }

        if (input.ExpectedVersion is null)
        {
            errors.Add(UserErrorCode.Required, "Send the cart version you validated as expectedVersion.", "input", "expectedVersion");
        }

        var key = input.IdempotencyKey?.Trim();
        if (string.IsNullOrEmpty(key) || key.Length > MaxKeyLength)
        {
            errors.Add(string.IsNullOrEmpty(key) ? UserErrorCode.Required : UserErrorCode.TooLong, $"Send an idempotency key of 1 to {MaxKeyLength} characters, the same one on every retry of this checkout.", "input", "idempotencyKey");
        }

        var paymentMethod = input.PaymentMethodId?.Trim();
        if (string.IsNullOrEmpty(paymentMethod) || paymentMethod.Length > MaxKeyLength)
        {
            errors.Add(UserErrorCode.Required, "A payment method ID is required.", "input", "paymentMethodId");
        }

        if (errors.Count > 0)
        {
            return new CheckoutResult(null, null, null, errors);
        }

        // Contention (a concurrent checkout took the stock this one counted on, a concurrent edit moved the cart,
        // a concurrent retry created the order) is retried from the start with back-off; each attempt re-reads
        // everything. Only when the budget is spent does the client get BUSY_RETRY, and then nothing was created,
        // so a retry with the same idempotency key is safe.
        return await Contention.RetryAsync(_ => AttemptAsync(cartId, input.ExpectedVersion!.Value, key!, paymentMethod!, ct), ct)
            ?? new CheckoutResult(null, null, null, [BusyRetry.Error("input")]);
    }

    private async Task<CheckoutResult> AttemptAsync(long cartId, int expectedVersion, string key, string paymentMethod, CancellationToken ct)
    {
        Created created;
        await using (var db = await contexts.CreateDbContextAsync(ct))
        {
            created = await CreateOrderAsync(db, cartId, expectedVersion, key, paymentMethod, ct);
        }

        if (created.ExistingOrderId is { } existingId)
        {
            return created.ExistingCartId == cartId
                ? await ResumeAsync(existingId, ct)
                : new CheckoutResult(null, null, null, [new UserError(UserErrorCode.IdempotencyKeyReused, ["input", "idempotencyKey"], "This idempotency key was used for another cart's checkout. Use a new key for a new checkout.")]);
        }

        if (created.Refusal is not { } refusal)
        {
            return await AuthorizeCreatedAsync(created, ct);
        }

        // A concurrent request with the same key may have frozen the cart a moment ago: that is this
        // checkout, already under way, not a reason to refuse.
        await using var recheck = await contexts.CreateDbContextAsync(ct);
        return await recheck.Orders.AsNoTracking().FirstOrDefaultAsync(o => o.IdempotencyKey == key, ct) is { } raced && raced.CartId == cartId
            ? await ResumeAsync(raced.Id, ct)
            : refusal;
    }

    private async Task<Created> CreateOrderAsync(HeadlessDbContext db, long cartId, int expectedVersion, string key, string paymentMethod, CancellationToken ct)
    {
        await using var tx = await db.Database.BeginTransactionAsync(ct);

        // One query for what checkout needs besides the lines: the order already under this idempotency key (a retry
        // resumes it), the clinic and organization (the payload and the gateway's customer), and the prices of the
        // latest validation at the client's version (what the coordinator saw).
        var head = await (
            from c in db.Carts.Where(c => c.Id == cartId)
            join clinic in db.Clinics on c.ClinicId equals clinic.Id
            join organization in db.Organizations on c.OrganizationId equals organization.Id
            select new
            {
                Clinic = clinic,
                Organization = organization,
                ExistingId = db.Orders.Where(o => o.IdempotencyKey == key).Select(o => (long?)o.Id).FirstOrDefault(),
                ExistingCartId = db.Orders.Where(o => o.IdempotencyKey == key).Select(o => (long?)o.CartId).FirstOrDefault(),
                Seen = db.CartValidations.Where(v => v.CartId == c.Id && v.CartVersion == expectedVersion).OrderByDescending(v => v.Id).FirstOrDefault(),
            })
            .AsNoTracking()
            .FirstOrDefaultAsync(ct);
        if (head is null)
        {
            // No such cart here; a key used for another cart says so rather than "not found" (one more query, on this path only).
            return await db.Orders.AsNoTracking().FirstOrDefaultAsync(o => o.IdempotencyKey == key, ct) is { } keyed
                ? new Created { ExistingOrderId = keyed.Id, ExistingCartId = keyed.CartId }
                : Refused(Refuse(null, UserErrorCode.NotFound, "cartId", "No cart with this ID exists in your organization."));
        }

        if (head.ExistingId is { } existingId)
        {
            return new Created { ExistingOrderId = existingId, ExistingCartId = head.ExistingCartId };
        }

        // The cart arrives with its lines (one query fewer than reading it first); a refused cart's lines are not used.
        var (cart, cartLines, offerings) = await CartSnapshot.LoadAsync(db, cartId, ct);
        if (cart is null)
        {
            return Refused(Refuse(null, UserErrorCode.NotFound, "cartId", "No cart with this ID exists in your organization."));
        }

        if (!cart.IsOpen)
        {
            return Refused(Refuse(cart, UserErrorCode.CartNotOpen, "cartId", "This cart was checked out or is being checked out."));
        }

        if (cart.Version != expectedVersion)
        {
            return Refused(Refuse(cart, UserErrorCode.CartVersionMismatch, "expectedVersion", $"The cart changed since version {expectedVersion}; it is now at version {cart.Version}. Validate it again and check out that version."));
        }

        // Validation runs again inside the transaction: what is charged is exactly what was checked.
        var (validation, lines) = (await validator.ValidateAsync(db, cart, cartLines, offerings, ct), cartLines);
        if (validation.ErrorCount > 0)
        {
            db.CartValidations.Add(validation);
            await db.SaveChangesAsync(ct);
            await tx.CommitAsync(ct);
            return Refused(new CheckoutResult(null, cart, validation, [new UserError(UserErrorCode.CartHasErrors, ["input", "cartId"], $"Validation found {validation.ErrorCount} error(s); fix them and check out again.", validation.Issues.Where(i => i.Severity == IssueSeverity.Error && i.LineId is not null).Select(i => GlobalId.Encode("CartLine", i.LineId!.Value)).Distinct().ToList())]));
        }

        if (lines.Count == 0)
        {
            return Refused(Refuse(cart, UserErrorCode.CartEmpty, "cartId", "The cart has no lines."));
        }

        // The prices the coordinator last saw at this version are the ones charged: a pharmacy's price update since then
        // refuses the checkout, and the next validation shows the new prices. Without a stored validation at this version
        // the prices are those of the validation just run, which the payload returns.
        var seen = head.Seen?.Prices;
        var shown = seen is { Count: > 0 } ? seen.ToDictionary(p => p.LineId) : validation.Prices.ToDictionary(p => p.LineId);
        if (PriceChanges(shown, validation.Prices, lines.ToDictionary(l => l.Id, l => l.Offering.Currency)) is { Count: > 0 } changes)
        {
            await tx.RollbackAsync(ct);
            var list = string.Join("; ", changes.Select(c => c.Description));
            return Refused(new CheckoutResult(null, cart, null, [new UserError(UserErrorCode.PricesChanged, ["input", "cartId"], $"Prices changed since the cart was validated: {list}. Nothing was charged; validate the cart again and check out.", changes.Select(c => GlobalId.Encode("CartLine", c.LineId)).ToList())]));
        }

        var now = clock.GetUtcNow();
        var priced = lines
            .Select(l => (Line: l, Shown: shown[l.Id]))
            .Select(x => new PricedLine(x.Line, CartPricing.LineTotal(x.Shown.UnitPrice, x.Line.Quantity), x.Shown.ShippingShare) { UnitPrice = x.Shown.UnitPrice })
            .ToList();
        var order = new Order(cart.OrganizationId, cart.ClinicId, cart.Id, key, paymentMethod, lines[0].Offering.Currency, now);
        for (var i = 0; i < priced.Count; i++)
        {
            order.AddLine(new OrderLine(order, i + 1, priced[i], now));
        }

        if (order.IntegrityProblem() is { } problem)
        {
            // Defence in depth: the cart's prices produced an order that must not be charged (a zero amount, a total
            // that is not the sum of its lines). Nothing is created; the catalog data needs attention.
            logger.LogError("Checkout of cart {CartId} refused: {Problem}", cart.Id, problem);
            await tx.RollbackAsync(ct);
            return Refused(new CheckoutResult(null, cart, null, [new UserError(UserErrorCode.InvalidValue, ["input", "cartId"], "The cart's amounts do not add up (" + problem + "); nothing was charged.", order.Lines.Where(l => l.Amount <= 0).Select(l => GlobalId.Encode("CartLine", l.SourceCartLineId)).ToList())]));
        }

        order.TryTakePaymentLease(now, PaymentSettlement.AuthorizationLease);

        // One conditional decrement per offering. When another checkout took the stock after this one's validation
        // read it, nothing of this attempt is kept: the retry validates again and reports OUT_OF_STOCK on the lines
        // concerned, or reserves if the stock came back.
        if (await StockLedger.TryReserveAsync(db, StockLedger.Demand(lines, l => l.OfferingId, l => l.Quantity!.Value), ct) is not null)
        {
            await tx.RollbackAsync(ct);
            throw new ContentionException("Stock was reserved by another checkout between validation and reservation.");
        }

        // The order alone first (its lines are not tracked yet), with the validation and the frozen cart: the order gets
        // its key. Then its lines, then the events, which carry that key: the log's counter is taken by this last save, so
        // it is held only from here to the commit, for two rows (with the lines in that save it would be held while up
        // to a cart's thousand line rows are written, and every other writer of the organization waits on it).
        cart.BeginCheckout(now);
        db.CartValidations.Add(validation);
        db.Entry(order).State = EntityState.Added;
        await db.SaveChangesAsync(ct);

        db.OrderLines.AddRange(order.Lines);
        await db.SaveChangesAsync(ct);

        OrderEvents.Created(db, order, now);
        CartEvents.Changed(db, cart, lines.Count);
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        return new Created
        {
            Order = new CreatedOrder(order, head.Organization, lines.Select(l => l.Patient).DistinctBy(p => p.Id).ToDictionary(p => p.Id, p => p.ExternalId), new CheckoutCarry(cart)),
            Clinic = head.Clinic,
            CartLines = lines,
            Offerings = offerings,
        };

        static CheckoutResult Refuse(Cart? cart, UserErrorCode code, string field, string message) =>
            new(null, cart, null, [new UserError(code, ["input", field], message)]);

        static Created Refused(CheckoutResult refusal) => new() { Refusal = refusal };
    }

    /// <summary>The lines whose unit price or shipping share differs from what was shown, in line order.</summary>
    private static List<(long LineId, string Description)> PriceChanges(Dictionary<long, ValidatedPrice> shown, IReadOnlyList<ValidatedPrice> now, Dictionary<long, string> currencies)
    {
        var changes = new List<(long, string)>();
        foreach (var current in now.OrderBy(p => p.LineId))
        {
            var line = GlobalId.Encode("CartLine", current.LineId);
            string Format(long minor) => string.Create(CultureInfo.InvariantCulture, $"{minor / 100}.{minor % 100:00} {currencies[current.LineId]}");
            if (!shown.TryGetValue(current.LineId, out var before))
            {
                changes.Add((current.LineId, $"line {line} was not validated"));
            }
            else if (before.UnitPrice != current.UnitPrice)
            {
                changes.Add((current.LineId, $"line {line} unit price {Format(before.UnitPrice)} -> {Format(current.UnitPrice)}"));
            }
            else if (before.ShippingShare != current.ShippingShare)
            {
                changes.Add((current.LineId, $"line {line} shipping {Format(before.ShippingShare)} -> {Format(current.ShippingShare)}"));
            }
        }

        return changes;
    }

    /// <summary>
    /// Steps 2 and 3 for the order this request created, from what step 1 holds in memory: the gateway call, the outcome's
    /// transaction, and the payload (the order's clinic and lines, the next cart) answered without reading them again.
    /// </summary>
    private async Task<CheckoutResult> AuthorizeCreatedAsync(Created created, CancellationToken ct)
    {
        var known = created.Order!;
        var order = await settlement.AuthorizeCreatedAsync(known, ct);
        var carry = (CheckoutCarry)known.OutcomeState!;

        // The outcome was recorded from memory only when the order that comes back is the one held here; one recorded on
        // the order read fresh (a retried transaction, the sweep) says nothing of the cart in memory.
        if (!ReferenceEquals(order, known.Order) || order.Status != OrderStatus.Submitted || carry.Next is not { } next)
        {
            return await ResultAsync(order, ct);
        }

        var patients = created.CartLines.Select(l => l.Patient).DistinctBy(p => p.Id).ToDictionary(p => p.Id);
        var prescribers = created.CartLines.Select(l => l.Prescriber!).DistinctBy(p => p.Id).ToDictionary(p => p.Id);
        var offerings = created.Offerings.ToDictionary(o => o.Id);
        var views = order.Lines
            .Select(l => new OrderLineView(l, order.Number, patients[l.PatientId], offerings[l.OfferingId].Product, offerings[l.OfferingId].Pharmacy, prescribers[l.PrescriberId]))
            .ToList();
        return new CheckoutResult(order, next, null, [])
        {
            CartContents = CartSnapshot.From(next, [], null),
            OrderContents = (created.Clinic!, views),
        };
    }

    private async Task<CheckoutResult> ResumeAsync(long orderId, CancellationToken ct) =>
        await ResultAsync(await settlement.AuthorizeAsync(orderId, leaseHeld: false, ct), ct);

    private async Task<CheckoutResult> ResultAsync(Order order, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var openCart = await db.Carts.AsNoTracking().FirstOrDefaultAsync(c => c.OpenClinicId == order.ClinicId, ct);
        var errors = order.Status == OrderStatus.PaymentFailed
            ? [new UserError(UserErrorCode.PaymentDeclined, ["input", "paymentMethodId"], order.PaymentFailureMessage ?? "The payment was declined.")]
            : new List<UserError>();
        return new CheckoutResult(order, openCart, null, errors);
    }

    /// <summary>What step 1 ended with: an order created (and what was read to create it), an order found under the key, or a refusal.</summary>
    private sealed record Created
    {
        public CreatedOrder? Order { get; init; }

        public Clinics.Clinic? Clinic { get; init; }

        public IReadOnlyList<CartLine> CartLines { get; init; } = [];

        public IReadOnlyList<Offering> Offerings { get; init; } = [];

        public long? ExistingOrderId { get; init; }

        public long? ExistingCartId { get; init; }

        public CheckoutResult? Refusal { get; init; }
    }
}
