using Headless.Data;
using Headless.Events;

namespace Headless.Carts;

/// <summary>The cart's entries in the event log.</summary>
public static class CartEvents
{
    /// <summary>cart.changed: the cart's new version, line count and status (ids only: a cart holds PHI, its event does not).</summary>
    public static void Changed(HeadlessDbContext db, Cart cart, int lineCount) =>
        EventLog.Append(db, cart.OrganizationId, EventTypes.CartChanged, new EventSubject(EventSubjectKind.Cart, cart.Id, null, null, cart.ClinicId), null, cart.UpdatedAt, new
        {
            cartId = Headless.GraphQL.GlobalId.Encode("Cart", cart.Id),
            clinicId = Headless.GraphQL.GlobalId.Encode("Clinic", cart.ClinicId),
            version = cart.Version,
            lineCount,
            status = cart.Status,
        });
}
