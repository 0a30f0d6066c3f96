using Headless.Data;
using Headless.Orders;
using Headless.Orders.Lifecycle;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Headless.Payments;

/// <summary>
/// Every money movement of an order, in one place: the authorization at checkout, the one capture for
/// the lines the pharmacies accepted, refunds of lines declined after capture, and what the gateway
/// reports by webhook. Gateway calls never run inside a database transaction, and each carries an
/// idempotency key derived from the order or line, so any step can be retried after a crash.
/// </summary>
public sealed class PaymentSettlement(
    HeadlessDatabase database,
    PaymentGateways gateways,
    LineChanges lines,
    IAuthorizationOutcomeHandler outcomes,
    IOptions<PaymentOptions> options,
    TimeProvider clock,
    ILogger<PaymentSettlement> logger) : IPaymentEventSink
{
    /// <summary>How long one request owns an order's authorization before a retry may take over.</summary>
    public static readonly TimeSpan AuthorizationLease = TimeSpan.FromSeconds(30);

    private static readonly TimeSpan WaitForOtherRequest = TimeSpan.FromSeconds(10);

    public static string AuthorizeKey(long orderId) => $"hx-order-{orderId}-authorize";

    public static string CaptureKey(long orderId) => $"hx-order-{orderId}-capture";

    public static string CancelKey(long orderId) => $"hx-order-{orderId}-cancel";

    public static string RefundKey(long lineId) => $"hx-line-{lineId}-refund";

    /// <summary>
    /// Authorizes a pending order (or returns it as it is when it is no longer pending). The request that
    /// created the order holds its lease already (<paramref name="leaseHeld"/>); any other request, such as a
    /// retry with the same idempotency key, takes the lease only once it has lapsed, and otherwise waits
    /// briefly for the holder to finish rather than calling the gateway a second time.
    /// </summary>
    public async Task<Order> AuthorizeAsync(long orderId, bool leaseHeld, CancellationToken ct)
    {
        var waitUntil = DateTimeOffset.UtcNow + WaitForOtherRequest;
        Order order;
        while (true)
        {
            await using var db = database.CreatePlatformContext();
            order = await LoadAsync(db, orderId, ct);
            if (order.Status != OrderStatus.PendingPayment)
            {
                return order;
            }

            if (leaseHeld)
            {
                break;
            }

            if (order.TryTakePaymentLease(clock.GetUtcNow(), AuthorizationLease))
            {
                try
                {
                    await db.SaveChangesAsync(ct);
                    break;
                }
                catch (DbUpdateConcurrencyException)
                {
                    continue;
                }
            }

            if (DateTimeOffset.UtcNow > waitUntil)
            {
                return order;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(100), ct);
        }

        Organizations.Organization organization;
        await using (var db = database.CreatePlatformContext())
        {
            organization = await db.Organizations.AsNoTracking().FirstAsync(o => o.Id == order.OrganizationId, ct);
        }

        return await AuthorizeLeasedAsync(order, organization, null, ct);
    }

    /// <summary>
    /// Authorizes an order the calling request has just created and holds the lease of, from what that request holds in
    /// memory: nothing is read again before the gateway call, and the outcome's transaction re-checks the order by its
    /// version (a lease that lapsed and was taken over meanwhile makes that save fail, and the outcome is then recorded
    /// on the order as read fresh).
    /// </summary>
    public Task<Order> AuthorizeCreatedAsync(CreatedOrder created, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(created);
        return AuthorizeLeasedAsync(created.Order, created.Organization, created, ct);
    }

    private async Task<Order> AuthorizeLeasedAsync(Order order, Organizations.Organization organization, CreatedOrder? known, CancellationToken ct)
    {
        var gateway = order.Gateway is null ? gateways.Active : gateways.For(order.Gateway);

        // Never ask for an amount the lines do not add up to (checked when the order was created; a row
        // changed since then is refused here rather than charged).
        if (order.IntegrityProblem() is { } problem)
        {
            logger.LogError("Order {OrderId} fails its integrity check and is not authorized: {Problem}", order.Id, problem);
            return await RecordAuthorizationAsync(order.Id, gateway.Name, new AuthorizationResult(false, null, null, "order_integrity", "The order's amounts do not add up; nothing was charged."), known, ct);
        }

        // An exception here means the outcome is unknown: the order stays pending and a retry (same key) asks again.
        var result = await gateway.AuthorizeAsync(
            new AuthorizationRequest(order.OrganizationId, organization.Name, organization.PaymentCustomerId, order.Total, order.Currency, order.PaymentMethodId, AuthorizeKey(order.Id), order.Number),
            ct);
        return await RecordAuthorizationAsync(order.Id, gateway.Name, result, known, ct);
    }

    /// <summary>
    /// Step 3 of checkout: record the outcome on the order and its lines, and let checkout react in the same
    /// transaction (<see cref="IAuthorizationOutcomeHandler"/>: route the lines and open the next cart, or release
    /// the stock and reopen the cart). Idempotent (a recorded outcome is returned as it is), so a transaction that
    /// loses a race is simply run again.
    /// </summary>
    public Task<Order> RecordAuthorizationAsync(long orderId, string gateway, AuthorizationResult result, CancellationToken ct) =>
        RecordAuthorizationAsync(orderId, gateway, result, null, ct);

    private async Task<Order> RecordAuthorizationAsync(long orderId, string gateway, AuthorizationResult result, CreatedOrder? known, CancellationToken ct)
    {
        // Only the first attempt works from memory: one that lost a race runs again on the order as read fresh.
        var order = await Contention.RetryAsync(n => RecordAuthorizationOnceAsync(orderId, gateway, result, n == 1 ? known : null, ct), ct);
        if (order is not null)
        {
            return order;
        }

        // Still contended after every retry: the order stays pending and the capture sweep records it later
        // (the gateway's idempotency returns this same authorization).
        logger.LogWarning("Recording the authorization of order {OrderId} kept losing races; the sweep will finish it", orderId);
        await using var db = database.CreatePlatformContext();
        return await LoadAsync(db, orderId, ct);
    }

    /// <summary>
    /// One transaction, two saves: first the order, its lines, their audit rows and the outcome handler's rows (every row
    /// lock taken, new rows keyed), then the events and outbox messages, so the event counter is held by the last
    /// statement batch only. The order's version is checked by the first save: a concurrent recorder (a
    /// retry, or the sweep after the lease lapsed) that read the order pending makes one of the two fail and run again,
    /// finding the outcome recorded.
    /// </summary>
    private async Task<Order> RecordAuthorizationOnceAsync(long orderId, string gateway, AuthorizationResult result, CreatedOrder? known, CancellationToken ct)
    {
        await using var db = database.CreatePlatformContext();
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        Order order;
        if (known is not null)
        {
            order = known.Order;
            db.Attach(order);
        }
        else
        {
            order = await LoadAsync(db, orderId, ct);
        }

        if (order.Status != OrderStatus.PendingPayment)
        {
            return order;
        }

        var now = clock.GetUtcNow();
        if (result.Succeeded)
        {
            LineChanges.RecordAuthorization(db, order, gateway, result.PaymentIntentId!, options.Value.CaptureAfter, now);
            if (result.CustomerId is not null)
            {
                var organization = known?.Organization;
                if (organization is not null)
                {
                    db.Entry(organization).State = EntityState.Unchanged;
                }

                (organization ?? await db.Organizations.FirstAsync(o => o.Id == order.OrganizationId, ct)).SetPaymentCustomer(result.CustomerId);
            }
        }
        else
        {
            LineChanges.RecordPaymentFailure(db, order, gateway, result.PaymentIntentId, result.DeclineCode ?? "declined", result.FailureMessage ?? "The payment was declined.", now);
        }

        var applied = await outcomes.ApplyAsync(db, order, known?.OutcomeState, now, ct);
        await db.SaveChangesAsync(ct);

        var patients = known?.PatientRefs ?? await LineChanges.PatientRefsAsync(db, order.Lines, ct);
        if (result.Succeeded)
        {
            LineChanges.AppendAuthorizationEvents(db, order, now, patients);
        }
        else
        {
            LineChanges.AppendPaymentFailureEvents(db, order, now, patients);
        }

        outcomes.Complete(db, order, applied, now);
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        logger.LogInformation("Order {OrderId} payment {Outcome} at {Gateway}", order.Id, result.Succeeded ? "authorized" : "declined", gateway);
        return order;
    }

    /// <summary>
    /// The capture policy, run whenever a line is decided and by the sweep: capture once, for the accepted
    /// lines, when every line is decided or the deadline has come; release the authorization when nothing
    /// was accepted; refund each line declined after the capture for its own amount.
    /// </summary>
    public async Task SettleAsync(long orderId, CancellationToken ct)
    {
        await using var db = database.CreatePlatformContext();
        var order = await LoadAsync(db, orderId, ct);
        if (order.Gateway is null || order.PaymentIntentId is not { } paymentIntentId)
        {
            return;
        }

        var gateway = gateways.For(order.Gateway);
        var now = clock.GetUtcNow();
        if (order.PaymentStatus == PaymentStatus.Authorized)
        {
            var allDecided = order.Lines.All(l => l.Status.IsAccepted() || l.Status.IsDeclined());
            if (!allDecided && order.CaptureDeadline > now)
            {
                return;
            }

            var accepted = order.Lines.Where(l => l.Status.IsAccepted()).ToList();
            var amount = order.AcceptedAmount(accepted);
            if (amount == 0)
            {
                var canceled = await gateway.CancelAsync(new CancelRequest(paymentIntentId, CancelKey(order.Id)), ct);
                if (!canceled.Succeeded)
                {
                    logger.LogWarning("Releasing the authorization of order {OrderId} failed; will retry", order.Id);
                    return;
                }

                await lines.RecordVoidAsync(order.Id, ct);
                return;
            }
            else
            {
                var captured = await gateway.CaptureAsync(new CaptureRequest(paymentIntentId, amount, CaptureKey(order.Id)), ct);
                if (!captured.Succeeded)
                {
                    logger.LogWarning("Capture of order {OrderId} failed; will retry", order.Id);
                    return;
                }

                if (!await lines.RecordCaptureAsync(order.Id, accepted.Select(l => l.Id).ToList(), ct))
                {
                    return;
                }
            }

            // Refunds below are judged on the order as recorded now.
            order = await LoadFreshAsync(orderId, ct);
        }

        if (order.PaymentStatus is PaymentStatus.Captured or PaymentStatus.PartiallyRefunded)
        {
            foreach (var line in order.Lines.Where(l => l.Status.IsDeclined() && l.PaymentStatus == LinePaymentStatus.Captured))
            {
                if (!order.CanRefund(line))
                {
                    // Refunds made elsewhere already give back this much: refunding the line too would exceed the capture.
                    logger.LogError("Order line {LineId} cannot be refunded: the order's refunds would exceed its capture", line.Id);
                    continue;
                }

                var refund = await gateway.RefundAsync(new RefundRequest(paymentIntentId, line.CapturedAmount, RefundKey(line.Id)), ct);
                if (!refund.Succeeded)
                {
                    logger.LogWarning("Refund of order line {LineId} failed; will retry", line.Id);
                    continue;
                }

                await lines.RecordRefundAsync(order.Id, line.Id, ct);
            }
        }
    }

    /// <summary>Orders the sweep should look at: capture due or possible, refunds owed, authorizations left pending.</summary>
    public async Task<IReadOnlyList<long>> FindWorkAsync(CancellationToken ct)
    {
        await using var db = database.CreatePlatformContext();
        var now = clock.GetUtcNow();
        var staleLease = now - AuthorizationLease;
        return await db.Orders.IgnoreQueryFilters()
            .Where(o =>
                (o.PaymentStatus == PaymentStatus.Authorized &&
                    (o.CaptureDeadline <= now || !o.Lines.Any(l => l.Status == OrderLineStatus.Submitted))) ||
                ((o.PaymentStatus == PaymentStatus.Captured || o.PaymentStatus == PaymentStatus.PartiallyRefunded) &&
                    o.Lines.Any(l => (l.Status == OrderLineStatus.Rejected || l.Status == OrderLineStatus.Cancelled) && l.PaymentStatus == LinePaymentStatus.Captured)) ||
                (o.Status == OrderStatus.PendingPayment && o.PaymentLeaseUntil < staleLease))
            .OrderBy(o => o.Id)
            .Select(o => o.Id)
            .Take(100)
            .ToListAsync(ct);
    }

    /// <summary>
    /// Applies a gateway event (a Stripe webhook) to the order that holds its PaymentIntent, only when the event
    /// matches that order: see <see cref="PaymentEventRules"/>. A save that loses a race with a settlement of the
    /// same order is re-judged on fresh state rather than dropped.
    /// </summary>
    public async Task<PaymentEventOutcome> ApplyAsync(PaymentEvent paymentEvent, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(paymentEvent);
        for (var attempt = 1; ; attempt++)
        {
            await using var db = database.CreatePlatformContext();
            var order = await db.Orders.IgnoreQueryFilters()
                .Where(o => o.PaymentIntentId == paymentEvent.PaymentIntentId)
                .OrderBy(o => o.Id)
                .FirstOrDefaultAsync(ct);
            if (order is null)
            {
                return PaymentEventOutcome.Ignored(PaymentEventReason.UnknownPaymentIntent);
            }

            var outcome = PaymentEventRules.Apply(order, paymentEvent);
            if (outcome.Result != PaymentEventResult.Applied)
            {
                return outcome;
            }

            try
            {
                await db.SaveChangesAsync(ct);
                return outcome;
            }
            catch (DbUpdateConcurrencyException) when (attempt < 3)
            {
                // The order changed meanwhile (a capture or refund of our own): judge the event again on what is there now.
            }
        }
    }

    private static Task<Order> LoadAsync(HeadlessDbContext db, long orderId, CancellationToken ct) =>
        db.Orders.IgnoreQueryFilters().Include(o => o.Lines).FirstAsync(o => o.Id == orderId, ct);

    private async Task<Order> LoadFreshAsync(long orderId, CancellationToken ct)
    {
        await using var db = database.CreatePlatformContext();
        return await LoadAsync(db, orderId, ct);
    }
}
