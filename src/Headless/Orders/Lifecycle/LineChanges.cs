using Headless.Catalog;
using Headless.Data;
using Headless.Outbox;
using Microsoft.EntityFrameworkCore;

namespace Headless.Orders.Lifecycle;

/// <summary>What one line change did, once committed: the rule's result, the line's sequence after it, and its order.</summary>
public sealed record LineChangeOutcome(LineChangeResult Result, int Sequence, long OrderId);

/// <summary>
/// One line change as the caller describes it: the line, the signal to apply (null from <see cref="Signal"/> means
/// "not this line after all": nothing changes), and optional work in the same transaction: <see cref="Admit"/> runs
/// after the lock and may refuse (a duplicate partner event), <see cref="Alongside"/> adds rows saved with the change.
/// </summary>
public sealed record LineChangeRequest(long LineId, Func<OrderLine, LineSignal?> Signal)
{
    public Func<HeadlessDbContext, CancellationToken, Task<bool>>? Admit { get; init; }

    public Action<HeadlessDbContext, DateTimeOffset>? Alongside { get; init; }
}

/// <summary>
/// The one way an order line changes: partner callbacks, clinic cancellation and a refused cancellation, routing on
/// authorization, a failed payment, and capture, void and refund all come through here. Each change takes the line's
/// lock, applies the <see cref="LineLifecycle"/> rule, records the line's audit event, appends the domain event to the
/// event log and queues what follows (settlement, telling the pharmacy) in the outbox, then saves and commits: the
/// change, its history, its event and its consequences are one transaction. An architecture test holds every other
/// type to this.
/// </summary>
public sealed class LineChanges(HeadlessDatabase database, OutboxProcessor outbox, TimeProvider clock, ILogger<LineChanges> logger)
{
    /// <summary>
    /// Applies one signal to one line in its own transaction. Null when <see cref="LineChangeRequest.Admit"/> refused.
    /// A deciding change queues the order's settlement; after commit that message is delivered at once (under its
    /// outbox lease, like a worker would), so capture follows the decision without waiting for a poll, and a crash
    /// in between only leaves it to the workers.
    /// </summary>
    public async Task<LineChangeOutcome?> ChangeAsync(LineChangeRequest request, CancellationToken ct)
    {
        LineChangeOutcome outcome;
        OutboxMessage? settle;
        await using (var db = database.CreatePlatformContext())
        {
            await using var tx = await db.Database.BeginTransactionAsync(ct);
            await LineLifecycle.LockAsync(db, request.LineId, ct);
            if (request.Admit is { } admit && !await admit(db, ct))
            {
                return null;
            }

            var line = await db.OrderLines.IgnoreQueryFilters().Include(l => l.Order).FirstAsync(l => l.Id == request.LineId, ct);
            var now = clock.GetUtcNow();
            var signal = request.Signal(line);
            var result = signal is null
                ? new LineChangeResult(LineOutcome.Ignored, line.Status, line.Status, null, "the change does not apply to this line")
                : await ApplyAsync(db, line, signal, now, ct);
            settle = result.DecidesPayment ? QueueSettlement(db, line, now) : null;
            request.Alongside?.Invoke(db, now);
            await db.SaveChangesAsync(ct);
            await tx.CommitAsync(ct);
            outcome = new LineChangeOutcome(result, line.Sequence, line.OrderId);
        }

        if (settle is not null)
        {
            await DeliverNowAsync(settle.Id, ct);
        }

        return outcome;
    }

    /// <summary>
    /// The pharmacy refused the clinic's cancellation (work had started): the line goes back to where it was, takes its
    /// stock again, and its history says why. False when the line moved on meanwhile or was not cancelled by the clinic.
    /// </summary>
    public async Task<bool> ReinstateAfterRefusedCancellationAsync(long lineId, CancellationToken ct)
    {
        await using var db = database.CreatePlatformContext();
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        await LineLifecycle.LockAsync(db, lineId, ct);
        var line = await db.OrderLines.IgnoreQueryFilters().Include(l => l.Order).FirstAsync(l => l.Id == lineId, ct);
        if (line.Status != OrderLineStatus.Cancelled || line.StatusReasonCode != LineLifecycle.CancelledByClinic)
        {
            return false;
        }

        var cancellation = await db.OrderLineEvents.IgnoreQueryFilters()
            .Where(e => e.OrderLineId == lineId && e.ToStatus == OrderLineStatus.Cancelled)
            .OrderByDescending(e => e.Id)
            .FirstAsync(ct);
        var previous = cancellation.FromStatus ?? OrderLineStatus.Submitted;
        var now = clock.GetUtcNow();
        line.ReinstateAfterRefusedCancellation(previous, line.Order.PaymentStatus == PaymentStatus.Authorized, now);
        await StockLedger.RetakeAsync(db, new Dictionary<long, int> { [line.OfferingId] = line.Quantity }, ct);
        const string why = "The pharmacy had already started work and refused the cancellation.";
        db.OrderLineEvents.Add(new OrderLineEvent(line.OrganizationId, line.Id, now, EventSource.Pharmacy, OrderLineStatus.Cancelled, previous, OrderLine.CancelRefused, why, null, line.Sequence));
        LineEvents.StatusChanged(db, line, OrderLineStatus.Cancelled, EventSource.Pharmacy, now, await PatientRefsAsync(db, [line], ct));
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        return true;
    }

    /// <summary>
    /// The order's payment was authorized: inside the caller's transaction, the order records it and every line moves
    /// from PENDING_PAYMENT to SUBMITTED with its audit event. The caller saves that, then appends the domain events
    /// (<see cref="AppendAuthorizationEvents"/>) and saves again, so the event counter is taken after every row lock.
    /// Routing the lines to partner orders is the caller's (checkout's) work in the same transaction. No lock is taken
    /// before: a line still PENDING_PAYMENT takes no other change (<see cref="LineLifecycle"/> ignores signals to a line
    /// never routed), two recorders of the outcome are told apart by the order's version, checked by the first save (the
    /// loser runs again and finds the outcome recorded), and that save writes every line row, taking their locks.
    /// </summary>
    public static void RecordAuthorization(HeadlessDbContext db, Order order, string gateway, string paymentIntentId, TimeSpan captureWithin, DateTimeOffset now)
    {
        order.MarkAuthorized(gateway, paymentIntentId, now, captureWithin);
        foreach (var line in order.Lines.OrderBy(l => l.Position))
        {
            line.Submit(now);
            db.OrderLineEvents.Add(new OrderLineEvent(order.OrganizationId, line.Id, now, EventSource.Payment, OrderLineStatus.PendingPayment, OrderLineStatus.Submitted, null, "Payment authorized; routed to the pharmacy.", null, line.Sequence));
        }
    }

    /// <summary>order.payment_authorized and every line's status change, once <see cref="RecordAuthorization"/> was saved.</summary>
    public static void AppendAuthorizationEvents(HeadlessDbContext db, Order order, DateTimeOffset now, IReadOnlyDictionary<long, string?> patients)
    {
        OrderEvents.PaymentAuthorized(db, order, now);
        foreach (var line in order.Lines.OrderBy(l => l.Position))
        {
            LineEvents.StatusChanged(db, line, OrderLineStatus.PendingPayment, EventSource.Payment, now, patients);
        }
    }

    /// <summary>The authorization was declined: inside the caller's transaction, the order and every line record it (saved, evented and guarded as for <see cref="RecordAuthorization"/>).</summary>
    public static void RecordPaymentFailure(HeadlessDbContext db, Order order, string gateway, string? paymentIntentId, string code, string message, DateTimeOffset now)
    {
        order.MarkPaymentFailed(gateway, paymentIntentId, code, message, now);
        foreach (var line in order.Lines.OrderBy(l => l.Position))
        {
            line.FailPayment(now);
            db.OrderLineEvents.Add(new OrderLineEvent(order.OrganizationId, line.Id, now, EventSource.Payment, OrderLineStatus.PendingPayment, OrderLineStatus.PaymentFailed, code, "The payment was not authorized.", null, line.Sequence));
        }
    }

    /// <summary>order.payment_failed and every line's status change, once <see cref="RecordPaymentFailure"/> was saved.</summary>
    public static void AppendPaymentFailureEvents(HeadlessDbContext db, Order order, DateTimeOffset now, IReadOnlyDictionary<long, string?> patients)
    {
        OrderEvents.PaymentFailed(db, order, now);
        foreach (var line in order.Lines.OrderBy(l => l.Position))
        {
            LineEvents.StatusChanged(db, line, OrderLineStatus.PendingPayment, EventSource.Payment, now, patients);
        }
    }

    /// <summary>
    /// Records the one capture (the gateway already took <paramref name="acceptedLineIds"/>' amounts): those lines are
    /// captured, the others not charged, and each line's sequence grows. False when another settlement recorded it first.
    /// </summary>
    public Task<bool> RecordCaptureAsync(long orderId, IReadOnlyCollection<long> acceptedLineIds, CancellationToken ct) =>
        RecordPaymentAsync(orderId, order =>
        {
            if (order.PaymentStatus != PaymentStatus.Authorized)
            {
                return null;
            }

            var accepted = order.Lines.Where(l => acceptedLineIds.Contains(l.Id)).ToList();
            order.MarkCaptured(accepted, clock.GetUtcNow());
            foreach (var line in order.Lines.Except(accepted))
            {
                line.MarkNotCharged();
            }

            return order.Lines;
        }, (db, order, now) => OrderEvents.PaymentCaptured(db, order, now), ct);

    /// <summary>Records that the authorization was released (no line was accepted). False when it was recorded already.</summary>
    public Task<bool> RecordVoidAsync(long orderId, CancellationToken ct) =>
        RecordPaymentAsync(orderId, order =>
        {
            if (order.PaymentStatus != PaymentStatus.Authorized)
            {
                return null;
            }

            order.MarkAuthorizationCanceled();
            foreach (var line in order.Lines)
            {
                line.MarkNotCharged();
            }

            return order.Lines;
        }, (db, order, now) => OrderEvents.PaymentVoided(db, order, now), ct);

    /// <summary>Records the refund of one line declined after the capture. False when it was refunded already.</summary>
    public Task<bool> RecordRefundAsync(long orderId, long lineId, CancellationToken ct)
    {
        OrderLine? refunded = null;
        return RecordPaymentAsync(orderId, order =>
        {
            var line = order.Lines.First(l => l.Id == lineId);
            if (!order.CanRefund(line))
            {
                return null;
            }

            order.MarkLineRefunded(line);
            refunded = line;
            return [line];
        }, (db, order, now) => OrderEvents.Refunded(db, order, refunded!, now), ct);
    }

    /// <summary>
    /// Applies a signal to a line this transaction has locked and loaded with its order: the rule, the audit event,
    /// stock given back by a declined line, the domain event, and, for a clinic cancellation, the message that tells
    /// the pharmacy.
    /// </summary>
    private async Task<LineChangeResult> ApplyAsync(HeadlessDbContext db, OrderLine line, LineSignal signal, DateTimeOffset now, CancellationToken ct)
    {
        var result = await LineLifecycle.ApplyAsync(db, line, signal, now, ct);
        if (!result.Changed)
        {
            return result;
        }

        LineEvents.StatusChanged(db, line, result.FromStatus, signal.Source, now, await PatientRefsAsync(db, [line], ct));
        if (result.Outcome == LineOutcome.Moved && result.ToStatus == OrderLineStatus.Cancelled && signal.Source == EventSource.Clinic)
        {
            OutboxQueue.Enqueue(db, LineOutbox.CancelAtPharmacyKind, LineOutbox.CancelAtPharmacyKey(line.Id, line.Sequence), new CancelPartnerLine(line.Id), line.OrganizationId, now, line.ClinicId);
        }

        return result;
    }

    private static OutboxMessage QueueSettlement(HeadlessDbContext db, OrderLine line, DateTimeOffset now) =>
        OutboxQueue.Enqueue(db, LineOutbox.SettleKind, LineOutbox.SettleKey(line.Id, line.Sequence), new SettleOrder(line.OrderId), line.OrganizationId, now, line.ClinicId);

    /// <summary>
    /// A payment change of some of an order's lines, in one transaction under their locks, on fresh rows: the gateway
    /// call that preceded it ran outside any transaction, so what was read before it may be stale. Each changed line's
    /// sequence grows (receivers that drop updates by sequence see the payment move) and the order's event is appended.
    /// </summary>
    private async Task<bool> RecordPaymentAsync(
        long orderId,
        Func<Order, IReadOnlyCollection<OrderLine>?> change,
        Action<HeadlessDbContext, Order, DateTimeOffset> appendEvent,
        CancellationToken ct)
    {
        try
        {
            await using var db = database.CreatePlatformContext();
            await using var tx = await db.Database.BeginTransactionAsync(ct);
            await LockLinesAsync(db, orderId, ct);
            var order = await db.Orders.IgnoreQueryFilters().Include(o => o.Lines).FirstAsync(o => o.Id == orderId, ct);
            var changed = change(order);
            if (changed is null)
            {
                return false;
            }

            var now = clock.GetUtcNow();
            foreach (var line in changed)
            {
                line.CountChange(now);
            }

            appendEvent(db, order, now);
            await db.SaveChangesAsync(ct);
            await tx.CommitAsync(ct);
            return true;
        }
        catch (DbUpdateConcurrencyException)
        {
            // Another settlement of the same order saved first; it saw the same facts, and the gateway keys made both
            // calls one. Whatever is left to do, the next settlement re-reads.
            return false;
        }
    }

    /// <summary>Takes the row locks of all of an order's lines (a no-op update), in one statement.</summary>
    private static Task LockLinesAsync(HeadlessDbContext db, long orderId, CancellationToken ct) =>
        db.Database.ExecuteSqlAsync($"UPDATE \"OrderLines\" SET \"Sequence\" = \"Sequence\" WHERE \"OrderId\" = {orderId}", ct);

    /// <summary>The brand's patient external ids of the lines, in one query: events name patients by nothing else.</summary>
    public static async Task<IReadOnlyDictionary<long, string?>> PatientRefsAsync(HeadlessDbContext db, IEnumerable<OrderLine> lines, CancellationToken ct)
    {
        var ids = lines.Select(l => l.PatientId).Distinct().ToList();
        return await db.Patients.IgnoreQueryFilters().AsNoTracking()
            .Where(p => ids.Contains(p.Id))
            .Select(p => new { p.Id, p.ExternalId })
            .ToDictionaryAsync(p => p.Id, p => p.ExternalId, ct);
    }

    private async Task DeliverNowAsync(long messageId, CancellationToken ct)
    {
        try
        {
            await outbox.DeliverNowAsync(messageId, ct);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // The message stays queued: a worker (or the capture sweep) settles the order.
            logger.LogWarning("Settling right after a line change failed ({ExceptionType}); the outbox will retry", ex.GetType().Name);
        }
    }
}
