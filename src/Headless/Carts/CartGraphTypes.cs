using GraphQL;
using GraphQL.Types;
using Headless.Carts.Validation;
using Headless.Catalog;
using Headless.Clinics;
using Headless.Data;
using Headless.GraphQL;
using Headless.Patients;
using Headless.Prescribers;
using Headless.Shared;
using Microsoft.EntityFrameworkCore;

namespace Headless.Carts;

/// <summary>
/// A cart as GraphQL sees it: the cart row and where its contents come from. Every field that needs lines,
/// totals or validation reads them through <see cref="ICartContents"/>, which reads each part at most once.
/// </summary>
public sealed class CartView(Cart cart, ICartContents contents)
{
    public Cart Cart { get; } = cart;

    public ICartContents Contents { get; } = contents;

    /// <summary>A cart read from the database part by part, on the request's services.</summary>
    public static CartView For(IResolveFieldContext context, Cart cart, CartReads.CartHeader? header = null) =>
        new(cart, new CartReads(context.Service<IDbContextFactory<HeadlessDbContext>>(), cart, context.CancellationToken, header));

    /// <summary>A cart already wholly in memory (cartValidate has just read every line): nothing is read again.</summary>
    public static CartView Of(CartSnapshot snapshot) => new(snapshot.Cart, snapshot);

    /// <summary>The cart an edit returns: from what the edit holds in memory when it holds the whole cart, else read part by part.</summary>
    public static CartView? Of(IResolveFieldContext context, CartEditResult result) =>
        result.Cart is not { } cart ? null : result.Contents is { } contents ? new CartView(cart, contents) : For(context, cart);
}

public sealed class CartType : ObjectGraphType<CartView>
{
    public CartType()
    {
        Name = "Cart";
        Description = "A clinic's one open cart, shared by all its coordinators: one line per patient and medication, priced from the catalog and validated as a whole before checkout.";
        Interface<NodeInterface>();
        IsTypeOf = o => o is CartView;
        Field<NonNullGraphType<IdGraphType>>("id").Description("The cart's opaque global ID.").Resolve(c => GlobalId.Encode("Cart", c.Source.Cart.Id));
        Field<NonNullGraphType<IntGraphType>>("version")
            .Description("Changes with every edit. Send it as expectedVersion on edits to detect concurrent changes, and to checkout.")
            .Resolve(c => c.Source.Cart.Version);
        Field<NonNullGraphType<EnumGraphType<CartStatus>>>("status").Description("OPEN while the cart can change.").Resolve(c => c.Source.Cart.Status);
        Field<NonNullGraphType<ClinicType>>("clinic").Description("The clinic the cart belongs to.")
            .ResolveAsync(async c => await c.WithDbAsync(async (db, ct) => (object?)await db.Clinics.AsNoTracking().FirstAsync(x => x.Id == c.Source.Cart.ClinicId, ct)));
        Field<NonNullGraphType<ConnectionType<CartLineType, CartLineView>>>("lines")
            .Description("The cart's lines, oldest first. At most 100 per page; only the requested page is read, priced and given its issues.")
            .PagingArguments()
            .ResolveAsync(async c =>
            {
                var (first, after) = c.ReadPaging();
                var page = await c.Source.Contents.LinesAsync(first, after);
                var summary = await c.Source.Contents.SummaryAsync();
                var edges = page.Lines.Select(l => new Edge<CartLineView>(Paging.EncodeCursor(l.Id), l)).ToList();
                return new Connection<CartLineView>(
                    edges,
                    new PageInfo(page.HasNextPage, after is not null, edges.FirstOrDefault()?.Cursor, edges.LastOrDefault()?.Cursor),
                    summary.LineCount);
            });
        Field<NonNullGraphType<IntGraphType>>("lineCount").Description("How many lines the cart holds.").ResolveAsync(async c => (await c.Source.Contents.SummaryAsync()).LineCount);
        Field<NonNullGraphType<IntGraphType>>("patientCount").Description("How many different patients the lines are for.").ResolveAsync(async c => (await c.Source.Contents.SummaryAsync()).PatientCount);
        Field<NonNullGraphType<CartTotalsType>>("totals").Description("What the whole cart costs: lines plus shipping.").ResolveAsync(async c => await c.Source.Contents.SummaryAsync());
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<PharmacyTotalType>>>>("pharmacyTotals")
            .Description("Totals grouped by pharmacy, by pharmacy name. One entry per partner pharmacy the cart uses.")
            .ResolveAsync(async c => await c.Source.Contents.PharmacyTotalsAsync());
        Field<CartValidationType>("latestValidation")
            .Description("The most recent cartValidate run, or null before the first. Compare its cartVersion with version to know whether it is current.")
            .ResolveAsync(async c => await c.Source.Contents.LatestValidationAsync());
        Field<NonNullGraphType<BooleanGraphType>>("checkoutReady")
            .Description("True when the cart has lines and the latest validation saw this exact version and found no errors.")
            .ResolveAsync(async c =>
            {
                var validation = await c.Source.Contents.LatestValidationAsync();
                return validation is { Current: true, Run.ErrorCount: 0 } && (await c.Source.Contents.SummaryAsync()).LineCount > 0;
            });
        Field<NonNullGraphType<DateTimeScalar>>("createdAt").Description("When the cart was opened.").Resolve(c => c.Source.Cart.CreatedAt);
        Field<NonNullGraphType<DateTimeScalar>>("updatedAt").Description("When the cart last changed.").Resolve(c => c.Source.Cart.UpdatedAt);
    }
}

public sealed class CartTotalsType : ObjectGraphType<CartSummary>
{
    public CartTotalsType()
    {
        Name = "CartTotals";
        Description = "Cart totals, computed by the server from catalog prices.";
        Field<NonNullGraphType<MoneyType>>("subtotal").Description("Sum of line totals (unit price times quantity).").Resolve(c => Money.Usd(c.Source.Subtotal));
        Field<NonNullGraphType<MoneyType>>("shipping").Description("Sum of shipping fees: each pharmacy charges once per shipment (one ship-to address).").Resolve(c => Money.Usd(c.Source.Shipping));
        Field<NonNullGraphType<MoneyType>>("total").Description("Subtotal plus shipping: what checkout will authorize.").Resolve(c => Money.Usd(c.Source.Total));
    }
}

public sealed class PharmacyTotalType : ObjectGraphType<PharmacyTotal>
{
    public PharmacyTotalType()
    {
        Name = "CartPharmacyTotal";
        Description = "One pharmacy's part of a cart.";
        Field<NonNullGraphType<PharmacyType>>("pharmacy").Description("The pharmacy.").Resolve(c => c.Source.Pharmacy);
        Field(x => x.LineCount).Description("Lines routed to this pharmacy.");
        Field(x => x.ShipmentCount).Description("Shipments (distinct ship-to addresses) this pharmacy will send.");
        Field<NonNullGraphType<MoneyType>>("subtotal").Description("Sum of this pharmacy's line totals.").Resolve(c => new Money(c.Source.Subtotal, c.Source.Pharmacy.Currency));
        Field<NonNullGraphType<MoneyType>>("shipping").Description("This pharmacy's shipping fee times its shipments.").Resolve(c => new Money(c.Source.Shipping, c.Source.Pharmacy.Currency));
        Field<NonNullGraphType<MoneyType>>("total").Description("Subtotal plus shipping.").Resolve(c => new Money(c.Source.Total, c.Source.Pharmacy.Currency));
    }
}

public sealed class CartLineType : ObjectGraphType<CartLineView>
{
    public CartLineType()
    {
        Name = "CartLine";
        Description = "One patient's medication in a cart. Quantity, SIG, days supply and prescriber may be empty while the cart is being built; validation reports what is missing.";
        Interface<NodeInterface>();
        IsTypeOf = o => o is CartLineView;
        Field<NonNullGraphType<IdGraphType>>("id").Description("The line's opaque global ID.").Resolve(c => GlobalId.Encode("CartLine", c.Source.Id));
        Field<NonNullGraphType<PatientType>>("patient").Description("Who the medication is for.").Resolve(c => c.Source.Line.Patient);
        Field<NonNullGraphType<ProductType>>("product").Description("The medication.").Resolve(c => c.Source.Line.Offering.Product);
        Field<NonNullGraphType<PharmacyType>>("pharmacy").Description("The pharmacy the line is routed to.").Resolve(c => c.Source.Line.Offering.Pharmacy);
        Field<NonNullGraphType<OfferingType>>("offering").Description("The product at that pharmacy, with its current price and stock.").Resolve(c => c.Source.Line.Offering);
        Field<NonNullGraphType<StringGraphType>>("routingReason").Description("Why this pharmacy: chosen by the coordinator, or by the clinic's routing preference and on what grounds.").Resolve(c => c.Source.Line.RoutingReason);
        Field<IntGraphType>("quantity").Description("Units (vials, packs) to dispense.").Resolve(c => c.Source.Line.Quantity);
        Field<StringGraphType>("sig").Description("Directions for use, e.g. \"Inject 0.25 mg subcutaneously once weekly\".").Resolve(c => c.Source.Line.Sig);
        Field<IntGraphType>("daysSupply").Description("Days the dispensed quantity lasts.").Resolve(c => c.Source.Line.DaysSupply);
        Field<PrescriberType>("prescriber").Description("The prescribing clinician.").Resolve(c => c.Source.Line.Prescriber);
        Field<NonNullGraphType<AddressType>>("shipTo").Description("Where the line ships: the patient's address unless overridden.").Resolve(c => c.Source.Line.ShipTo);
        Field<NonNullGraphType<BooleanGraphType>>("shipToOverridden").Description("True when shipTo is not the patient's own address.").Resolve(c => c.Source.Line.ShipToOverride is not null);
        Field<NonNullGraphType<MoneyType>>("unitPrice").Description("Catalog price per unit at the line's pharmacy.").Resolve(c => new Money(c.Source.Line.Offering.UnitPrice, c.Source.Line.Offering.Currency));
        Field<NonNullGraphType<MoneyType>>("lineTotal").Description("Unit price times quantity (zero while quantity is empty).").Resolve(c => new Money(c.Source.Priced.LineTotal, c.Source.Line.Offering.Currency));
        Field<NonNullGraphType<MoneyType>>("shippingShare").Description("This line's share of its shipment's fee: the pharmacy's fee split evenly over the lines going to the same address.").Resolve(c => new Money(c.Source.Priced.ShippingShare, c.Source.Line.Offering.Currency));
        Field<NonNullGraphType<MoneyType>>("landedCost").Description("Line total plus shipping share.").Resolve(c => new Money(c.Source.Priced.LandedCost, c.Source.Line.Offering.Currency));
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<CartIssueType>>>>("issues")
            .Description("What the cart's latest validation found on this line (empty before the first validation). Check the cart's latestValidation.current.")
            .Resolve(c => c.Source.Issues);
        Field<StringGraphType>("resubmitsLineNumber").Description("When this line is a corrected copy of a rejected order line, that line's number (e.g. HX-10042-03).").Resolve(c => c.Source.Line.ResubmitsLineNumber);
        Field<NonNullGraphType<DateTimeScalar>>("createdAt").Description("When the line was added.").Resolve(c => c.Source.Line.CreatedAt);
        Field<NonNullGraphType<DateTimeScalar>>("updatedAt").Description("When the line last changed.").Resolve(c => c.Source.Line.UpdatedAt);
    }
}
