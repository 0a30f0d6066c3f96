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
public sealed record CheckoutResult(Order? Order, Cart? Cart, CartValidation? Validation, IReadOnlyList<UserError> UserErrors);

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
        long orderId;
        CheckoutResult? refusal;
        await using (var db = await contexts.CreateDbContextAsync(ct))
        {
            if (await db.Orders.AsNoTracking().FirstOrDefaultAsync(o => o.IdempotencyKey == key, ct) is { } existing)
            {
                return existing.CartId == cartId
                    ? await ResumeAsync(existing.Id, leaseHeld: false, ct)
                    : new CheckoutResult(null, null, null, [new UserError(UserErrorCode.IdempotencyKeyReused, ["input", "idempotencyKey"], "This idempotency key was used for another cart's checkout. Use a new key for a new checkout.")]);
            }

            (orderId, refusal) = await CreateOrderAsync(db, cartId, expectedVersion, key, paymentMethod, ct);
        }

        if (refusal is null)
        {
            return await ResumeAsync(orderId, leaseHeld: true, ct);
        }

        // A concurrent request with the same key may have frozen the cart a moment ago: that is this
        // checkout, already under way, not a reason to refuse.
        await using var recheck = await contexts.CreateDbContextAsync(ct);
        return await recheck.Orders.AsNoTracking().FirstOrDefaultAsync(o => o.IdempotencyKey == key, ct) is { } raced && raced.CartId == cartId
            ? await ResumeAsync(raced.Id, leaseHeld: false, ct)
            : refusal;
    }

    private async Task<(long OrderId, CheckoutResult? Refusal)> CreateOrderAsync(HeadlessDbContext db, long cartId, int expectedVersion, string key, string paymentMethod, CancellationToken ct)
    {
        await using var tx = await db.Database.BeginTransactionAsync(ct);

        // The cart arrives with its lines (one query fewer than reading it first); a refused cart's lines are not used.
        var (cart, cartLines, offerings) = await CartSnapshot.LoadAsync(db, cartId, ct);
        if (cart is null)
        {
            return (0, Refuse(UserErrorCode.NotFound, "cartId", "No cart with this ID exists in your organization."));
        }

        if (!cart.IsOpen)
        {
            return (0, Refuse(UserErrorCode.CartNotOpen, "cartId", "This cart was checked out or is being checked out."));
        }

        if (cart.Version != expectedVersion)
        {
            return (0, Refuse(UserErrorCode.CartVersionMismatch, "expectedVersion", $"The cart changed since version {expectedVersion}; it is now at version {cart.Version}. Validate it again and check out that version."));
        }

        // Validation runs again inside the transaction: what is charged is exactly what was checked.
        var (validation, lines) = (await validator.ValidateAsync(db, cart, cartLines, offerings, ct), cartLines);
        if (validation.ErrorCount > 0)
        {
            db.CartValidations.Add(validation);
            await db.SaveChangesAsync(ct);
            await tx.CommitAsync(ct);
            return (0, new CheckoutResult(null, cart, validation, [new UserError(UserErrorCode.CartHasErrors, ["input", "cartId"], $"Validation found {validation.ErrorCount} error(s); fix them and check out again.", validation.Issues.Where(i => i.Severity == IssueSeverity.Error && i.LineId is not null).Select(i => GlobalId.Encode("CartLine", i.LineId!.Value)).Distinct().ToList())]));
        }

        if (lines.Count == 0)
        {
            return (0, Refuse(UserErrorCode.CartEmpty, "cartId", "The cart has no lines."));
        }

        // The prices the coordinator last saw at this version are the ones charged: a pharmacy's price update since then
        // refuses the checkout, and the next validation shows the new prices. Without a stored validation at this version
        // the prices are those of the validation just run, which the payload returns.
        var seen = await db.CartValidations.AsNoTracking()
            .Where(v => v.CartId == cart.Id && v.CartVersion == cart.Version)
            .OrderByDescending(v => v.Id)
            .Select(v => v.Prices)
            .FirstOrDefaultAsync(ct);
        var shown = seen is { Count: > 0 } ? seen.ToDictionary(p => p.LineId) : validation.Prices.ToDictionary(p => p.LineId);
        if (PriceChanges(shown, validation.Prices, lines.ToDictionary(l => l.Id, l => l.Offering.Currency)) is { Count: > 0 } changes)
        {
            await tx.RollbackAsync(ct);
            var list = string.Join("; ", changes.Select(c => c.Description));
            return (0, new CheckoutResult(null, cart, null, [new UserError(UserErrorCode.PricesChanged, ["input", "cartId"], $"Prices changed since the cart was validated: {list}. Nothing was charged; validate the cart again and check out.", changes.Select(c => GlobalId.Encode("CartLine", c.LineId)).ToList())]));
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
            return (0, new CheckoutResult(null, cart, null, [new UserError(UserErrorCode.InvalidValue, ["input", "cartId"], "The cart's amounts do not add up (" + problem + "); nothing was charged.", order.Lines.Where(l => l.Amount <= 0).Select(l => GlobalId.Encode("CartLine", l.SourceCartLineId)).ToList())]));
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

        cart.BeginCheckout(now);
        db.CartValidations.Add(validation);
        db.Orders.Add(order);
        await db.SaveChangesAsync(ct);

        // The events last, once the order has its key: the log's counter is held only from here to the commit.
        OrderEvents.Created(db, order, now);
        CartEvents.Changed(db, cart, lines.Count);
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        return (order.Id, null);

        CheckoutResult Refuse(UserErrorCode code, string field, string message) =>
            new(null, cart, null, [new UserError(code, ["input", field], message)]);
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

    private async Task<CheckoutResult> ResumeAsync(long orderId, bool leaseHeld, CancellationToken ct)
    {
        var order = await settlement.AuthorizeAsync(orderId, leaseHeld, ct);
        await using var db = await contexts.CreateDbContextAsync(ct);
        var openCart = await db.Carts.AsNoTracking().FirstOrDefaultAsync(c => c.OpenClinicId == order.ClinicId, ct);
        var errors = order.Status == OrderStatus.PaymentFailed
            ? [new UserError(UserErrorCode.PaymentDeclined, ["input", "paymentMethodId"], order.PaymentFailureMessage ?? "The payment was declined.")]
            : new List<UserError>();
        return new CheckoutResult(order, openCart, null, errors);
    }
}
