using System.Collections.Concurrent;
using System.Text.Json;
using Headless.Data;
using Headless.GraphQL;
using Headless.Orders;
using Headless.Orders.Lifecycle;
using Headless.Payments;
using Headless.Tests.Checkout;
using Headless.Tests.Infrastructure;
using Headless.Tests.Partners;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Headless.Tests.Payments;

/// <summary>
/// The capture policy and every money movement of <see cref="PaymentSettlement"/>, on both sides of each condition
/// that decides a payment: accepted against declined lines, capture once every line is decided against capture at the
/// deadline (and not a moment before), release when nothing was accepted, refund of a line declined after the capture,
/// a gateway that fails a step, refunds made elsewhere, the authorization's outcome, and what the sweep picks up.
/// The gateway is the sandbox behind a script that records each call and can fail one kind of call.
/// </summary>
public abstract class PaymentSettlementTests(DatabaseProvider provider, PostgresServer? postgres) : ProviderTest(provider, postgres)
{
    private const string Capture = "capture";
    private const string Cancel = "cancel";
    private const string Refund = "refund";

    private readonly ScriptedGateway _gateway = new();
    private readonly DatabaseFaults _faults = new();
    private readonly OrderSaveConflicts _conflicts = new();
    private CartFixture _f = null!;
    private int _nextPatient;

    protected override void ConfigureServices(IServiceCollection services)
    {
        services.AddSingleton<IPaymentGateway>(_gateway);
        services.AddSingleton(new ActivePaymentGateway(ScriptedGateway.GatewayName));
        services.AddSingleton<IInterceptor>(_faults);
        services.AddSingleton<IInterceptor>(_conflicts);

        // The tests run the sweep themselves: a background one, woken by every move of the fake clock, would race them.
        var sweep = services.Single(d => d.ServiceType == typeof(IHostedService) && d.ImplementationFactory?.Method.ReturnType == typeof(CaptureSweep));
        services.Remove(sweep);
    }

    protected override async Task InitializeAppAsync() => _f = await CartData.CreateAsync(App, 12);

    private GraphQLClient C => _f.Tenant.Client;

    private PaymentSettlement Settlement => App.Services.GetRequiredService<PaymentSettlement>();

    private OrderLineDecisions Decisions => App.Services.GetRequiredService<OrderLineDecisions>();

    private Task SweepAsync() => App.Services.GetRequiredService<CaptureSweep>().SweepOnceAsync(default);

    /// <summary>Fills and validates a cart with one line per offering, each for a patient of its own.</summary>
    private async Task<(string CartId, int Version)> CartAsync(params string[] offerings)
    {
        var lines = offerings.Select(o => CartData.GoodLine(_f.Patients[_nextPatient++], _f.Prescriber, o)).ToArray();
        var cartId = (await C.DataAsync(CartData.Add, new { clinicId = _f.ClinicId, lines })).At("cartLinesAdd.cart.id").GetString()!;
        return (cartId, await ValidateAsync(cartId));
    }

    private async Task<int> ValidateAsync(string cartId)
    {
        var cart = (await C.DataAsync(CartData.Validate, new { cartId })).At("cartValidate.cart");
        Assert.True(cart.GetProperty("checkoutReady").GetBoolean(), cart.GetRawText());
        return cart.GetProperty("version").GetInt32();
    }

    private async Task<JsonElement> CheckoutAsync(string cartId, int version, string key, string paymentMethod = "pm_card_visa") =>
        (await C.DataAsync(CheckoutTests.Checkout, new { input = new { cartId, expectedVersion = version, paymentMethodId = paymentMethod, idempotencyKey = key } })).GetProperty("cartCheckout");

    /// <summary>An authorized order of one line per offering: its id, its line ids, amounts and sequences.</summary>
    private async Task<PaidOrder> OrderAsync(string key, params string[] offerings)
    {
        var (cartId, version) = await CartAsync(offerings);
        var payload = await CheckoutAsync(cartId, version, key);
        Assert.Empty(payload.UserErrorCodes());
        Assert.Equal("AUTHORIZED", payload.At("order.paymentStatus").GetString());
        var number = payload.At("order.number").GetString()!;
        var id = Decode(payload.At("order.id").GetString()!, "Order");
        await using var db = App.Database.CreatePlatformContext();
        var lines = await db.OrderLines.IgnoreQueryFilters().AsNoTracking().Where(l => l.OrderId == id).OrderBy(l => l.Position).ToListAsync();
        return new PaidOrder(id, number, [.. lines.Select(l => l.Id)], [.. lines.Select(l => l.Amount)], [.. lines.Select(l => l.Sequence)]);
    }

    private sealed record PaidOrder(long Id, string Number, IReadOnlyList<long> Lines, IReadOnlyList<long> Amounts, IReadOnlyList<int> Sequences);

    private static long Decode(string globalId, string type) => GlobalId.TryDecode(globalId, type, out var id) ? id : throw new InvalidOperationException(globalId);

    private async Task<Order> ReadAsync(long orderId)
    {
        await using var db = App.Database.CreatePlatformContext();
        return await db.Orders.IgnoreQueryFilters().AsNoTracking().Include(o => o.Lines.OrderBy(l => l.Position)).SingleAsync(o => o.Id == orderId);
    }

    private static LinePaymentStatus[] LinePayments(Order order) => [.. order.Lines.Select(l => l.PaymentStatus)];

    private async Task<bool> DueAsync(long orderId) => (await Settlement.FindWorkAsync(default)).Contains(orderId);

    [ProviderFact]
    public async Task Capture_waits_until_every_line_is_decided_then_takes_only_the_accepted_lines_once()
    {
        var o = await OrderAsync("all-decided", _f.Catalog.SemaEast, _f.Catalog.TestoEast, _f.Catalog.SemaEast);

        await Decisions.AcceptAsync(o.Lines[0], default);
        await Decisions.RejectAsync(o.Lines[1], "LICENSE", "Not licensed.", false, default);
        var midway = await ReadAsync(o.Id);
        Assert.Equal(PaymentStatus.Authorized, midway.PaymentStatus);
        Assert.Equal([LinePaymentStatus.Authorized, LinePaymentStatus.Authorized, LinePaymentStatus.Authorized], LinePayments(midway));
        Assert.Empty(_gateway.Calls(Capture));
        Assert.False(await DueAsync(o.Id));

        await Decisions.AcceptAsync(o.Lines[2], default);
        var captured = await ReadAsync(o.Id);
        Assert.Equal(PaymentStatus.Captured, captured.PaymentStatus);
        Assert.Equal(o.Amounts[0] + o.Amounts[2], captured.CapturedAmount);
        Assert.Equal(App.Clock.GetUtcNow(), captured.CapturedAt);
        Assert.Equal([(PaymentSettlement.CaptureKey(o.Id), o.Amounts[0] + o.Amounts[2])], _gateway.Calls(Capture));
        Assert.Empty(_gateway.Calls(Cancel));
        Assert.Equal([LinePaymentStatus.Captured, LinePaymentStatus.Voided, LinePaymentStatus.Captured], LinePayments(captured));
        Assert.Equal([o.Amounts[0], 0, o.Amounts[2]], captured.Lines.Select(l => l.CapturedAmount));

        // Each line moved once, and the capture counts as one more change of every line.
        Assert.Equal(o.Sequences.Select(s => s + 2), captured.Lines.Select(l => l.Sequence));

        // Settled is settled: nothing more is asked of the gateway, and the sweep has nothing to do.
        await Settlement.SettleAsync(o.Id, default);
        await SweepAsync();
        Assert.Single(_gateway.Calls(Capture));
        Assert.Empty(_gateway.Calls(Refund));
        Assert.False(await DueAsync(o.Id));
        Assert.Equal(o.Sequences.Select(s => s + 2), (await ReadAsync(o.Id)).Lines.Select(l => l.Sequence));
    }

    [ProviderFact]
    public async Task At_the_capture_deadline_and_not_a_moment_before_what_was_accepted_is_captured()
    {
        var o = await OrderAsync("deadline", _f.Catalog.SemaEast, _f.Catalog.SemaEast);
        await Decisions.AcceptAsync(o.Lines[0], default);
        var deadline = (await ReadAsync(o.Id)).CaptureDeadline!.Value;
        Assert.Equal(App.Clock.GetUtcNow() + TimeSpan.FromDays(5), deadline);

        App.Clock.Advance(deadline - App.Clock.GetUtcNow() - TimeSpan.FromMilliseconds(1));
        Assert.False(await DueAsync(o.Id));
        await Settlement.SettleAsync(o.Id, default);
        await SweepAsync();
        Assert.Equal(PaymentStatus.Authorized, (await ReadAsync(o.Id)).PaymentStatus);
        Assert.Empty(_gateway.Calls(Capture));

        App.Clock.Advance(TimeSpan.FromMilliseconds(1));
        Assert.True(await DueAsync(o.Id));
        await SweepAsync();
        var captured = await ReadAsync(o.Id);
        Assert.Equal((PaymentStatus.Captured, o.Amounts[0]), (captured.PaymentStatus, captured.CapturedAmount));
        Assert.Equal([LinePaymentStatus.Captured, LinePaymentStatus.NotCaptured], LinePayments(captured));

        // Accepted after the one capture: not charged, and no second capture.
        await Decisions.AcceptAsync(o.Lines[1], default);
        var after = await ReadAsync(o.Id);
        Assert.Equal((OrderLineStatus.Received, LinePaymentStatus.NotCaptured), (after.Lines[1].Status, after.Lines[1].PaymentStatus));
        Assert.Equal(o.Amounts[0], after.CapturedAmount);
        Assert.Single(_gateway.Calls(Capture));
    }

    [ProviderFact]
    public async Task When_nothing_was_accepted_the_authorization_is_released_and_no_line_is_charged()
    {
        // Every line declined: released at once.
        var declined = await OrderAsync("all-declined", _f.Catalog.SemaEast, _f.Catalog.TestoEast);
        await Decisions.RejectAsync(declined.Lines[0], "LICENSE", "Not licensed.", false, default);
        Assert.Equal(PaymentStatus.Authorized, (await ReadAsync(declined.Id)).PaymentStatus);
        await Decisions.CancelAsync(declined.Lines[1], "Patient changed plans.", default);
        var released = await ReadAsync(declined.Id);
        Assert.Equal((PaymentStatus.Canceled, 0L), (released.PaymentStatus, released.CapturedAmount));
        Assert.Equal([LinePaymentStatus.Voided, LinePaymentStatus.Voided], LinePayments(released));
        Assert.Equal([PaymentSettlement.CancelKey(declined.Id)], _gateway.Calls(Cancel).Select(c => c.Key));
        Assert.Empty(_gateway.Calls(Capture));
        Assert.Equal(declined.Sequences.Select(s => s + 2), released.Lines.Select(l => l.Sequence));

        // Nobody answered by the deadline: released then, the untouched line not captured rather than voided.
        var silent = await OrderAsync("silent", _f.Catalog.SemaEast);
        App.Clock.Advance(TimeSpan.FromDays(5));
        await SweepAsync();
        var expired = await ReadAsync(silent.Id);
        Assert.Equal(PaymentStatus.Canceled, expired.PaymentStatus);
        Assert.Equal([LinePaymentStatus.NotCaptured], LinePayments(expired));
        Assert.Equal(2, _gateway.Calls(Cancel).Count);
        Assert.Empty(_gateway.Calls(Capture));
        Assert.False(await DueAsync(silent.Id));
    }

    [ProviderFact]
    public async Task A_line_declined_after_the_capture_is_refunded_for_its_own_amount_once()
    {
        var o = await OrderAsync("refunds", _f.Catalog.SemaEast, _f.Catalog.TestoEast, _f.Catalog.SemaEast);
        foreach (var line in o.Lines)
        {
            await Decisions.AcceptAsync(line, default);
        }

        var total = o.Amounts.Sum();
        Assert.Equal((PaymentStatus.Captured, total), ((await ReadAsync(o.Id)).PaymentStatus, (await ReadAsync(o.Id)).CapturedAmount));
        var sequences = (await ReadAsync(o.Id)).Lines.Select(l => l.Sequence).ToList();

        await Decisions.RejectAsync(o.Lines[1], "OUT_OF_STOCK", "Ran out.", false, default);
        var one = await ReadAsync(o.Id);
        Assert.Equal((PaymentStatus.PartiallyRefunded, o.Amounts[1]), (one.PaymentStatus, one.RefundedAmount));
        Assert.Equal([LinePaymentStatus.Captured, LinePaymentStatus.Refunded, LinePaymentStatus.Captured], LinePayments(one));
        Assert.Equal([0, o.Amounts[1], 0], one.Lines.Select(l => l.RefundedAmount));
        Assert.Equal([(PaymentSettlement.RefundKey(o.Lines[1]), o.Amounts[1])], _gateway.Calls(Refund));

        // The refund is one more change of that line only (the rejection was the other).
        Assert.Equal([sequences[0], sequences[1] + 2, sequences[2]], one.Lines.Select(l => l.Sequence));

        // A second line declined while partially refunded: refunded too; the last one makes it whole.
        await Decisions.CancelAsync(o.Lines[2], null, default);
        var two = await ReadAsync(o.Id);
        Assert.Equal((PaymentStatus.PartiallyRefunded, o.Amounts[1] + o.Amounts[2]), (two.PaymentStatus, two.RefundedAmount));
        await Decisions.RejectAsync(o.Lines[0], "OTHER", "Cannot fill.", false, default);
        var all = await ReadAsync(o.Id);
        Assert.Equal((PaymentStatus.Refunded, total, total), (all.PaymentStatus, all.RefundedAmount, all.CapturedAmount));
        Assert.Equal([LinePaymentStatus.Refunded, LinePaymentStatus.Refunded, LinePaymentStatus.Refunded], LinePayments(all));

        await Settlement.SettleAsync(o.Id, default);
        await SweepAsync();
        Assert.Equal(3, _gateway.Calls(Refund).Count);
        Assert.Equal(3, _gateway.Calls(Refund).Select(c => c.Key).Distinct().Count());
        Assert.Single(_gateway.Calls(Capture));
        Assert.False(await DueAsync(o.Id));
    }

    [ProviderFact]
    public async Task A_capture_release_or_refund_the_gateway_fails_changes_nothing_and_the_sweep_finishes_it()
    {
        // Capture refused: still authorized, no line marked, no sequence moved by the payment; due for the sweep.
        var a = await OrderAsync("capture-fails", _f.Catalog.SemaEast, _f.Catalog.TestoEast);
        _gateway.Failing[Capture] = true;
        await Decisions.AcceptAsync(a.Lines[0], default);
        await Decisions.AcceptAsync(a.Lines[1], default);
        var notCaptured = await ReadAsync(a.Id);
        Assert.Equal((PaymentStatus.Authorized, 0L), (notCaptured.PaymentStatus, notCaptured.CapturedAmount));
        Assert.Equal([LinePaymentStatus.Authorized, LinePaymentStatus.Authorized], LinePayments(notCaptured));
        Assert.Equal(a.Sequences.Select(s => s + 1), notCaptured.Lines.Select(l => l.Sequence));
        Assert.True(await DueAsync(a.Id));
        _gateway.Failing.Clear();
        await SweepAsync();
        Assert.Equal((PaymentStatus.Captured, a.Amounts.Sum()), ((await ReadAsync(a.Id)).PaymentStatus, (await ReadAsync(a.Id)).CapturedAmount));
        Assert.False(await DueAsync(a.Id));

        // Release refused: still authorized, the line not yet voided; the sweep releases it.
        var b = await OrderAsync("cancel-fails", _f.Catalog.SemaEast);
        _gateway.Failing[Cancel] = true;
        await Decisions.RejectAsync(b.Lines[0], "LICENSE", "Not licensed.", false, default);
        var notReleased = await ReadAsync(b.Id);
        Assert.Equal(PaymentStatus.Authorized, notReleased.PaymentStatus);
        Assert.Equal([LinePaymentStatus.Authorized], LinePayments(notReleased));
        Assert.True(await DueAsync(b.Id));
        _gateway.Failing.Clear();
        await SweepAsync();
        var releasedLater = await ReadAsync(b.Id);
        Assert.Equal((PaymentStatus.Canceled, LinePaymentStatus.Voided), (releasedLater.PaymentStatus, releasedLater.Lines[0].PaymentStatus));

        // Refund refused: the declined line stays captured and the order is due until the sweep refunds it.
        var c = await OrderAsync("refund-fails", _f.Catalog.SemaEast, _f.Catalog.SemaEast);
        await Decisions.AcceptAsync(c.Lines[0], default);
        await Decisions.AcceptAsync(c.Lines[1], default);
        Assert.False(await DueAsync(c.Id));
        _gateway.Failing[Refund] = true;
        await Decisions.RejectAsync(c.Lines[0], "OTHER", "Cannot fill.", false, default);
        var notRefunded = await ReadAsync(c.Id);
        Assert.Equal((PaymentStatus.Captured, 0L), (notRefunded.PaymentStatus, notRefunded.RefundedAmount));
        Assert.Equal([LinePaymentStatus.Captured, LinePaymentStatus.Captured], LinePayments(notRefunded));
        Assert.True(await DueAsync(c.Id));
        _gateway.Failing.Clear();
        await SweepAsync();
        var refundedLater = await ReadAsync(c.Id);
        Assert.Equal((PaymentStatus.PartiallyRefunded, c.Amounts[0]), (refundedLater.PaymentStatus, refundedLater.RefundedAmount));
        Assert.False(await DueAsync(c.Id));
    }

    [ProviderFact]
    public async Task Gateway_events_apply_only_to_the_order_they_match_and_refunds_made_elsewhere_cap_ours()
    {
        var o = await OrderAsync("elsewhere", _f.Catalog.SemaEast, _f.Catalog.SemaEast);
        await Decisions.AcceptAsync(o.Lines[0], default);
        await Decisions.AcceptAsync(o.Lines[1], default);
        var order = await ReadAsync(o.Id);
        var total = o.Amounts.Sum();
        var refundedElsewhere = new PaymentEvent(PaymentEventKind.Refunded, ScriptedGateway.GatewayName, order.PaymentIntentId!, "usd", total, AmountCaptured: total, AmountRefunded: o.Amounts[0] + 1);

        await Assert.ThrowsAsync<ArgumentNullException>(() => Settlement.ApplyAsync(null!, default));
        Assert.Equal(PaymentEventOutcome.Ignored(PaymentEventReason.UnknownPaymentIntent), await Settlement.ApplyAsync(refundedElsewhere with { PaymentIntentId = "pi_unknown" }, default));
        Assert.Equal(PaymentEventOutcome.Ignored(PaymentEventReason.CurrencyMismatch), await Settlement.ApplyAsync(refundedElsewhere with { Currency = "eur" }, default));
        Assert.Equal((PaymentStatus.Captured, 0L), ((await ReadAsync(o.Id)).PaymentStatus, (await ReadAsync(o.Id)).RefundedAmount));

        Assert.Equal(PaymentEventOutcome.Applied, await Settlement.ApplyAsync(refundedElsewhere, default));
        Assert.Equal(PaymentEventOutcome.Unchanged, await Settlement.ApplyAsync(refundedElsewhere with { AmountRefunded = 1 }, default));
        var observed = await ReadAsync(o.Id);
        Assert.Equal((PaymentStatus.PartiallyRefunded, o.Amounts[0] + 1), (observed.PaymentStatus, observed.RefundedAmount));

        // Refunding the declined line as well would give back more than was captured: it is not asked for.
        await Decisions.RejectAsync(o.Lines[1], "OTHER", "Cannot fill.", false, default);
        var capped = await ReadAsync(o.Id);
        Assert.Empty(_gateway.Calls(Refund));
        Assert.Equal((PaymentStatus.PartiallyRefunded, o.Amounts[0] + 1), (capped.PaymentStatus, capped.RefundedAmount));
        Assert.Equal([LinePaymentStatus.Captured, LinePaymentStatus.Captured], LinePayments(capped));
    }

    [ProviderFact]
    public async Task A_declined_authorization_keeps_the_cart_and_the_stock_and_an_approved_one_routes_the_order()
    {
        var stock = await StockAsync(_f.Catalog.SemaEast);
        var (cartId, version) = await CartAsync(_f.Catalog.SemaEast, _f.Catalog.SemaWest);

        var declined = await CheckoutAsync(cartId, version, "declined", "pm_card_chargeDeclined");
        Assert.Equal(["PAYMENT_DECLINED"], declined.UserErrorCodes());
        Assert.Equal(("PAYMENT_FAILED", "FAILED", "card_declined", "The card was declined."), (declined.At("order.status").GetString(), declined.At("order.paymentStatus").GetString(), declined.At("order.paymentFailure.code").GetString(), declined.At("order.paymentFailure.message").GetString()));
        Assert.All(declined.At("order.lines.nodes").EnumerateArray(), l => Assert.Equal(("PAYMENT_FAILED", "FAILED"), (l.GetProperty("status").GetString(), l.GetProperty("paymentStatus").GetString())));
        Assert.Equal(cartId, declined.At("cart.id").GetString());
        Assert.Equal(stock, await StockAsync(_f.Catalog.SemaEast));
        var reopened = (await C.DataAsync(CartData.Read, new { clinicId = _f.ClinicId })).GetProperty("cart");
        Assert.Equal((cartId, "OPEN", 2), (reopened.GetProperty("id").GetString(), reopened.GetProperty("status").GetString(), reopened.GetProperty("lineCount").GetInt32()));

        // A gateway that declines without saying why still leaves a code and a message.
        var silent = await CheckoutAsync(cartId, await ValidateAsync(cartId), "silent", ScriptedGateway.SilentDecline);
        Assert.Equal(("PAYMENT_FAILED", "declined"), (silent.At("order.status").GetString(), silent.At("order.paymentFailure.code").GetString()));
        Assert.False(string.IsNullOrWhiteSpace(silent.At("order.paymentFailure.message").GetString()));
        Assert.Equal(stock, await StockAsync(_f.Catalog.SemaEast));

        var approved = await CheckoutAsync(cartId, await ValidateAsync(cartId), "approved");
        Assert.Empty(approved.UserErrorCodes());
        Assert.Equal(("SUBMITTED", "AUTHORIZED"), (approved.At("order.status").GetString(), approved.At("order.paymentStatus").GetString()));
        Assert.NotEqual(cartId, approved.At("cart.id").GetString());
        Assert.Equal(0, approved.At("cart.lineCount").GetInt32());
        Assert.Equal(stock - 1, await StockAsync(_f.Catalog.SemaEast));

        var orderId = Decode(approved.At("order.id").GetString()!, "Order");
        await using var db = App.Database.CreatePlatformContext();
        Assert.Equal(Headless.Carts.CartStatus.CheckedOut, (await db.Carts.IgnoreQueryFilters().AsNoTracking().SingleAsync(c => c.Id == Decode(cartId, "Cart"))).Status);
        Assert.Equal("cus_sandbox_" + _f.Tenant.OrganizationId, (await db.Organizations.AsNoTracking().SingleAsync(x => x.Id == _f.Tenant.OrganizationId)).PaymentCustomerId);
        Assert.Equal(2, await db.PartnerOrders.IgnoreQueryFilters().CountAsync(p => p.OrderId == orderId));
        var lineIds = await db.OrderLines.IgnoreQueryFilters().Where(l => l.OrderId == orderId).Select(l => l.Id).ToListAsync();
        var routed = await db.OrderLineEvents.IgnoreQueryFilters().Where(e => lineIds.Contains(e.OrderLineId)).ToListAsync();
        Assert.Equal(2, routed.Count);
        Assert.All(routed, e => Assert.Equal((EventSource.Payment, OrderLineStatus.PendingPayment, OrderLineStatus.Submitted), (e.Source, e.FromStatus, e.ToStatus)));
    }

    [ProviderFact]
    public async Task An_authorization_left_pending_is_picked_up_by_the_sweep_once_its_lease_is_stale()
    {
        var (cartId, version) = await CartAsync(_f.Catalog.SemaEast);
        _gateway.AuthorizeThrows = true;
        var crashed = await C.PostAsync(CheckoutTests.Checkout, new { input = new { cartId, expectedVersion = version, paymentMethodId = "pm_card_visa", idempotencyKey = "pending" } });
        Assert.True(crashed.HasErrors, crashed.Raw);
        _gateway.AuthorizeThrows = false;
        await using (var db = App.Database.CreatePlatformContext())
        {
            var pending = await db.Orders.IgnoreQueryFilters().AsNoTracking().SingleAsync(o => o.IdempotencyKey == "pending");
            Assert.Equal((OrderStatus.PendingPayment, App.Clock.GetUtcNow() + PaymentSettlement.AuthorizationLease), (pending.Status, pending.PaymentLeaseUntil));

            // Stale means the lease lapsed a lease's length ago (times are compared at the database's precision: a millisecond is past it).
            App.Clock.Advance(2 * PaymentSettlement.AuthorizationLease);
            Assert.False(await DueAsync(pending.Id));
            App.Clock.Advance(TimeSpan.FromMilliseconds(1));
            Assert.True(await DueAsync(pending.Id));

            // Nothing is authorized yet, so there is nothing to settle.
            await Settlement.SettleAsync(pending.Id, default);
            Assert.Equal((OrderStatus.PendingPayment, PaymentStatus.Pending), ((await ReadAsync(pending.Id)).Status, (await ReadAsync(pending.Id)).PaymentStatus));
            Assert.Single(_gateway.Calls("authorize"));

            await SweepAsync();
            var authorized = await ReadAsync(pending.Id);
            Assert.Equal((OrderStatus.Submitted, PaymentStatus.Authorized), (authorized.Status, authorized.PaymentStatus));
            Assert.Equal(2, _gateway.Calls("authorize").Count);
            Assert.False(await DueAsync(pending.Id));
        }
    }

    [ProviderFact]
    public async Task The_sweep_finds_authorized_orders_due_and_partially_refunded_ones_owing_a_refund_oldest_first()
    {
        var a = await OrderAsync("due-first", _f.Catalog.SemaEast);
        var b = await OrderAsync("due-second", _f.Catalog.SemaEast, _f.Catalog.TestoEast, _f.Catalog.SemaEast);
        foreach (var line in b.Lines)
        {
            await Decisions.AcceptAsync(line, default);
        }

        await Decisions.RejectAsync(b.Lines[0], "OTHER", "Cannot fill.", false, default);
        Assert.Equal(PaymentStatus.PartiallyRefunded, (await ReadAsync(b.Id)).PaymentStatus);
        Assert.Empty(await Settlement.FindWorkAsync(default));

        // A second refund owed while partially refunded, and a release owed for an order with nothing accepted.
        _gateway.Failing[Refund] = true;
        _gateway.Failing[Cancel] = true;
        await Decisions.RejectAsync(b.Lines[1], "OTHER", "Cannot fill.", false, default);
        await Decisions.RejectAsync(a.Lines[0], "LICENSE", "Not licensed.", false, default);
        Assert.Equal((PaymentStatus.Authorized, PaymentStatus.PartiallyRefunded), ((await ReadAsync(a.Id)).PaymentStatus, (await ReadAsync(b.Id)).PaymentStatus));
        Assert.Equal([a.Id, b.Id], await Settlement.FindWorkAsync(default));

        _gateway.Failing.Clear();
        await SweepAsync();
        var (released, refunded) = (await ReadAsync(a.Id), await ReadAsync(b.Id));
        Assert.Equal(PaymentStatus.Canceled, released.PaymentStatus);
        Assert.Equal((PaymentStatus.PartiallyRefunded, b.Amounts[0] + b.Amounts[1]), (refunded.PaymentStatus, refunded.RefundedAmount));
        Assert.Empty(await Settlement.FindWorkAsync(default));
    }

    [ProviderFact]
    public async Task A_settlement_that_loses_its_save_to_another_changes_nothing_and_the_next_one_finishes_with_the_same_key()
    {
        var o = await OrderAsync("save-race", _f.Catalog.SemaEast, _f.Catalog.SemaEast);
        _gateway.Failing[Capture] = true;
        await Decisions.AcceptAsync(o.Lines[0], default);
        await Decisions.AcceptAsync(o.Lines[1], default);
        _gateway.Failing.Clear();
        var decided = await ReadAsync(o.Id);

        // The gateway captures, but another settlement of the order saved first: this one leaves the order to it.
        _conflicts.Arm(o.Id, 1);
        await Settlement.SettleAsync(o.Id, default);
        Assert.Equal(0, _conflicts.Left);
        var raced = await ReadAsync(o.Id);
        Assert.Equal((PaymentStatus.Authorized, 0L), (raced.PaymentStatus, raced.CapturedAmount));
        Assert.Equal([LinePaymentStatus.Authorized, LinePaymentStatus.Authorized], LinePayments(raced));
        Assert.Equal(decided.Lines.Select(l => l.Sequence), raced.Lines.Select(l => l.Sequence));

        await Settlement.SettleAsync(o.Id, default);
        var captured = await ReadAsync(o.Id);
        Assert.Equal((PaymentStatus.Captured, o.Amounts.Sum()), (captured.PaymentStatus, captured.CapturedAmount));
        Assert.Equal(decided.Lines.Select(l => l.Sequence + 1), captured.Lines.Select(l => l.Sequence));
        Assert.Equal(Enumerable.Repeat(PaymentSettlement.CaptureKey(o.Id), 3), _gateway.Calls(Capture).Select(c => c.Key));
    }

    [ProviderFact]
    public async Task A_gateway_event_that_loses_its_save_is_judged_again_twice_and_then_the_error_is_the_callers()
    {
        var o = await OrderAsync("event-race", _f.Catalog.SemaEast, _f.Catalog.SemaEast);
        await Decisions.AcceptAsync(o.Lines[0], default);
        await Decisions.AcceptAsync(o.Lines[1], default);
        var order = await ReadAsync(o.Id);
        var total = o.Amounts.Sum();
        var refunded = new PaymentEvent(PaymentEventKind.Refunded, ScriptedGateway.GatewayName, order.PaymentIntentId!, "usd", total, AmountCaptured: total, AmountRefunded: 500);

        _conflicts.Arm(o.Id, 3);
        await Assert.ThrowsAsync<DbUpdateConcurrencyException>(() => Settlement.ApplyAsync(refunded, default));
        Assert.Equal((0, PaymentStatus.Captured, 0L), (_conflicts.Left, (await ReadAsync(o.Id)).PaymentStatus, (await ReadAsync(o.Id)).RefundedAmount));

        _conflicts.Arm(o.Id, 2);
        Assert.Equal(PaymentEventOutcome.Applied, await Settlement.ApplyAsync(refunded, default));
        Assert.Equal((0, PaymentStatus.PartiallyRefunded, 500L), (_conflicts.Left, (await ReadAsync(o.Id)).PaymentStatus, (await ReadAsync(o.Id)).RefundedAmount));
    }

    [ProviderFact]
    public async Task Recording_an_authorization_again_returns_the_order_as_it_is_and_contention_past_the_retries_leaves_it_pending()
    {
        var stock = await StockAsync(_f.Catalog.SemaEast);
        var o = await OrderAsync("recorded", _f.Catalog.SemaEast);
        var openCart = (await C.DataAsync(CartData.Read, new { clinicId = _f.ClinicId })).At("cart.id").GetString();

        // Already recorded: a late decline changes nothing (no failure, stock kept reserved, the new cart stays).
        var again = await Settlement.RecordAuthorizationAsync(o.Id, ScriptedGateway.GatewayName, new AuthorizationResult(false, null, null, "card_declined", "Declined."), default);
        Assert.Equal((o.Id, OrderStatus.Submitted, PaymentStatus.Authorized), (again.Id, again.Status, again.PaymentStatus));
        Assert.Equal((OrderStatus.Submitted, PaymentStatus.Authorized), ((await ReadAsync(o.Id)).Status, (await ReadAsync(o.Id)).PaymentStatus));
        Assert.Equal(stock - 1, await StockAsync(_f.Catalog.SemaEast));
        Assert.Equal(openCart, (await C.DataAsync(CartData.Read, new { clinicId = _f.ClinicId })).At("cart.id").GetString());
        Assert.DoesNotContain(App.Logs.Entries, e => e.Message.Contains("kept losing races", StringComparison.Ordinal));

        // A pending order whose recording loses every race stays pending, is returned as it is, and says so once.
        var (cartId, version) = await CartAsync(_f.Catalog.SemaEast);
        _gateway.AuthorizeThrows = true;
        Assert.True((await C.PostAsync(CheckoutTests.Checkout, new { input = new { cartId, expectedVersion = version, paymentMethodId = "pm_card_visa", idempotencyKey = "contended" } })).HasErrors);
        _gateway.AuthorizeThrows = false;
        long pendingId;
        await using (var db = App.Database.CreatePlatformContext())
        {
            pendingId = (await db.Orders.IgnoreQueryFilters().AsNoTracking().SingleAsync(x => x.IdempotencyKey == "contended")).Id;
        }

        App.Logs.Clear();
        _faults.WritesToFail = int.MaxValue;
        var contended = await Settlement.RecordAuthorizationAsync(pendingId, ScriptedGateway.GatewayName, new AuthorizationResult(true, "pi_contended", null, null, null), default);
        _faults.WritesToFail = 0;
        Assert.NotNull(contended);
        Assert.Equal((pendingId, OrderStatus.PendingPayment), (contended.Id, contended.Status));
        Assert.Equal(OrderStatus.PendingPayment, (await ReadAsync(pendingId)).Status);
        Assert.Single(App.Logs.Entries, e => e.Level == Microsoft.Extensions.Logging.LogLevel.Warning && e.Message.Contains("kept losing races", StringComparison.Ordinal));
        Assert.Empty(App.Logs.Errors);
    }

    private async Task<int> StockAsync(string offeringGlobalId)
    {
        await using var db = App.Database.CreatePlatformContext();
        var id = Decode(offeringGlobalId, "Offering");
        return (await db.Offerings.AsNoTracking().SingleAsync(o => o.Id == id)).Stock;
    }
}

public sealed class PaymentSettlementTestsOnSqlite() : PaymentSettlementTests(DatabaseProvider.Sqlite, null);

[Collection(PostgresCollection.Name)]
public sealed class PaymentSettlementTestsOnPostgres(PostgresServer postgres) : PaymentSettlementTests(DatabaseProvider.Postgres, postgres);

/// <summary>
/// The sandbox gateway behind a script: every call recorded (operation, idempotency key, amount), the kinds in
/// <see cref="Failing"/> answered with a failure (the sandbox never sees them, so a retry succeeds), an authorization
/// that throws on demand (outcome unknown), and <see cref="SilentDecline"/> declined without a code or message.
/// </summary>
public sealed class ScriptedGateway : IPaymentGateway
{
    public const string GatewayName = "scripted-sandbox";
    public const string SilentDecline = "pm_scripted_silentDecline";

    private readonly SandboxPaymentGateway _sandbox = new();
    private readonly ConcurrentQueue<(string Operation, string Key, long Amount)> _calls = new();

    public string Name => GatewayName;

    /// <summary>Kinds of call ("capture", "cancel", "refund") answered with a failure until removed.</summary>
    public ConcurrentDictionary<string, bool> Failing { get; } = new();

    public bool AuthorizeThrows { get; set; }

    public IReadOnlyList<(string Key, long Amount)> Calls(string operation) => [.. _calls.Where(c => c.Operation == operation).Select(c => (c.Key, c.Amount))];

    public Task<AuthorizationResult> AuthorizeAsync(AuthorizationRequest request, CancellationToken ct)
    {
        _calls.Enqueue(("authorize", request.IdempotencyKey, request.Amount));
        if (AuthorizeThrows)
        {
            throw new HttpRequestException("The gateway did not answer.");
        }

        return request.PaymentMethodId == SilentDecline
            ? Task.FromResult(new AuthorizationResult(false, null, null, null, null))
            : _sandbox.AuthorizeAsync(request, ct);
    }

    public Task<GatewayResult> CaptureAsync(CaptureRequest request, CancellationToken ct)
    {
        _calls.Enqueue(("capture", request.IdempotencyKey, request.Amount));
        return Failing.ContainsKey("capture") ? Task.FromResult(new GatewayResult(false, "Capture refused.")) : _sandbox.CaptureAsync(request, ct);
    }

    public Task<GatewayResult> CancelAsync(CancelRequest request, CancellationToken ct)
    {
        _calls.Enqueue(("cancel", request.IdempotencyKey, 0));
        return Failing.ContainsKey("cancel") ? Task.FromResult(new GatewayResult(false, "Release refused.")) : _sandbox.CancelAsync(request, ct);
    }

    public Task<RefundResult> RefundAsync(RefundRequest request, CancellationToken ct)
    {
        _calls.Enqueue(("refund", request.IdempotencyKey, request.Amount));
        return Failing.ContainsKey("refund") ? Task.FromResult(new RefundResult(false, null, "Refund refused.")) : _sandbox.RefundAsync(request, ct);
    }
}

/// <summary>
/// Plays another writer that saved the same order first: while armed, before a write of that order runs, its version is
/// bumped on the same connection and transaction, so the write matches no row and EF Core reports a concurrency
/// conflict. The failed save rolls the bump back with it, so the order is left as it was.
/// </summary>
public sealed class OrderSaveConflicts : DbCommandInterceptor
{
    private long _orderId;
    private int _left;

    public int Left => Volatile.Read(ref _left);

    public void Arm(long orderId, int conflicts)
    {
        Volatile.Write(ref _orderId, orderId);
        Volatile.Write(ref _left, conflicts);
    }

    public override async ValueTask<InterceptionResult<System.Data.Common.DbDataReader>> ReaderExecutingAsync(System.Data.Common.DbCommand command, CommandEventData eventData, InterceptionResult<System.Data.Common.DbDataReader> result, CancellationToken cancellationToken = default)
    {
        await MaybeConflictAsync(command, cancellationToken);
        return result;
    }

    public override async ValueTask<InterceptionResult<int>> NonQueryExecutingAsync(System.Data.Common.DbCommand command, CommandEventData eventData, InterceptionResult<int> result, CancellationToken cancellationToken = default)
    {
        await MaybeConflictAsync(command, cancellationToken);
        return result;
    }

    private async Task MaybeConflictAsync(System.Data.Common.DbCommand command, CancellationToken ct)
    {
        if (Left <= 0 || !command.CommandText.Contains("UPDATE \"Orders\"", StringComparison.Ordinal) || Interlocked.Decrement(ref _left) < 0)
        {
            return;
        }

        await using var bump = command.Connection!.CreateCommand();
        bump.Transaction = command.Transaction;
        bump.CommandText = $"UPDATE \"Orders\" SET \"Version\" = \"Version\" + 1 WHERE \"Id\" = {Volatile.Read(ref _orderId)}";
        await bump.ExecuteNonQueryAsync(ct);
    }
}
