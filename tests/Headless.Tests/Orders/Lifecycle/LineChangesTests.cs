using System.Data.Common;
using System.Text.Json;
using Headless.Catalog;
using Headless.Data;
using Headless.Events;
using Headless.GraphQL;
using Headless.Orders;
using Headless.Orders.Lifecycle;
using Headless.Outbox;
using Headless.Tests.Checkout;
using Headless.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection;

namespace Headless.Tests.Orders.Lifecycle;

/// <summary>
/// What <see cref="LineChanges"/> commits around the lifecycle rules, called as the partner callbacks, clinic decisions,
/// checkout and settlement call it: the audit event, the domain event naming the patient by external id only, the
/// settlement queued by a deciding change alone, the pharmacy told of a clinic's cancellation alone, an admission that
/// refuses, a refused cancellation undone, the payment bookkeeping recorded once, and each change taking its lines'
/// locks first.
/// </summary>
public abstract class LineChangesTests(DatabaseProvider provider, PostgresServer? postgres) : ProviderTest(provider, postgres)
{
    private readonly SqlLog _sql = new();
    private readonly OutboxLeaseFault _leaseFault = new();
    private readonly Headless.Tests.Payments.OrderSaveConflicts _conflicts = new();
    private CartFixture _f = null!;
    private int _nextPatient;

    protected override void ConfigureServices(IServiceCollection services)
    {
        services.AddSingleton<IInterceptor>(_sql);
        services.AddSingleton<IInterceptor>(_leaseFault);
        services.AddSingleton<IInterceptor>(_conflicts);
    }

    protected override async Task InitializeAppAsync() => _f = await CartData.CreateAsync(App, 10);

    private LineChanges Changes => App.Services.GetRequiredService<LineChanges>();

    private OrderLineDecisions Decisions => App.Services.GetRequiredService<OrderLineDecisions>();

    private GraphQLClient C => _f.Tenant.Client;

    private sealed record Placed(long Id, IReadOnlyList<long> Lines, IReadOnlyList<string> Patients);

    /// <summary>Checks out one line per offering, each for a patient of its own (external ids P-000, P-001, ...).</summary>
    private async Task<Placed> PlaceAsync(string key, string paymentMethod, params string[] offerings)
    {
        var first = _nextPatient;
        var lines = offerings.Select(o => CartData.GoodLine(_f.Patients[_nextPatient++], _f.Prescriber, o)).ToArray();
        var cartId = (await C.DataAsync(CartData.Add, new { clinicId = _f.ClinicId, lines })).At("cartLinesAdd.cart.id").GetString()!;
        var version = (await C.DataAsync(CartData.Validate, new { cartId })).At("cartValidate.cart.version").GetInt32();
        var payload = (await C.DataAsync(CheckoutTests.Checkout, new { input = new { cartId, expectedVersion = version, paymentMethodId = paymentMethod, idempotencyKey = key } })).GetProperty("cartCheckout");
        Assert.True(payload.At("order.paymentStatus").GetString() == (paymentMethod == "pm_card_visa" ? "AUTHORIZED" : "FAILED"), payload.GetRawText());
        GlobalId.TryDecode(payload.At("order.id").GetString()!, "Order", out var orderId);
        await using var db = App.Database.CreatePlatformContext();
        var ids = await db.OrderLines.IgnoreQueryFilters().Where(l => l.OrderId == orderId).OrderBy(l => l.Position).Select(l => l.Id).ToListAsync();
        return new Placed(orderId, ids, [.. Enumerable.Range(first, offerings.Length).Select(i => $"P-{i:000}")]);
    }

    private Task<Placed> OrderAsync(string key, params string[] offerings) => PlaceAsync(key, "pm_card_visa", offerings);

    private static LineSignal Pharmacy(OrderLineStatus status) => new(status, EventSource.Pharmacy, null);

    private Task<LineChangeOutcome?> ChangeAsync(long lineId, LineSignal? signal) => Changes.ChangeAsync(new LineChangeRequest(lineId, _ => signal), default);

    private async Task<OrderLine> LineAsync(long id)
    {
        await using var db = App.Database.CreatePlatformContext();
        return await db.OrderLines.IgnoreQueryFilters().AsNoTracking().SingleAsync(l => l.Id == id);
    }

    private async Task<Order> ReadOrderAsync(long id)
    {
        await using var db = App.Database.CreatePlatformContext();
        return await db.Orders.IgnoreQueryFilters().AsNoTracking().Include(o => o.Lines.OrderBy(l => l.Position)).SingleAsync(o => o.Id == id);
    }

    private async Task<List<OrderLineEvent>> TrailAsync(long lineId)
    {
        await using var db = App.Database.CreatePlatformContext();
        return await db.OrderLineEvents.IgnoreQueryFilters().AsNoTracking().Where(e => e.OrderLineId == lineId).OrderBy(e => e.Id).ToListAsync();
    }

    /// <summary>The order's domain events (its own and its lines'), in log order.</summary>
    private async Task<List<DomainEvent>> EventsAsync(long orderId)
    {
        await using var db = App.Database.CreatePlatformContext();
        return await db.Events.IgnoreQueryFilters().AsNoTracking().Where(e => e.OrderId == orderId || (e.SubjectType == EventSubjectKind.Order && e.SubjectId == orderId)).OrderBy(e => e.Position).ToListAsync();
    }

    private async Task<List<OutboxMessage>> OutboxAsync(string kind)
    {
        await using var db = App.Database.CreatePlatformContext();
        return await db.OutboxMessages.AsNoTracking().Where(m => m.Kind == kind).OrderBy(m => m.Id).ToListAsync();
    }

    private async Task<int> StockAsync(string offering)
    {
        GlobalId.TryDecode(offering, "Offering", out var id);
        await using var db = App.Database.CreatePlatformContext();
        return (await db.Offerings.AsNoTracking().SingleAsync(o => o.Id == id)).Stock;
    }

    /// <summary>The lines in the order their audit events were written.</summary>
    private async Task<List<long>> TrailOrderAsync(IReadOnlyCollection<long> lineIds)
    {
        await using var db = App.Database.CreatePlatformContext();
        return await db.OrderLineEvents.IgnoreQueryFilters().AsNoTracking().Where(e => lineIds.Contains(e.OrderLineId)).OrderBy(e => e.Id).Select(e => e.OrderLineId).ToListAsync();
    }

    private static JsonElement Payload(DomainEvent e) => JsonDocument.Parse(e.Payload).RootElement;

    [ProviderFact]
    public async Task A_change_commits_its_audit_event_and_domain_event_and_only_a_deciding_one_queues_the_settlement()
    {
        var o = await OrderAsync("change", _f.Catalog.SemaEast, _f.Catalog.SemaEast);
        var before = await LineAsync(o.Lines[0]);
        var eventsBefore = (await EventsAsync(o.Id)).Count;

        var received = await ChangeAsync(o.Lines[0], Pharmacy(OrderLineStatus.Received));

        Assert.Equal((LineOutcome.Moved, before.Sequence + 1, o.Id), (received!.Result.Outcome, received.Sequence, received.OrderId));
        var line = await LineAsync(o.Lines[0]);
        Assert.Equal((OrderLineStatus.Received, before.Sequence + 1), (line.Status, line.Sequence));
        var audit = (await TrailAsync(o.Lines[0])).Last();
        Assert.Equal((EventSource.Pharmacy, OrderLineStatus.Submitted, OrderLineStatus.Received, line.Sequence), (audit.Source, audit.FromStatus, audit.ToStatus, audit.Sequence));
        var changed = Assert.Single((await EventsAsync(o.Id)).Skip(eventsBefore));
        Assert.Equal((EventTypes.OrderLineStatusChanged, EventSubjectKind.OrderLine, o.Lines[0], (int?)line.Sequence), (changed.Type, changed.SubjectType, changed.SubjectId, changed.LineSequence));
        var payload = Payload(changed);
        Assert.Equal(("SUBMITTED", "RECEIVED", "PHARMACY", o.Patients[0]), (payload.GetProperty("from").GetString(), payload.GetProperty("to").GetString(), payload.GetProperty("source").GetString(), payload.GetProperty("patientExternalId").GetString()));

        // The first accepted status decides the line: its settlement is queued with the change and delivered at once
        // (the other line is undecided, so it charges nothing yet).
        var settle = Assert.Single(await OutboxAsync(LineOutbox.SettleKind));
        Assert.Equal((LineOutbox.SettleKey(o.Lines[0], line.Sequence), OutboxStatus.Done), (settle.Key, settle.Status));
        Assert.Equal(PaymentStatus.Authorized, (await ReadOrderAsync(o.Id)).PaymentStatus);

        // Further progress decides nothing: no second settlement. A status the line is past changes nothing at all.
        Assert.Equal(LineOutcome.Moved, (await ChangeAsync(o.Lines[0], Pharmacy(OrderLineStatus.Compounding)))!.Result.Outcome);
        var late = await ChangeAsync(o.Lines[0], Pharmacy(OrderLineStatus.Received));
        Assert.Equal((LineOutcome.Ignored, before.Sequence + 2), (late!.Result.Outcome, late.Sequence));
        Assert.Single(await OutboxAsync(LineOutbox.SettleKind));
        Assert.Equal(2, (await EventsAsync(o.Id)).Count - eventsBefore);
        Assert.Equal(before.Sequence + 2, (await LineAsync(o.Lines[0])).Sequence);

        // Declining the other line decides the order: captured for the accepted line at once.
        Assert.Equal(LineOutcome.Moved, (await ChangeAsync(o.Lines[1], Pharmacy(OrderLineStatus.Rejected)))!.Result.Outcome);
        Assert.Equal(2, (await OutboxAsync(LineOutbox.SettleKind)).Count);
        var captured = await ReadOrderAsync(o.Id);
        Assert.Equal((PaymentStatus.Captured, captured.Lines[0].Amount), (captured.PaymentStatus, captured.CapturedAmount));
    }

    [ProviderFact]
    public async Task A_refused_admission_changes_nothing_and_work_alongside_is_saved_whenever_the_change_is_admitted()
    {
        var o = await OrderAsync("admit", _f.Catalog.SemaEast);
        var before = await LineAsync(o.Lines[0]);
        var (asked, alongside) = (0, 0);
        LineChangeRequest Request(bool admit, LineSignal? signal) => new(o.Lines[0], _ =>
        {
            asked++;
            return signal;
        })
        {
            Admit = (_, _) => Task.FromResult(admit),
            Alongside = (_, _) => alongside++,
        };

        Assert.Null(await Changes.ChangeAsync(Request(false, Pharmacy(OrderLineStatus.Received)), default));
        Assert.Equal((0, 0), (asked, alongside));
        Assert.Equal((OrderLineStatus.Submitted, before.Sequence), ((await LineAsync(o.Lines[0])).Status, (await LineAsync(o.Lines[0])).Sequence));

        // "Not this line after all": admitted, nothing changes, and what goes alongside (a partner event's record) is kept.
        var notThis = await Changes.ChangeAsync(Request(true, null), default);
        Assert.Equal((LineOutcome.Ignored, OrderLineStatus.Submitted, OrderLineStatus.Submitted, before.Sequence), (notThis!.Result.Outcome, notThis.Result.FromStatus, notThis.Result.ToStatus, notThis.Sequence));
        Assert.Null(notThis.Result.Event);
        Assert.False(string.IsNullOrEmpty(notThis.Result.Reason));
        Assert.Equal((1, 1), (asked, alongside));

        var moved = await Changes.ChangeAsync(Request(true, Pharmacy(OrderLineStatus.Received)), default);
        Assert.Equal((LineOutcome.Moved, before.Sequence + 1), (moved!.Result.Outcome, moved.Sequence));
        Assert.Equal((2, 2), (asked, alongside));
        Assert.Empty(await OutboxAsync(LineOutbox.CancelAtPharmacyKind));
    }

    [ProviderFact]
    public async Task Only_the_clinics_cancellation_is_sent_to_the_pharmacy_and_each_cancelled_line_gives_its_stock_back()
    {
        var stock = await StockAsync(_f.Catalog.SemaEast);
        var o = await OrderAsync("cancel", _f.Catalog.SemaEast, _f.Catalog.SemaEast, _f.Catalog.SemaEast);
        Assert.Equal(stock - 3, await StockAsync(_f.Catalog.SemaEast));

        // A clinic's hold is no cancellation; the pharmacy's own cancellation needs no telling.
        await ChangeAsync(o.Lines[2], new LineSignal(OrderLineStatus.OnHold, EventSource.Clinic, null, Owner: LineOwner.Clinic));
        await ChangeAsync(o.Lines[1], Pharmacy(OrderLineStatus.Cancelled));
        Assert.Empty(await OutboxAsync(LineOutbox.CancelAtPharmacyKind));
        Assert.Equal(stock - 2, await StockAsync(_f.Catalog.SemaEast));

        Assert.Null(await Decisions.CancelByClinicAsync(o.Lines[0], null, default));
        var told = Assert.Single(await OutboxAsync(LineOutbox.CancelAtPharmacyKind));
        Assert.Equal(LineOutbox.CancelAtPharmacyKey(o.Lines[0], (await TrailAsync(o.Lines[0])).Last(e => e.ToStatus == OrderLineStatus.Cancelled).Sequence), told.Key);
        Assert.Equal(stock - 1, await StockAsync(_f.Catalog.SemaEast));

        // Cancelling again changes nothing and tells nobody twice.
        Assert.NotNull(await Decisions.CancelByClinicAsync(o.Lines[0], "Again.", default));
        Assert.NotNull(await Decisions.CancelByClinicAsync(o.Lines[1], null, default));
        Assert.Single(await OutboxAsync(LineOutbox.CancelAtPharmacyKind));
        Assert.Equal(stock - 1, await StockAsync(_f.Catalog.SemaEast));
    }

    [ProviderFact]
    public async Task A_refused_cancellation_is_undone_only_for_a_line_the_clinic_cancelled_and_the_line_is_billable_again_while_the_order_is_authorized()
    {
        var stock = await StockAsync(_f.Catalog.SemaEast);
        var o = await OrderAsync("reinstate", _f.Catalog.SemaEast, _f.Catalog.SemaEast, _f.Catalog.SemaEast);

        // Not cancelled, or cancelled by the pharmacy: nothing to undo.
        Assert.False(await Changes.ReinstateAfterRefusedCancellationAsync(o.Lines[2], default));
        await ChangeAsync(o.Lines[1], Pharmacy(OrderLineStatus.Cancelled));
        var byPharmacy = await LineAsync(o.Lines[1]);
        Assert.False(await Changes.ReinstateAfterRefusedCancellationAsync(o.Lines[1], default));
        Assert.Equal((OrderLineStatus.Cancelled, byPharmacy.Sequence), ((await LineAsync(o.Lines[1])).Status, (await LineAsync(o.Lines[1])).Sequence));

        // Received, then cancelled by the clinic, then refused: back to RECEIVED, the pharmacy's, held for payment again, its stock taken again.
        await ChangeAsync(o.Lines[0], Pharmacy(OrderLineStatus.Received));
        Assert.Null(await Decisions.CancelByClinicAsync(o.Lines[0], "Patient changed plans.", default));
        Assert.Equal(LinePaymentStatus.Authorized, (await LineAsync(o.Lines[0])).PaymentStatus);
        Assert.Equal(stock - 1, await StockAsync(_f.Catalog.SemaEast));
        var eventsBefore = (await EventsAsync(o.Id)).Count;

        Assert.True(await Changes.ReinstateAfterRefusedCancellationAsync(o.Lines[0], default));

        var line = await LineAsync(o.Lines[0]);
        Assert.Equal((OrderLineStatus.Received, LineOwner.Pharmacy, OrderLine.CancelRefused, LinePaymentStatus.Authorized), (line.Status, line.Owner, line.StatusReasonCode, line.PaymentStatus));
        Assert.Equal(stock - 2, await StockAsync(_f.Catalog.SemaEast));
        var audit = (await TrailAsync(o.Lines[0])).Last();
        Assert.Equal((EventSource.Pharmacy, OrderLineStatus.Cancelled, OrderLineStatus.Received, OrderLine.CancelRefused, line.Sequence), (audit.Source, audit.FromStatus, audit.ToStatus, audit.ReasonCode, audit.Sequence));
        var changed = Assert.Single((await EventsAsync(o.Id)).Skip(eventsBefore));
        Assert.Equal((EventTypes.OrderLineStatusChanged, o.Lines[0], (int?)line.Sequence), (changed.Type, changed.SubjectId, changed.LineSequence));
        Assert.Equal(("CANCELLED", "RECEIVED", o.Patients[0]), (Payload(changed).GetProperty("from").GetString(), Payload(changed).GetProperty("to").GetString(), Payload(changed).GetProperty("patientExternalId").GetString()));

        // Once reinstated it is no longer a clinic cancellation: a second refusal changes nothing.
        Assert.False(await Changes.ReinstateAfterRefusedCancellationAsync(o.Lines[0], default));
        Assert.Equal(line.Sequence, (await LineAsync(o.Lines[0])).Sequence);
    }

    [ProviderFact]
    public async Task A_cancellation_refused_after_the_capture_leaves_the_line_uncharged()
    {
        var o = await OrderAsync("reinstate-captured", _f.Catalog.SemaEast, _f.Catalog.SemaEast);
        Assert.Null(await Decisions.CancelByClinicAsync(o.Lines[1], null, default));
        await ChangeAsync(o.Lines[0], Pharmacy(OrderLineStatus.Received));
        Assert.Equal(PaymentStatus.Captured, (await ReadOrderAsync(o.Id)).PaymentStatus);
        Assert.Equal(LinePaymentStatus.Voided, (await LineAsync(o.Lines[1])).PaymentStatus);

        Assert.True(await Changes.ReinstateAfterRefusedCancellationAsync(o.Lines[1], default));

        var line = await LineAsync(o.Lines[1]);
        Assert.Equal((OrderLineStatus.Submitted, LinePaymentStatus.Voided), (line.Status, line.PaymentStatus));
    }

    [ProviderFact]
    public async Task A_refused_cancellation_goes_back_to_where_the_lines_own_latest_cancellation_found_it()
    {
        var o = await OrderAsync("reinstate-twice", _f.Catalog.SemaEast, _f.Catalog.SemaEast, _f.Catalog.SemaEast);

        // Line 0: cancelled from SUBMITTED and refused; received; cancelled again from RECEIVED. Line 1 is cancelled
        // from SUBMITTED after that, so the latest cancellation in the whole trail is not line 0's.
        Assert.Null(await Decisions.CancelByClinicAsync(o.Lines[0], null, default));
        Assert.True(await Changes.ReinstateAfterRefusedCancellationAsync(o.Lines[0], default));
        Assert.Equal(OrderLineStatus.Submitted, (await LineAsync(o.Lines[0])).Status);
        await ChangeAsync(o.Lines[0], Pharmacy(OrderLineStatus.Received));
        Assert.Null(await Decisions.CancelByClinicAsync(o.Lines[0], null, default));
        Assert.Null(await Decisions.CancelByClinicAsync(o.Lines[1], null, default));

        Assert.True(await Changes.ReinstateAfterRefusedCancellationAsync(o.Lines[0], default));

        Assert.Equal(OrderLineStatus.Received, (await LineAsync(o.Lines[0])).Status);
        Assert.Equal(OrderLineStatus.Cancelled, (await LineAsync(o.Lines[1])).Status);
    }

    [ProviderFact]
    public async Task A_payment_record_that_loses_its_save_to_another_settlement_is_false_and_changes_nothing()
    {
        var o = await OrderAsync("record-race", _f.Catalog.SemaEast);
        var before = await ReadOrderAsync(o.Id);

        _conflicts.Arm(o.Id, 1);
        Assert.False(await Changes.RecordCaptureAsync(o.Id, [o.Lines[0]], default));
        Assert.Equal(0, _conflicts.Left);

        var after = await ReadOrderAsync(o.Id);
        Assert.Equal((PaymentStatus.Authorized, 0L, LinePaymentStatus.Authorized, before.Lines[0].Sequence), (after.PaymentStatus, after.CapturedAmount, after.Lines[0].PaymentStatus, after.Lines[0].Sequence));
        Assert.True(await Changes.RecordCaptureAsync(o.Id, [o.Lines[0]], default));
    }

    [ProviderFact]
    public async Task An_authorization_moves_every_line_to_submitted_in_position_order_with_its_events()
    {
        var o = await OrderAsync("authorized", _f.Catalog.SemaEast, _f.Catalog.TestoEast, _f.Catalog.SemaWest);

        var order = await ReadOrderAsync(o.Id);
        Assert.All(order.Lines, l => Assert.Equal((OrderLineStatus.Submitted, LinePaymentStatus.Authorized, LineOwner.Pharmacy), (l.Status, l.PaymentStatus, l.Owner)));
        foreach (var line in order.Lines)
        {
            var audit = Assert.Single(await TrailAsync(line.Id));
            Assert.Equal((EventSource.Payment, OrderLineStatus.PendingPayment, OrderLineStatus.Submitted, line.Sequence), (audit.Source, audit.FromStatus, audit.ToStatus, audit.Sequence));
        }

        Assert.Equal(o.Lines, await TrailOrderAsync(o.Lines));

        var events = await EventsAsync(o.Id);
        Assert.Equal(
            [EventTypes.OrderCreated, EventTypes.OrderPaymentAuthorized, EventTypes.OrderLineStatusChanged, EventTypes.OrderLineStatusChanged, EventTypes.OrderLineStatusChanged],
            events.Select(e => e.Type));
        Assert.Equal(o.Lines, events.Skip(2).Select(e => e.SubjectId));
        Assert.Equal(o.Patients, events.Skip(2).Select(e => Payload(e).GetProperty("patientExternalId").GetString()));
        Assert.All(events.Skip(2), e => Assert.Equal(("PENDING_PAYMENT", "SUBMITTED", "PAYMENT"), (Payload(e).GetProperty("from").GetString(), Payload(e).GetProperty("to").GetString(), Payload(e).GetProperty("source").GetString())));
        AssertLinesWrittenBeforeTheCounter();
    }

    [ProviderFact]
    public async Task A_declined_authorization_fails_every_line_in_position_order_with_the_decline_code()
    {
        var o = await PlaceAsync("declined", "pm_card_chargeDeclined", _f.Catalog.SemaEast, _f.Catalog.TestoEast);

        var order = await ReadOrderAsync(o.Id);
        Assert.All(order.Lines, l => Assert.Equal((OrderLineStatus.PaymentFailed, LinePaymentStatus.Failed, LineOwner.Payment), (l.Status, l.PaymentStatus, l.Owner)));
        foreach (var line in order.Lines)
        {
            var audit = Assert.Single(await TrailAsync(line.Id));
            Assert.Equal((EventSource.Payment, OrderLineStatus.PendingPayment, OrderLineStatus.PaymentFailed, "card_declined", line.Sequence), (audit.Source, audit.FromStatus, audit.ToStatus, audit.ReasonCode, audit.Sequence));
        }

        Assert.Equal(o.Lines, await TrailOrderAsync(o.Lines));

        var events = await EventsAsync(o.Id);
        Assert.Equal([EventTypes.OrderCreated, EventTypes.OrderPaymentFailed, EventTypes.OrderLineStatusChanged, EventTypes.OrderLineStatusChanged], events.Select(e => e.Type));
        Assert.Equal(o.Lines, events.Skip(2).Select(e => e.SubjectId));
        Assert.Equal(o.Patients, events.Skip(2).Select(e => Payload(e).GetProperty("patientExternalId").GetString()));
        Assert.All(events.Skip(2), e => Assert.Equal(("PENDING_PAYMENT", "PAYMENT_FAILED"), (Payload(e).GetProperty("from").GetString(), Payload(e).GetProperty("to").GetString())));
        AssertLinesWrittenBeforeTheCounter();
    }

    [ProviderFact]
    public async Task A_capture_is_recorded_once_the_accepted_lines_captured_and_every_other_line_not_charged()
    {
        var o = await OrderAsync("capture", _f.Catalog.SemaEast, _f.Catalog.TestoEast, _f.Catalog.SemaWest);
        await ChangeAsync(o.Lines[1], Pharmacy(OrderLineStatus.Rejected));
        var before = await ReadOrderAsync(o.Id);
        var eventsBefore = (await EventsAsync(o.Id)).Count;

        // The gateway took line 0's amount (the settlement's step before this one).
        Assert.True(await Changes.RecordCaptureAsync(o.Id, [o.Lines[0]], default));

        var after = await ReadOrderAsync(o.Id);
        Assert.Equal((PaymentStatus.Captured, before.Lines[0].Amount), (after.PaymentStatus, after.CapturedAmount));
        Assert.Equal([LinePaymentStatus.Captured, LinePaymentStatus.Voided, LinePaymentStatus.NotCaptured], after.Lines.Select(l => l.PaymentStatus));
        Assert.Equal(before.Lines.Select(l => l.Sequence + 1), after.Lines.Select(l => l.Sequence));
        var captured = Assert.Single((await EventsAsync(o.Id)).Skip(eventsBefore));
        Assert.Equal(EventTypes.OrderPaymentCaptured, captured.Type);

        // Recorded already (another settlement won): false, and nothing changes.
        Assert.False(await Changes.RecordCaptureAsync(o.Id, [o.Lines[0], o.Lines[2]], default));
        Assert.False(await Changes.RecordVoidAsync(o.Id, default));
        var again = await ReadOrderAsync(o.Id);
        Assert.Equal((PaymentStatus.Captured, before.Lines[0].Amount), (again.PaymentStatus, again.CapturedAmount));
        Assert.Equal(after.Lines.Select(l => (l.Sequence, l.PaymentStatus)), again.Lines.Select(l => (l.Sequence, l.PaymentStatus)));
        Assert.Equal(eventsBefore + 1, (await EventsAsync(o.Id)).Count);
        Assert.Contains(_sql.Commands, c => c.IsLockOfOrder(o.Id));
    }

    [ProviderFact]
    public async Task A_release_is_recorded_once_and_no_line_is_charged()
    {
        var o = await OrderAsync("void", _f.Catalog.SemaEast, _f.Catalog.TestoEast);
        await ChangeAsync(o.Lines[0], Pharmacy(OrderLineStatus.Rejected));
        var before = await ReadOrderAsync(o.Id);
        var eventsBefore = (await EventsAsync(o.Id)).Count;

        Assert.True(await Changes.RecordVoidAsync(o.Id, default));

        var after = await ReadOrderAsync(o.Id);
        Assert.Equal((PaymentStatus.Canceled, 0L), (after.PaymentStatus, after.CapturedAmount));
        Assert.Equal([LinePaymentStatus.Voided, LinePaymentStatus.NotCaptured], after.Lines.Select(l => l.PaymentStatus));
        Assert.Equal(before.Lines.Select(l => l.Sequence + 1), after.Lines.Select(l => l.Sequence));
        Assert.Equal(EventTypes.OrderPaymentVoided, Assert.Single((await EventsAsync(o.Id)).Skip(eventsBefore)).Type);

        Assert.False(await Changes.RecordVoidAsync(o.Id, default));
        Assert.False(await Changes.RecordCaptureAsync(o.Id, [o.Lines[1]], default));
        var again = await ReadOrderAsync(o.Id);
        Assert.Equal(PaymentStatus.Canceled, again.PaymentStatus);
        Assert.Equal(after.Lines.Select(l => l.Sequence), again.Lines.Select(l => l.Sequence));
        Assert.Equal(eventsBefore + 1, (await EventsAsync(o.Id)).Count);
    }

    [ProviderFact]
    public async Task A_refund_is_recorded_once_for_its_line_alone()
    {
        var o = await OrderAsync("refund", _f.Catalog.SemaEast, _f.Catalog.SemaEast);
        Assert.True(await Changes.RecordCaptureAsync(o.Id, [o.Lines[0], o.Lines[1]], default));
        var before = await ReadOrderAsync(o.Id);
        var eventsBefore = (await EventsAsync(o.Id)).Count;

        Assert.True(await Changes.RecordRefundAsync(o.Id, o.Lines[1], default));

        var after = await ReadOrderAsync(o.Id);
        Assert.Equal((PaymentStatus.PartiallyRefunded, before.Lines[1].Amount), (after.PaymentStatus, after.RefundedAmount));
        Assert.Equal([LinePaymentStatus.Captured, LinePaymentStatus.Refunded], after.Lines.Select(l => l.PaymentStatus));
        Assert.Equal([before.Lines[0].Sequence, before.Lines[1].Sequence + 1], after.Lines.Select(l => l.Sequence));
        var refunded = Assert.Single((await EventsAsync(o.Id)).Skip(eventsBefore));
        Assert.Equal((EventTypes.OrderRefunded, EventSubjectKind.OrderLine, o.Lines[1], (int?)after.Lines[1].Sequence), (refunded.Type, refunded.SubjectType, refunded.SubjectId, refunded.LineSequence));

        Assert.False(await Changes.RecordRefundAsync(o.Id, o.Lines[1], default));
        var again = await ReadOrderAsync(o.Id);
        Assert.Equal((PaymentStatus.PartiallyRefunded, before.Lines[1].Amount, after.Lines[1].Sequence), (again.PaymentStatus, again.RefundedAmount, again.Lines[1].Sequence));
        Assert.Equal(eventsBefore + 1, (await EventsAsync(o.Id)).Count);
    }

    [ProviderFact]
    public async Task Every_line_change_takes_the_lines_lock_before_it_reads_the_line()
    {
        var o = await OrderAsync("locks", _f.Catalog.SemaEast, _f.Catalog.SemaEast);

        _sql.Clear();
        await ChangeAsync(o.Lines[0], Pharmacy(OrderLineStatus.Received));
        AssertLockedFirst(c => c.IsLockOfLine(o.Lines[0]));

        Assert.Null(await Decisions.CancelByClinicAsync(o.Lines[1], null, default));
        _sql.Clear();
        Assert.True(await Changes.ReinstateAfterRefusedCancellationAsync(o.Lines[1], default));
        AssertLockedFirst(c => c.IsLockOfLine(o.Lines[1]));

        _sql.Clear();
        await Changes.RecordVoidAsync(o.Id, default);
        AssertLockedFirst(c => c.IsLockOfOrder(o.Id));
    }

    /// <summary>
    /// The outcome's transaction writes every line (taking their row locks, with the save that checks the order's version)
    /// before it takes the event counter: no line lock is waited for while the counter is held.
    /// </summary>
    private void AssertLinesWrittenBeforeTheCounter()
    {
        var commands = _sql.Commands;
        var lines = commands.FindLastIndex(c => System.Text.RegularExpressions.Regex.IsMatch(c.Text, "UPDATE \"OrderLines\" SET [^;]*\"Status\" = "));
        var counter = commands.FindLastIndex(c => c.Text.Contains("\"EventStreams\"", StringComparison.Ordinal));
        Assert.True(lines >= 0 && lines < counter, string.Join("\n---\n", commands.Select(c => c.Text)));
    }

    private void AssertLockedFirst(Func<SqlLog.Command, bool> isLock)
    {
        var commands = _sql.Commands;
        var firstLineRead = commands.FindIndex(c => c.Text.TrimStart().StartsWith("SELECT", StringComparison.OrdinalIgnoreCase) && c.Text.Contains("\"OrderLines\"", StringComparison.Ordinal));
        var lockAt = commands.FindIndex(c => isLock(c));
        Assert.True(lockAt >= 0 && lockAt < firstLineRead, string.Join("\n---\n", commands.Select(c => c.Text)));
    }

    [ProviderFact]
    public async Task A_settlement_that_cannot_be_delivered_right_after_the_change_is_left_queued_for_the_workers()
    {
        var o = await OrderAsync("deliver-later", _f.Catalog.SemaEast);
        App.Logs.Clear();
        _leaseFault.Armed = true;

        var outcome = await ChangeAsync(o.Lines[0], Pharmacy(OrderLineStatus.Received));

        Assert.False(_leaseFault.Armed);
        Assert.Equal(LineOutcome.Moved, outcome!.Result.Outcome);
        Assert.Equal(OutboxStatus.Pending, Assert.Single(await OutboxAsync(LineOutbox.SettleKind)).Status);
        Assert.Equal(PaymentStatus.Authorized, (await ReadOrderAsync(o.Id)).PaymentStatus);
        Assert.Single(App.Logs.Entries, e => e.Level == Microsoft.Extensions.Logging.LogLevel.Warning && e.Message.Contains("the outbox will retry", StringComparison.Ordinal));

        await App.Services.GetRequiredService<OutboxProcessor>().DrainOnceAsync("w", default);
        Assert.Equal(PaymentStatus.Captured, (await ReadOrderAsync(o.Id)).PaymentStatus);
    }
}

public sealed class LineChangesTestsOnSqlite() : LineChangesTests(DatabaseProvider.Sqlite, null);

[Collection(PostgresCollection.Name)]
public sealed class LineChangesTestsOnPostgres(PostgresServer postgres) : LineChangesTests(DatabaseProvider.Postgres, postgres);

/// <summary>Every SQL command the service sends, with its parameter values, in order.</summary>
public sealed class SqlLog : DbCommandInterceptor
{
    private readonly object _gate = new();
    private readonly List<Command> _commands = [];

    public sealed record Command(string Text, IReadOnlyList<object?> Parameters)
    {
        private bool IsLock(string column, long id) =>
            Text.Contains("UPDATE \"OrderLines\" SET \"Sequence\" = \"Sequence\"", StringComparison.Ordinal) &&
            Text.Contains($"WHERE \"{column}\" =", StringComparison.Ordinal) &&
            Parameters.Count == 1 && Convert.ToInt64(Parameters[0], System.Globalization.CultureInfo.InvariantCulture) == id;

        public bool IsLockOfLine(long lineId) => IsLock("Id", lineId);

        public bool IsLockOfOrder(long orderId) => IsLock("OrderId", orderId);
    }

    public List<Command> Commands
    {
        get
        {
            lock (_gate)
            {
                return [.. _commands];
            }
        }
    }

    public void Clear()
    {
        lock (_gate)
        {
            _commands.Clear();
        }
    }

    private void Record(DbCommand command)
    {
        var parameters = command.Parameters.Cast<DbParameter>().Select(p => p.Value).ToList();
        lock (_gate)
        {
            _commands.Add(new Command(command.CommandText, parameters));
        }
    }

    public override ValueTask<InterceptionResult<DbDataReader>> ReaderExecutingAsync(DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result, CancellationToken cancellationToken = default)
    {
        Record(command);
        return ValueTask.FromResult(result);
    }

    public override ValueTask<InterceptionResult<int>> NonQueryExecutingAsync(DbCommand command, CommandEventData eventData, InterceptionResult<int> result, CancellationToken cancellationToken = default)
    {
        Record(command);
        return ValueTask.FromResult(result);
    }

    public override ValueTask<InterceptionResult<object>> ScalarExecutingAsync(DbCommand command, CommandEventData eventData, InterceptionResult<object> result, CancellationToken cancellationToken = default)
    {
        Record(command);
        return ValueTask.FromResult(result);
    }
}

/// <summary>While armed, the next outbox lease (the first step of delivering a message at once) fails, as a dropped connection would.</summary>
public sealed class OutboxLeaseFault : DbCommandInterceptor
{
    private int _armed;

    public bool Armed
    {
        get => Volatile.Read(ref _armed) == 1;
        set => Volatile.Write(ref _armed, value ? 1 : 0);
    }

    public override ValueTask<InterceptionResult<int>> NonQueryExecutingAsync(DbCommand command, CommandEventData eventData, InterceptionResult<int> result, CancellationToken cancellationToken = default)
    {
        if (command.CommandText.Contains("UPDATE \"OutboxMessages\"", StringComparison.Ordinal) && command.CommandText.Contains("\"LeaseOwner\"", StringComparison.Ordinal) &&
            Interlocked.CompareExchange(ref _armed, 0, 1) == 1)
        {
            throw new InvalidOperationException("The connection dropped.");
        }

        return ValueTask.FromResult(result);
    }
}
