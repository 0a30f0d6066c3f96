using Headless.Orders;
using Headless.Orders.Lifecycle;
using Headless.Shared;
using Headless.Tests.Infrastructure;
using static Headless.Orders.OrderLineStatus;

namespace Headless.Tests.Orders.Lifecycle;

/// <summary>
/// <see cref="LineLifecycle.Apply"/> as a unit, table-driven: which signal moves which status, holds (owner, reason,
/// a stale hold, resuming after a hold against an event from before it), terminal and unrouted lines, tracking
/// (attached late, replaced, the same value is no change), the reason and owner a rejection or cancellation leaves,
/// and which changes decide the payment. LineLifecycleTests and LineLifecycleCallbackTests drive the same rules
/// through signed partner callbacks.
/// </summary>
public sealed class LineLifecycleRulesTests
{
    private static readonly DateTimeOffset T0 = HeadlessApp.Now;
    private static readonly DateTimeOffset Now = T0.AddHours(1);
    private static readonly OrderLineStatus[] ForwardPath = [Submitted, Received, Compounding, Shipped, Delivered];

    private static LineSignal Signal(OrderLineStatus status, DateTimeOffset? at = null, EventSource source = EventSource.Pharmacy) => new(status, source, at ?? T0.AddMinutes(30), ExternalEventId: "evt_1");

    private static OrderLine LineAt(OrderLineStatus status, DateTimeOffset? since = null) => InMemory.OrderLine(status, since ?? T0);

    /// <summary>A line on hold since <paramref name="heldAt"/>, PHARMACY's, with no reason.</summary>
    private static OrderLine Held(DateTimeOffset heldAt) => InMemory.OrderLine(OnHold, heldAt);

    private static void AssertIgnored(OrderLine line, LineChangeResult result, OrderLineStatus status, int sequence)
    {
        Assert.Equal(LineOutcome.Ignored, result.Outcome);
        Assert.False(result.Changed);
        Assert.False(result.DecidesPayment);
        Assert.Null(result.Event);
        Assert.False(string.IsNullOrEmpty(result.Reason));
        Assert.Equal((status, status), (result.FromStatus, result.ToStatus));
        Assert.Equal((status, sequence), (line.Status, line.Sequence));
    }

    public static TheoryData<OrderLineStatus, OrderLineStatus> ForwardPairs()
    {
        var data = new TheoryData<OrderLineStatus, OrderLineStatus>();
        foreach (var from in ForwardPath)
        {
            foreach (var to in ForwardPath.Skip(1))
            {
                data.Add(from, to);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(ForwardPairs))]
    public void A_forward_status_moves_the_line_only_when_it_is_ahead_of_it(OrderLineStatus from, OrderLineStatus to)
    {
        var line = LineAt(from);
        var at = T0.AddMinutes(30);

        var result = LineLifecycle.Apply(line, from, Signal(to, at) with { Message = "Partner note." }, Now);

        if (Array.IndexOf(ForwardPath, to) <= Array.IndexOf(ForwardPath, from))
        {
            AssertIgnored(line, result, from, 1);
            Assert.Equal(T0, line.StatusSince);
            return;
        }

        Assert.Equal(LineOutcome.Moved, result.Outcome);
        Assert.True(result.Changed);
        Assert.Null(result.Reason);
        Assert.Equal((from, to), (result.FromStatus, result.ToStatus));
        Assert.Equal((to, at, 2), (line.Status, line.StatusSince, line.Sequence));
        Assert.Equal(to is Received or Compounding ? LineOwner.Pharmacy : LineOwner.None, line.Owner);
        Assert.Null(line.StatusReasonCode);
        Assert.Null(line.TrackingNumber);

        var e = result.Event!;
        Assert.Equal((InMemory.OrganizationId, line.Id, at, EventSource.Pharmacy, from, to), (e.OrganizationId, e.OrderLineId, e.At, e.Source, e.FromStatus, e.ToStatus));
        Assert.Equal(("evt_1", 2, (string?)null, "Partner note."), (e.ExternalEventId, e.Sequence, e.ReasonCode, e.Message));

        // Only the first move into an accepted status decides the payment.
        Assert.Equal(from == Submitted, result.DecidesPayment);
    }

    [Theory]
    [InlineData(PendingPayment)]
    [InlineData(PaymentFailed)]
    [InlineData(Rejected)]
    [InlineData(Cancelled)]
    public void A_line_never_routed_or_already_ended_takes_no_signal(OrderLineStatus status)
    {
        foreach (var signal in new[] { Received, Compounding, Shipped, Delivered, OnHold, Rejected, Cancelled })
        {
            var line = LineAt(status);

            var result = LineLifecycle.Apply(line, status, Signal(signal) with { Carrier = "UPS", TrackingNumber = "1Z" }, Now);

            AssertIgnored(line, result, status, 1);
            Assert.Null(line.TrackingNumber);
        }
    }

    [Theory]
    [InlineData(Submitted)]
    [InlineData(PendingPayment)]
    [InlineData(PaymentFailed)]
    public void A_status_a_line_cannot_be_moved_to_is_ignored(OrderLineStatus status)
    {
        var line = LineAt(Received);

        AssertIgnored(line, LineLifecycle.Apply(line, Received, Signal(status), Now), Received, 1);
    }

    [Fact]
    public void A_time_in_the_future_or_no_time_counts_as_now_and_a_past_time_as_itself()
    {
        var future = LineAt(Submitted);
        LineLifecycle.Apply(future, Submitted, Signal(Received, Now.AddMinutes(5)), Now);

        var untimed = LineAt(Submitted);
        LineLifecycle.Apply(untimed, Submitted, new LineSignal(Received, EventSource.Pharmacy, null), Now);

        var past = LineAt(Submitted);
        var result = LineLifecycle.Apply(past, Submitted, Signal(Received, Now.AddTicks(-1)), Now);

        Assert.Equal((Now, Now, Now.AddTicks(-1)), (future.StatusSince, untimed.StatusSince, past.StatusSince));
        Assert.Equal(Now.AddTicks(-1), result.Event!.At);
    }

    [Fact]
    public void A_forward_status_that_happened_before_the_current_one_still_moves_a_line_that_is_not_held()
    {
        // Callbacks arrive out of order: SHIPPED at :10 lands after RECEIVED at :30. It is still news.
        var line = LineAt(Received, T0.AddMinutes(30));

        var result = LineLifecycle.Apply(line, Received, Signal(Shipped, T0.AddMinutes(10)), Now);

        Assert.Equal(LineOutcome.Moved, result.Outcome);
        Assert.Equal((Shipped, T0.AddMinutes(10)), (line.Status, line.StatusSince));
    }

    [Theory]
    [InlineData(Submitted, true)]
    [InlineData(Received, false)]
    [InlineData(Compounding, false)]
    [InlineData(Shipped, false)]
    public void A_line_on_its_way_can_be_held_with_the_signals_owner_and_reason(OrderLineStatus from, bool decidesPayment)
    {
        var line = LineAt(from);
        var signal = Signal(OnHold) with { Owner = LineOwner.Patient, ReasonCode = "ADDRESS", Message = "Confirm the address.", Fixable = true };

        var result = LineLifecycle.Apply(line, from, signal, Now);

        Assert.Equal(LineOutcome.Moved, result.Outcome);
        Assert.Equal(decidesPayment, result.DecidesPayment);
        Assert.Equal((OnHold, LineOwner.Patient, "ADDRESS", "Confirm the address.", (bool?)true), (line.Status, line.Owner, line.StatusReasonCode, line.StatusReasonMessage, line.StatusReasonFixable));
        Assert.Equal((T0.AddMinutes(30), 2), (line.StatusSince, line.Sequence));
        Assert.Equal((from, OnHold, "ADDRESS", "Confirm the address."), (result.Event!.FromStatus, result.Event.ToStatus, result.Event.ReasonCode, result.Event.Message));
    }

    [Fact]
    public void A_hold_without_an_owner_is_the_pharmacys_and_a_delivered_line_cannot_be_held()
    {
        // The line's owner is already PHARMACY and the hold says nothing else: it is still a move, not "unchanged".
        var line = LineAt(Compounding);
        Assert.Equal(LineOwner.Pharmacy, line.Owner);
        var held = LineLifecycle.Apply(line, Compounding, Signal(OnHold), Now);
        Assert.Equal((LineOutcome.Moved, OnHold, LineOwner.Pharmacy), (held.Outcome, line.Status, line.Owner));
        Assert.False(held.DecidesPayment);

        var delivered = LineAt(Delivered);
        AssertIgnored(delivered, LineLifecycle.Apply(delivered, Delivered, Signal(OnHold) with { Owner = LineOwner.Clinic }, Now), Delivered, 1);
    }

    [Fact]
    public void A_hold_that_happened_before_the_lines_current_status_is_stale_and_one_at_that_instant_is_not()
    {
        var line = LineAt(Compounding, T0.AddMinutes(20));
        AssertIgnored(line, LineLifecycle.Apply(line, Compounding, Signal(OnHold, T0.AddMinutes(20).AddTicks(-1)), Now), Compounding, 1);

        var result = LineLifecycle.Apply(line, Compounding, Signal(OnHold, T0.AddMinutes(20)), Now);
        Assert.Equal((LineOutcome.Moved, OnHold), (result.Outcome, line.Status));
    }

    public static TheoryData<string, LineOwner?, string?, string?, bool?, bool> HoldChanges => new()
    {
        { "the same hold again", LineOwner.Patient, "ADDRESS", "Confirm the address.", true, false },
        { "another owner", LineOwner.Clinic, "ADDRESS", "Confirm the address.", true, true },
        { "the default owner", null, "ADDRESS", "Confirm the address.", true, true },
        { "another reason", LineOwner.Patient, "OTHER", "Confirm the address.", true, true },
        { "no reason", LineOwner.Patient, null, "Confirm the address.", true, true },
        { "another message", LineOwner.Patient, "ADDRESS", "Call the clinic.", true, true },
        { "no message", LineOwner.Patient, "ADDRESS", null, true, true },
        { "not fixable", LineOwner.Patient, "ADDRESS", "Confirm the address.", false, true },
        { "fixable unknown", LineOwner.Patient, "ADDRESS", "Confirm the address.", null, true },
    };

    [Theory]
    [MemberData(nameof(HoldChanges))]
    public void A_hold_on_a_held_line_updates_it_when_owner_or_reason_changed_and_is_a_duplicate_otherwise(string change, LineOwner? owner, string? code, string? message, bool? fixable, bool updates)
    {
        var line = LineAt(Compounding);
        LineLifecycle.Apply(line, Compounding, Signal(OnHold, T0.AddMinutes(10)) with { Owner = LineOwner.Patient, ReasonCode = "ADDRESS", Message = "Confirm the address.", Fixable = true }, Now);
        Assert.Equal(2, line.Sequence);

        var result = LineLifecycle.Apply(line, Compounding, Signal(OnHold, T0.AddMinutes(40)) with { Owner = owner, ReasonCode = code, Message = message, Fixable = fixable }, Now);

        if (!updates)
        {
            AssertIgnored(line, result, OnHold, 2);
            Assert.Equal(T0.AddMinutes(10), line.StatusSince);
            return;
        }

        Assert.True(result.Outcome == LineOutcome.Updated, change);
        Assert.False(result.DecidesPayment);
        Assert.Equal((OnHold, OnHold), (result.FromStatus, result.ToStatus));
        Assert.Equal((owner ?? LineOwner.Pharmacy, code, message, fixable, 3), (line.Owner, line.StatusReasonCode, line.StatusReasonMessage, line.StatusReasonFixable, line.Sequence));
        Assert.Equal(T0.AddMinutes(40), line.StatusSince);
        Assert.Equal((OnHold, OnHold, 3), (result.Event!.FromStatus, result.Event.ToStatus, result.Event.Sequence));
    }

    [Theory]
    [InlineData(Received, Received, false)]
    [InlineData(Compounding, Compounding, false)]
    [InlineData(Compounding, Received, false)]
    [InlineData(Compounding, Shipped, true)]
    [InlineData(Submitted, Received, true)]
    [InlineData(Shipped, Delivered, true)]
    [InlineData(Shipped, Shipped, false)]
    public void A_held_line_resumes_only_with_a_status_past_where_it_had_got(OrderLineStatus highWater, OrderLineStatus signal, bool resumes)
    {
        var line = Held(T0.AddMinutes(15));

        var result = LineLifecycle.Apply(line, highWater, Signal(signal, T0.AddMinutes(20)), Now);

        if (!resumes)
        {
            AssertIgnored(line, result, OnHold, 1);
            Assert.Contains(highWater.ToWire(), result.Reason, StringComparison.Ordinal);
            return;
        }

        Assert.Equal(LineOutcome.Moved, result.Outcome);
        Assert.False(result.DecidesPayment);
        Assert.Equal((signal, T0.AddMinutes(20)), (line.Status, line.StatusSince));
        Assert.Equal(signal is Received or Compounding ? LineOwner.Pharmacy : LineOwner.None, line.Owner);
        Assert.Null(line.StatusReasonCode);
        Assert.Null(line.StatusReasonMessage);
    }

    [Fact]
    public void An_event_from_before_the_hold_never_resumes_it_but_its_tracking_attaches()
    {
        var line = Held(T0.AddMinutes(15));

        var plain = LineLifecycle.Apply(line, Compounding, Signal(Shipped, T0.AddMinutes(12)), Now);
        AssertIgnored(line, plain, OnHold, 1);
        Assert.Contains("before the hold", plain.Reason, StringComparison.Ordinal);

        var tracked = LineLifecycle.Apply(line, Compounding, Signal(Shipped, T0.AddMinutes(12)) with { Carrier = "USPS", TrackingNumber = "9400" }, Now);
        Assert.Equal(LineOutcome.Updated, tracked.Outcome);
        Assert.False(tracked.DecidesPayment);
        Assert.Equal((OnHold, T0.AddMinutes(15), 2, "USPS", "9400"), (line.Status, line.StatusSince, line.Sequence, line.TrackingCarrier, line.TrackingNumber));
        Assert.Equal((OnHold, OnHold, "Tracking: USPS 9400"), (tracked.Event!.FromStatus, tracked.Event.ToStatus, tracked.Event.Message));

        // At the instant of the hold it is not from before it: the line resumes.
        var resumed = LineLifecycle.Apply(line, Compounding, Signal(Shipped, T0.AddMinutes(15)), Now);
        Assert.Equal((LineOutcome.Moved, Shipped), (resumed.Outcome, line.Status));
    }

    [Fact]
    public void A_stale_event_behind_a_hold_that_is_not_ahead_of_the_high_water_says_the_line_got_there_already()
    {
        // Before the hold and not past where the line had got: the reason is how far it got, not the hold.
        foreach (var status in new[] { Received, Compounding })
        {
            var line = Held(T0.AddMinutes(15));

            var result = LineLifecycle.Apply(line, Compounding, Signal(status, T0.AddMinutes(12)), Now);

            AssertIgnored(line, result, OnHold, 1);
            Assert.Contains("already reached COMPOUNDING", result.Reason, StringComparison.Ordinal);
            Assert.DoesNotContain("hold", result.Reason, StringComparison.Ordinal);
        }
    }

    public static TheoryData<OrderLineStatus, OrderLineStatus, OrderLineStatus> NotHeldSignals => new()
    {
        { Compounding, Submitted, Received },
        { Compounding, Submitted, Compounding },
        { Delivered, Submitted, Rejected },
        { Shipped, Received, Rejected },
        { Compounding, Submitted, Cancelled },
        { Compounding, Received, Cancelled },
    };

    [Theory]
    [MemberData(nameof(NotHeldSignals))]
    public void A_line_not_on_hold_is_judged_by_its_own_status_and_never_by_a_high_water(OrderLineStatus from, OrderLineStatus highWater, OrderLineStatus signal)
    {
        // The high water stands in for the status of a held line only: a lower one passed for a line on its way changes nothing.
        var line = LineAt(from);

        var result = LineLifecycle.Apply(line, highWater, Signal(signal), Now);

        AssertIgnored(line, result, from, 1);
        Assert.Contains(from.ToWire(), result.Reason, StringComparison.Ordinal);
        Assert.DoesNotContain(highWater.ToWire(), result.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void A_line_already_past_the_signal_says_so()
    {
        var line = LineAt(Delivered);

        var result = LineLifecycle.Apply(line, Delivered, Signal(Received), Now);

        Assert.Contains("already reached DELIVERED", result.Reason, StringComparison.Ordinal);
    }

    public static TheoryData<OrderLineStatus, string?, string?, string?, string> Shipments => new()
    {
        { Shipped, "UPS", "1Z999", "https://ups.example/1Z999", "Tracking: UPS 1Z999" },
        { Delivered, "UPS", "1Z999", null, "Tracking: UPS 1Z999" },
        { Shipped, "UPS", null, null, "Tracking: UPS" },
        { Shipped, null, "1Z999", null, "Tracking: 1Z999" },
        { Shipped, null, null, "https://ups.example/1Z999", "Tracking: https://ups.example/1Z999" },
    };

    [Theory]
    [MemberData(nameof(Shipments))]
    public void Shipping_news_carries_its_tracking_whichever_part_is_given(OrderLineStatus status, string? carrier, string? number, string? url, string message)
    {
        var line = LineAt(Compounding);

        var result = LineLifecycle.Apply(line, Compounding, Signal(status) with { Carrier = carrier, TrackingNumber = number, TrackingUrl = url, Message = "Partner note." }, Now);

        Assert.Equal((LineOutcome.Moved, status, 2), (result.Outcome, line.Status, line.Sequence));
        Assert.Equal((carrier, number, url), (line.TrackingCarrier, line.TrackingNumber, line.TrackingUrl));
        Assert.Equal(message, result.Event!.Message);
    }

    [Theory]
    [InlineData(Received)]
    [InlineData(Compounding)]
    public void Tracking_on_a_status_before_shipping_is_not_attached(OrderLineStatus status)
    {
        var line = LineAt(Submitted);

        var result = LineLifecycle.Apply(line, Submitted, Signal(status) with { Carrier = "UPS", TrackingNumber = "1Z999", Message = "Partner note." }, Now);

        Assert.Equal((LineOutcome.Moved, status), (result.Outcome, line.Status));
        Assert.Null(line.TrackingCarrier);
        Assert.Null(line.TrackingNumber);
        Assert.Equal("Partner note.", result.Event!.Message);
    }

    [Fact]
    public void Tracking_attaches_late_replaces_part_by_part_and_the_same_value_is_no_change()
    {
        var line = LineAt(Delivered, T0.AddMinutes(50));
        var late = Signal(Shipped, T0.AddMinutes(40)) with { Carrier = "UPS", TrackingNumber = "1Z999" };

        var attached = LineLifecycle.Apply(line, Delivered, late, Now);
        Assert.Equal((LineOutcome.Updated, Delivered, Delivered), (attached.Outcome, attached.FromStatus, attached.ToStatus));
        Assert.False(attached.DecidesPayment);
        Assert.Equal((Delivered, T0.AddMinutes(50), 2, "UPS", "1Z999"), (line.Status, line.StatusSince, line.Sequence, line.TrackingCarrier, line.TrackingNumber));
        Assert.Equal((Delivered, Delivered, T0.AddMinutes(40), 2, "Tracking: UPS 1Z999"), (attached.Event!.FromStatus, attached.Event.ToStatus, attached.Event.At, attached.Event.Sequence, attached.Event.Message));

        AssertIgnored(line, LineLifecycle.Apply(line, Delivered, late, Now), Delivered, 2);
        AssertIgnored(line, LineLifecycle.Apply(line, Delivered, late with { Status = Delivered, Carrier = null }, Now), Delivered, 2);

        var replaced = LineLifecycle.Apply(line, Delivered, late with { Carrier = null, TrackingNumber = "1Z000" }, Now);
        Assert.Equal(LineOutcome.Updated, replaced.Outcome);
        Assert.Equal(("UPS", "1Z000", 3), (line.TrackingCarrier, line.TrackingNumber, line.Sequence));

        // A late status before shipping never touches tracking, even when it carries some.
        AssertIgnored(line, LineLifecycle.Apply(line, Delivered, Signal(Received) with { Carrier = "FedEx", TrackingNumber = "777" }, Now), Delivered, 3);
        Assert.Equal(("UPS", "1Z000"), (line.TrackingCarrier, line.TrackingNumber));
    }

    [Theory]
    [InlineData(Submitted, true)]
    [InlineData(Received, true)]
    [InlineData(Compounding, true)]
    [InlineData(Shipped, false)]
    [InlineData(Delivered, false)]
    public void A_line_can_be_rejected_until_it_ships(OrderLineStatus from, bool rejected)
    {
        var line = LineAt(from);

        var result = LineLifecycle.Apply(line, from, Signal(Rejected) with { ReasonCode = "LICENSE" }, Now);

        if (!rejected)
        {
            AssertIgnored(line, result, from, 1);
            return;
        }

        Assert.Equal((LineOutcome.Moved, Rejected, "LICENSE"), (result.Outcome, line.Status, line.StatusReasonCode));
        Assert.True(result.DecidesPayment);
        Assert.Equal(("LICENSE", from, Rejected), (result.Event!.ReasonCode, result.Event.FromStatus, result.Event.ToStatus));
    }

    [Theory]
    [InlineData(true, LineOwner.Clinic, true)]
    [InlineData(false, LineOwner.None, false)]
    [InlineData(null, LineOwner.None, false)]
    public void A_fixable_rejection_goes_to_the_clinic_and_another_ends_with_nobody(bool? fixable, LineOwner owner, bool storedFixable)
    {
        var line = LineAt(Received);

        LineLifecycle.Apply(line, Received, Signal(Rejected) with { Fixable = fixable, ReasonCode = "SIG_CLARIFICATION", Message = "Clarify the dose." }, Now);

        Assert.Equal((owner, (bool?)storedFixable, "SIG_CLARIFICATION", "Clarify the dose."), (line.Owner, line.StatusReasonFixable, line.StatusReasonCode, line.StatusReasonMessage));
    }

    [Fact]
    public void A_rejection_without_a_reason_gets_OTHER_and_a_message()
    {
        var line = LineAt(Received);

        var result = LineLifecycle.Apply(line, Received, Signal(Rejected), Now);

        Assert.Equal("OTHER", line.StatusReasonCode);
        Assert.Equal("OTHER", result.Event!.ReasonCode);
        Assert.False(string.IsNullOrWhiteSpace(line.StatusReasonMessage));
        Assert.Equal(line.StatusReasonMessage, result.Event.Message);
    }

    [Theory]
    [InlineData(Submitted, Submitted, true)]
    [InlineData(Received, Received, true)]
    [InlineData(Compounding, Compounding, false)]
    [InlineData(Shipped, Shipped, false)]
    [InlineData(Delivered, Delivered, false)]
    [InlineData(OnHold, Received, true)]
    [InlineData(OnHold, Compounding, false)]
    public void A_line_can_be_cancelled_until_compounding_starts_counting_where_a_held_line_had_got(OrderLineStatus from, OrderLineStatus highWater, bool cancelled)
    {
        var line = LineAt(from);

        var result = LineLifecycle.Apply(line, highWater, Signal(Cancelled, source: EventSource.Clinic), Now);

        if (!cancelled)
        {
            AssertIgnored(line, result, from, 1);
            Assert.Contains(highWater.ToWire(), result.Reason, StringComparison.Ordinal);
            return;
        }

        Assert.Equal((LineOutcome.Moved, Cancelled, LineOwner.None), (result.Outcome, line.Status, line.Owner));
        Assert.True(result.DecidesPayment);
    }

    [Theory]
    [InlineData(OnHold, Compounding, true)]
    [InlineData(OnHold, Shipped, false)]
    [InlineData(OnHold, Delivered, false)]
    public void A_held_line_can_be_rejected_unless_it_had_shipped(OrderLineStatus from, OrderLineStatus highWater, bool rejected)
    {
        var line = LineAt(from);

        var result = LineLifecycle.Apply(line, highWater, Signal(Rejected), Now);

        Assert.Equal(rejected ? LineOutcome.Moved : LineOutcome.Ignored, result.Outcome);
        Assert.Equal(rejected ? Rejected : OnHold, line.Status);
        if (!rejected)
        {
            Assert.Contains(highWater.ToWire(), result.Reason, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData(EventSource.Clinic, null, null, LineLifecycle.CancelledByClinic, false)]
    [InlineData(EventSource.Pharmacy, null, null, LineLifecycle.CancelledByPharmacy, false)]
    [InlineData(EventSource.Pharmacy, "OUT_OF_STOCK", true, "OUT_OF_STOCK", true)]
    [InlineData(EventSource.Clinic, "PATIENT_REQUEST", false, "PATIENT_REQUEST", false)]
    public void A_cancellation_records_who_cancelled_unless_a_reason_is_given(EventSource source, string? code, bool? fixable, string storedCode, bool storedFixable)
    {
        var line = LineAt(Received);

        var result = LineLifecycle.Apply(line, Received, Signal(Cancelled, source: source) with { ReasonCode = code, Fixable = fixable }, Now);

        Assert.Equal((storedCode, (bool?)storedFixable, LineOwner.None), (line.StatusReasonCode, line.StatusReasonFixable, line.Owner));
        Assert.Equal((storedCode, source), (result.Event!.ReasonCode, result.Event.Source));
        Assert.False(string.IsNullOrWhiteSpace(line.StatusReasonMessage));
        Assert.Equal(line.StatusReasonMessage, result.Event.Message);
    }

    [Fact]
    public void The_clinic_and_the_pharmacy_get_different_default_cancellation_messages_and_a_given_one_is_kept()
    {
        var byClinic = LineAt(Received);
        var byPharmacy = LineAt(Received);
        var explained = LineAt(Received);

        LineLifecycle.Apply(byClinic, Received, Signal(Cancelled, source: EventSource.Clinic), Now);
        LineLifecycle.Apply(byPharmacy, Received, Signal(Cancelled), Now);
        LineLifecycle.Apply(explained, Received, Signal(Cancelled) with { Message = "Patient moved." }, Now);

        Assert.Contains("clinic", byClinic.StatusReasonMessage, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("pharmacy", byPharmacy.StatusReasonMessage, StringComparison.OrdinalIgnoreCase);
        Assert.Equal("Patient moved.", explained.StatusReasonMessage);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(499)]
    [InlineData(500)]
    [InlineData(501)]
    [InlineData(2000)]
    public void An_event_message_is_kept_up_to_500_characters(int length)
    {
        var line = LineAt(Submitted);

        var result = LineLifecycle.Apply(line, Submitted, Signal(Received) with { Message = new string('m', length) }, Now);

        Assert.Equal(new string('m', Math.Min(length, 500)), result.Event!.Message);
    }

    [Fact]
    public void Only_a_move_can_decide_the_payment()
    {
        Assert.False(new LineChangeResult(LineOutcome.Updated, OnHold, OnHold, null, null).DecidesPayment);
        Assert.False(new LineChangeResult(LineOutcome.Updated, Submitted, Rejected, null, null).DecidesPayment);
        Assert.False(new LineChangeResult(LineOutcome.Ignored, Submitted, Received, null, null).DecidesPayment);
        Assert.True(new LineChangeResult(LineOutcome.Moved, Submitted, Received, null, null).DecidesPayment);
        Assert.True(new LineChangeResult(LineOutcome.Moved, OnHold, Cancelled, null, null).DecidesPayment);
        Assert.True(new LineChangeResult(LineOutcome.Moved, Shipped, Rejected, null, null).DecidesPayment);
        Assert.False(new LineChangeResult(LineOutcome.Moved, OnHold, Shipped, null, null).DecidesPayment);
        Assert.False(new LineChangeResult(LineOutcome.Moved, Received, OnHold, null, null).DecidesPayment);
        Assert.True(new LineChangeResult(LineOutcome.Moved, Submitted, OnHold, null, null).DecidesPayment);
        Assert.False(new LineChangeResult(LineOutcome.Moved, PendingPayment, Submitted, null, null).DecidesPayment);
        Assert.True(new LineChangeResult(LineOutcome.Updated, OnHold, OnHold, null, null).Changed);
        Assert.True(new LineChangeResult(LineOutcome.Moved, Submitted, Received, null, null).Changed);
        Assert.False(new LineChangeResult(LineOutcome.Ignored, Submitted, Submitted, null, "x").Changed);
    }

    [Theory]
    [InlineData(null, null, null, false)]
    [InlineData("UPS", null, null, true)]
    [InlineData(null, "1Z", null, true)]
    [InlineData(null, null, "https://ups.example", true)]
    public void A_signal_has_tracking_when_any_part_is_given(string? carrier, string? number, string? url, bool hasTracking) =>
        Assert.Equal(hasTracking, new LineSignal(Shipped, EventSource.Pharmacy, null, Carrier: carrier, TrackingNumber: number, TrackingUrl: url).HasTracking);

    [Theory]
    [InlineData(Submitted, 1)]
    [InlineData(Received, 2)]
    [InlineData(Compounding, 3)]
    [InlineData(Shipped, 4)]
    [InlineData(Delivered, 5)]
    [InlineData(OnHold, 0)]
    [InlineData(Rejected, 0)]
    [InlineData(PendingPayment, 0)]
    public void Statuses_rank_along_the_forward_path(OrderLineStatus status, int rank) => Assert.Equal(rank, LineLifecycle.Rank(status));

    [Theory]
    [InlineData(PendingPayment, false, false)]
    [InlineData(PaymentFailed, false, false)]
    [InlineData(Submitted, true, false)]
    [InlineData(OnHold, true, false)]
    [InlineData(Delivered, true, false)]
    [InlineData(Rejected, true, true)]
    [InlineData(Cancelled, true, true)]
    public void Routed_and_terminal_statuses(OrderLineStatus status, bool routed, bool terminal) =>
        Assert.Equal((routed, terminal), (LineLifecycle.IsRouted(status), LineLifecycle.IsTerminal(status)));
}
