using System.ComponentModel;
using Headless.Shared;

namespace Headless.Carts;

/// <summary>
/// Cart statuses, stored as their <see cref="WireEnum{T}"/> strings. While checking out the cart is frozen, and it
/// comes back as it was if the card declines.
/// </summary>
[Description("Where a cart is in its life.")]
public enum CartStatus
{
    [Description("The clinic's current cart: it can be edited, validated and checked out.")]
    Open,

    [Description("Checkout is authorizing payment: edits wait. The cart returns to OPEN if the payment fails.")]
    CheckingOut,

    [Description("Checked out into an order; it no longer changes.")]
    CheckedOut,
}

/// <summary>
/// A clinic's shared cart. Exactly one is open per clinic: <see cref="OpenClinicId"/> equals the clinic's
/// key while the cart is open and is null afterwards, and a unique index on it lets the database refuse a
/// second open cart however many coordinators race to create one.
/// </summary>
public sealed class Cart : IEntity, ITenantOwned
{
    /// <summary>The most lines one cart may hold.</summary>
    public const int MaxLines = 1000;

    private Cart()
    {
    }

    public Cart(long organizationId, long clinicId, DateTimeOffset now)
    {
        OrganizationId = organizationId;
        ClinicId = clinicId;
        OpenClinicId = clinicId;
        Status = CartStatus.Open;
        Version = 1;
        CreatedAt = now;
        UpdatedAt = now;
    }

    public long Id { get; private set; }

    public long OrganizationId { get; private set; }

    public long ClinicId { get; private set; }

    public long? OpenClinicId { get; private set; }

    public CartStatus Status { get; private set; } = CartStatus.Open;

    /// <summary>Changes with every edit; also the optimistic concurrency token, so two edits never both win.</summary>
    public int Version { get; private set; }

    public DateTimeOffset CreatedAt { get; private set; }

    public DateTimeOffset UpdatedAt { get; private set; }

    public bool IsOpen => Status == CartStatus.Open;

    /// <summary>Records an edit: every change to the cart or its lines goes through here.</summary>
    public void Touch(DateTimeOffset now)
    {
        EnsureOpen();
        Version++;
        UpdatedAt = now;
    }

    public void EnsureOpen()
    {
        if (!IsOpen)
        {
            throw new InvalidOperationException("The cart is no longer open.");
        }
    }

    /// <summary>Freezes the cart while its payment is authorized. It stays the clinic's cart until checkout completes.</summary>
    public void BeginCheckout(DateTimeOffset now)
    {
        EnsureOpen();
        Status = CartStatus.CheckingOut;
        Version++;
        UpdatedAt = now;
    }

    /// <summary>Payment authorized: the cart becomes history and the clinic gets a new one.</summary>
    public void CompleteCheckout(DateTimeOffset now)
    {
        if (Status != CartStatus.CheckingOut)
        {
            throw new InvalidOperationException("The cart is not being checked out.");
        }

        Status = CartStatus.CheckedOut;
        OpenClinicId = null;
        Version++;
        UpdatedAt = now;
    }

    /// <summary>Payment declined: the cart is open again exactly as it was, so the coordinator can retry.</summary>
    public void AbortCheckout(DateTimeOffset now)
    {
        if (Status != CartStatus.CheckingOut)
        {
            throw new InvalidOperationException("The cart is not being checked out.");
        }

        Status = CartStatus.Open;
        Version++;
        UpdatedAt = now;
    }
}
