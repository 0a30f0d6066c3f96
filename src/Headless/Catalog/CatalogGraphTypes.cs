using GraphQL.Types;
using Headless.GraphQL;
using Headless.Shared;

namespace Headless.Catalog;

public sealed class PharmacyType : NodeGraphType<Pharmacy>
{
    public PharmacyType()
        : base("Pharmacy", "A 503A partner pharmacy that compounds and ships orders.")
    {
        Field(x => x.Name).Description("The pharmacy's name.");
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<StringGraphType>>>>("shipsToStates")
            .Description("Two-letter codes of the states the pharmacy is licensed to ship into, in alphabetical order.")
            .Resolve(c => c.Source.ShipsTo.Select(s => s.State));
        Field(x => x.TurnaroundDays).Description("Business days the pharmacy commits to between receiving an order and shipping it.");
        Field<NonNullGraphType<MoneyType>>("shippingFee").Description("Flat fee per shipment; split across the lines of one shipment as landed cost.")
            .Resolve(c => new Money(c.Source.ShippingFee, c.Source.Currency));
    }
}

public sealed class ProductType : NodeGraphType<Product>
{
    public ProductType()
        : base("Product", "A compounded medication: name, strength and dosage form.")
    {
        Field(x => x.Name).Description("Medication name, e.g. Semaglutide.");
        Field(x => x.Strength).Description("Strength, e.g. 2.5 mg/mL.");
        Field(x => x.Form).Description("Dosage form and package, e.g. 2 mL vial.");
        Field(x => x.ControlledSchedule, nullable: true).Description("DEA schedule (II, III, IV or V) when the product is a controlled substance; null otherwise.");
        Field(x => x.Discontinued).Description("True when the product can no longer be ordered from any pharmacy.");
    }
}

public sealed class OfferingType : NodeGraphType<Offering>
{
    public OfferingType()
        : base("Offering", "A product as sold by one pharmacy, with its price, stock and quantity limit.")
    {
        Field<NonNullGraphType<ProductType>>("product").Description("The medication.").Resolve(c => c.Source.Product);
        Field<NonNullGraphType<PharmacyType>>("pharmacy").Description("The pharmacy that compounds and ships it.").Resolve(c => c.Source.Pharmacy);
        Field<NonNullGraphType<MoneyType>>("unitPrice").Description("Price per unit (vial or pack), passed through from the pharmacy.")
            .Resolve(c => new Money(c.Source.UnitPrice, c.Source.Currency));
        Field(x => x.Stock).Description("Units available to order now.");
        Field(x => x.MaxQuantity).Description("The most units a single cart line may order.");
        Field(x => x.Active).Description("False when the pharmacy has paused this offering.");
        Field<NonNullGraphType<BooleanGraphType>>("available").Description("True when the offering is active, its product is not discontinued, and stock is above zero.")
            .Resolve(c => c.Source.IsAvailable && c.Source.Stock > 0);
    }
}
