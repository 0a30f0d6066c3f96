using Headless.Carts.Validation;

namespace Headless.Carts;

/// <summary>What a whole cart adds up to.</summary>
public sealed record CartSummary(int LineCount, int PatientCount, long Subtotal, long Shipping, IReadOnlyList<PharmacySubtotal> Pharmacies)
{
    public long Total => checked(Subtotal + Shipping);

    public static readonly CartSummary Empty = new(0, 0, 0, 0, []);
}

/// <summary>One pharmacy's part of a cart, before its catalog row is read.</summary>
public sealed record PharmacySubtotal(long PharmacyId, int LineCount, int ShipmentCount, long Subtotal, long Shipping);

/// <summary>One page of a cart's lines, oldest first, priced and with their issues.</summary>
public sealed record CartLinePage(IReadOnlyList<CartLineView> Lines, bool HasNextPage);

/// <summary>A line with its prices and what the cart's latest validation found on it.</summary>
public sealed record CartLineView(PricedLine Priced, IReadOnlyList<CartIssue> Issues) : Shared.IEntity
{
    public long Id => Priced.Line.Id;

    public CartLine Line => Priced.Line;
}

/// <summary>
/// What a cart's GraphQL fields read, each part only when a query asks for it. Two sources: the database
/// (<see cref="CartReads"/>: aggregates and one page of lines, so reading a cart does not load all of it), and a
/// cart already in memory (<see cref="CartSnapshot"/>: cartValidate has just read every line).
/// </summary>
public interface ICartContents
{
    Task<CartSummary> SummaryAsync();

    Task<IReadOnlyList<PharmacyTotal>> PharmacyTotalsAsync();

    Task<CartValidationView?> LatestValidationAsync();

    Task<CartLinePage> LinesAsync(int first, long? after);
}
