using Headless.Catalog;
using Headless.Data;
using Headless.Orders;
using Headless.Shared;
using Microsoft.EntityFrameworkCore;

namespace Headless.Orders.Lifecycle;

/// <summary>
/// The line lifecycle (DESIGN.md "Routing and line lifecycle"), in one place for pharmacy callbacks and clinic
/// decisions alike:
/// <list type="bullet">
/// <item>SUBMITTED &lt; RECEIVED &lt; COMPOUNDING &lt; SHIPPED &lt; DELIVERED. A status not ahead of where the line
/// has got never moves it: callbacks may arrive late, twice, or in any order.</item>
/// <item>Tracking (carrier, number, URL) attaches whenever it arrives, even after the line moved on.</item>
/// <item>ON_HOLD pauses the line (owner from the signal, PHARMACY by default); a later forward status resumes it.
/// A signal that happened before the line entered its current status cannot pause or resume it.</item>
/// <item>REJECTED (before SHIPPED) and CANCELLED (before COMPOUNDING) are terminal.</item>
/// <item>Every change adds one to the line's sequence, sets statusSince to when it happened, and yields one
/// <see cref="OrderLineEvent"/>.</item>
/// </list>
/// </summary>
public static class LineLifecycle
{
    public const string CancelledByClinic = "CANCELLED_BY_CLINIC";
    public const string CancelledByPharmacy = "CANCELLED_BY_PHARMACY";

    /// <summary>Position on the forward path; 0 for statuses off it (payment states, ON_HOLD, terminal ones).</summary>
    public static int Rank(OrderLineStatus status) => status switch
    {
        OrderLineStatus.Submitted => 1,
        OrderLineStatus.Received => 2,
        OrderLineStatus.Compounding => 3,
        OrderLineStatus.Shipped => 4,
        OrderLineStatus.Delivered => 5,
        _ => 0,
    };

    /// <summary>REJECTED and CANCELLED end a line: nothing moves it again.</summary>
    public static bool IsTerminal(OrderLineStatus status) => status.IsDeclined();

    /// <summary>True once the line was paid for and routed: only then do pharmacy signals apply.</summary>
    public static bool IsRouted(OrderLineStatus status) => status is not (OrderLineStatus.PendingPayment or OrderLineStatus.PaymentFailed);

    /// <summary>
    /// Takes the line's row lock for the rest of the caller's transaction (a no-op update), so that changes
    /// to one line apply one at a time on every provider. SQLite's write transaction holds the database already.
    /// </summary>
    internal static async Task LockAsync(HeadlessDbContext db, long lineId, CancellationToken ct)
    {
        if (db.Database.CurrentTransaction is null)
        {
            throw new InvalidOperationException("Lock a line inside a transaction.");
        }

        await db.Database.ExecuteSqlAsync($"UPDATE \"OrderLines\" SET \"Sequence\" = \"Sequence\" WHERE \"Id\" = {lineId}", ct);
    }

    /// <summary>
    /// The furthest forward status the line has reached: its status, or for a held line the last status before
    /// the hold, read from its audit trail (SUBMITTED when the trail has none).
    /// </summary>
    public static async Task<OrderLineStatus> HighWaterAsync(HeadlessDbContext db, OrderLine line, CancellationToken ct)
    {
        if (line.Status != OrderLineStatus.OnHold)
        {
            return line.Status;
        }

        var last = await db.OrderLineEvents.IgnoreQueryFilters().AsNoTracking()
            .Where(e => e.OrderLineId == line.Id && e.ToStatus != OrderLineStatus.OnHold)
            .OrderByDescending(e => e.Id)
            .Select(e => (OrderLineStatus?)e.ToStatus)
            .FirstOrDefaultAsync(ct);
        return last is { } status && Rank(status) > 0 ? status : OrderLineStatus.Submitted;
    }

    /// <summary>Applies a signal to a tracked line and adds its audit event to the context. The caller saves both in one transaction.</summary>
    internal static async Task<LineChangeResult> ApplyAsync(HeadlessDbContext db, OrderLine line, LineSignal signal, DateTimeOffset now, CancellationToken ct)
    {
        var highWater = await HighWaterAsync(db, line, ct);
        var result = Apply(line, highWater, signal, now);
        if (result.Event is not null)
        {
            db.OrderLineEvents.Add(result.Event);
        }

        // A line that will not be filled gives its reserved units back, in the same transaction.
        if (result.Outcome == LineOutcome.Moved && result.ToStatus.IsDeclined())
        {
            await StockLedger.ReleaseAsync(db, new Dictionary<long, int> { [line.OfferingId] = line.Quantity }, ct);
        }

        return result;
    }

    /// <summary>
    /// Applies a signal to a line in memory. <paramref name="highWater"/> is where the line had got before any
    /// hold (see <see cref="HighWaterAsync"/>). Returns the event to save, or <see cref="LineOutcome.Ignored"/>.
    /// </summary>
    public static LineChangeResult Apply(OrderLine line, OrderLineStatus highWater, LineSignal signal, DateTimeOffset now)
    {
        var from = line.Status;

        // A time in the future (a partner's clock ahead of ours) counts as now: "stuck for" never goes negative.
        var at = signal.OccurredAt is { } occurred && occurred < now ? occurred : now;
        var stale = at < line.StatusSince;
        var held = from == OrderLineStatus.OnHold;
        var reached = held ? Rank(highWater) : Rank(from);

        if (!IsRouted(from))
        {
            return Ignore(line, "the line was never routed");
        }

        if (IsTerminal(from))
        {
            return Ignore(line, $"the line is {from.ToWire()}");
        }

        switch (signal.Status)
        {
            case OrderLineStatus.Received or OrderLineStatus.Compounding or OrderLineStatus.Shipped or OrderLineStatus.Delivered:
            {
                var tracking = signal.HasTracking && signal.Status is OrderLineStatus.Shipped or OrderLineStatus.Delivered;
                var moves = Rank(signal.Status) > reached && !(held && stale);
                if (moves)
                {
                    if (tracking)
                    {
                        line.SetTracking(signal.Carrier, signal.TrackingNumber, signal.TrackingUrl);
                    }

                    line.MoveTo(signal.Status, null, null, null, LineOwners.For(signal.Status, null), at);
                    return Changed(line, LineOutcome.Moved, from, signal, at, tracking ? TrackingMessage(line) : signal.Message);
                }

                if (tracking && line.SetTracking(signal.Carrier, signal.TrackingNumber, signal.TrackingUrl))
                {
                    line.CountChange(at);
                    return Changed(line, LineOutcome.Updated, from, signal, at, TrackingMessage(line));
                }

                return Ignore(line, held && stale && Rank(signal.Status) > reached
                    ? "it happened before the hold"
                    : $"the line has already reached {(held ? highWater : from).ToWire()}");
            }

            case OrderLineStatus.OnHold:
            {
                if (stale)
                {
                    return Ignore(line, "it happened before the line's current status");
                }

                if (!(held || from is OrderLineStatus.Submitted or OrderLineStatus.Received or OrderLineStatus.Compounding or OrderLineStatus.Shipped))
                {
                    return Ignore(line, $"a {from.ToWire()} line cannot be put on hold");
                }

                var owner = signal.Owner ?? LineOwner.Pharmacy;
                if (held && owner == line.Owner && signal.ReasonCode == line.StatusReasonCode && signal.Message == line.StatusReasonMessage && signal.Fixable == line.StatusReasonFixable)
                {
                    return Ignore(line, "the hold is unchanged");
                }

                line.MoveTo(OrderLineStatus.OnHold, signal.ReasonCode, signal.Message, signal.Fixable, owner, at);
                return Changed(line, held ? LineOutcome.Updated : LineOutcome.Moved, from, signal, at, signal.Message);
            }

            case OrderLineStatus.Rejected:
            {
                if (reached >= Rank(OrderLineStatus.Shipped))
                {
                    return Ignore(line, $"a line that reached {(held ? highWater : from).ToWire()} cannot be rejected");
                }

                var fixable = signal.Fixable ?? false;
                var code = signal.ReasonCode ?? "OTHER";
                var message = signal.Message ?? "Rejected by the pharmacy.";
                line.MoveTo(OrderLineStatus.Rejected, code, message, fixable, fixable ? LineOwner.Clinic : LineOwner.None, at);
                return Changed(line, LineOutcome.Moved, from, signal with { ReasonCode = code }, at, message);
            }

            case OrderLineStatus.Cancelled:
            {
                if (reached >= Rank(OrderLineStatus.Compounding))
                {
                    return Ignore(line, $"a line that reached {(held ? highWater : from).ToWire()} cannot be cancelled");
                }

                var code = signal.ReasonCode ?? (signal.Source == EventSource.Clinic ? CancelledByClinic : CancelledByPharmacy);
                var message = signal.Message ?? (signal.Source == EventSource.Clinic ? "Cancelled by the clinic." : "Cancelled by the pharmacy.");
                line.MoveTo(OrderLineStatus.Cancelled, code, message, signal.Fixable ?? false, LineOwner.None, at);
                return Changed(line, LineOutcome.Moved, from, signal with { ReasonCode = code }, at, message);
            }

            default:
                return Ignore(line, $"{signal.Status.ToWire()} is not a status a line can be moved to");
        }
    }

    private static LineChangeResult Ignore(OrderLine line, string reason) =>
        new(LineOutcome.Ignored, line.Status, line.Status, null, reason);

    private static LineChangeResult Changed(OrderLine line, LineOutcome outcome, OrderLineStatus from, LineSignal signal, DateTimeOffset at, string? message) =>
        new(outcome, from, line.Status, new OrderLineEvent(
            line.OrganizationId, line.Id, at, signal.Source, from, line.Status, signal.ReasonCode, Truncate(message, 500), signal.ExternalEventId, line.Sequence), null);

    private static string TrackingMessage(OrderLine line) =>
        "Tracking: " + string.Join(" ", new[] { line.TrackingCarrier, line.TrackingNumber }.Where(s => !string.IsNullOrEmpty(s)).DefaultIfEmpty(line.TrackingUrl ?? ""));

    private static string? Truncate(string? value, int length) => value is null || value.Length <= length ? value : value[..length];
}
