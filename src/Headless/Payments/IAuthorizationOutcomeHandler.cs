using Headless.Data;
using Headless.Orders;

namespace Headless.Payments;

/// <summary>
/// What follows an authorization outcome, run inside the transaction that records it. Checkout implements it (routing
/// the lines and opening the clinic's next cart, or reopening the cart); Payments knows nothing of carts or pharmacies.
/// The transaction saves twice: first every row it changes (the order, its lines, and what <see cref="ApplyAsync"/>
/// changes), which takes their row locks and gives new rows their keys; then the events and outbox messages, which
/// name those keys. So the event counter (<see cref="Events.EventLog"/>) is taken by the last save only, with every
/// lock the transaction needs already held.
/// </summary>
public interface IAuthorizationOutcomeHandler
{
    /// <summary>
    /// The order and its lines record the outcome (authorized: lines SUBMITTED; declined: PAYMENT_FAILED), not yet saved:
    /// change the rows that follow from it, without appending events; the caller saves them with the order. Returns what
    /// <see cref="Complete"/> needs. <paramref name="known"/> is what the request that created the order carried to here
    /// (<see cref="CreatedOrder.OutcomeState"/>), null when the order was read fresh.
    /// </summary>
    Task<object?> ApplyAsync(HeadlessDbContext db, Order order, object? known, DateTimeOffset now, CancellationToken ct);

    /// <summary>After that save: the events and outbox messages of the reaction, saved by the caller with the order's events.</summary>
    void Complete(HeadlessDbContext db, Order order, object? applied, DateTimeOffset now);
}

/// <summary>
/// An order just created and leased by this request, with what that request read to create it, so that authorizing it
/// right away reads none of it again: the organization (the gateway's customer), the brand's patient external IDs (the
/// line events name patients by them), and whatever the outcome handler needs (checkout's frozen cart).
/// </summary>
public sealed record CreatedOrder(Order Order, Organizations.Organization Organization, IReadOnlyDictionary<long, string?> PatientRefs, object? OutcomeState);
