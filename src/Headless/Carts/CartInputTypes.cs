using GraphQL.Types;
using Headless.Carts.Validation;
using Headless.GraphQL;
using Headless.Shared;

namespace Headless.Carts;

public sealed class CartLineInputType : InputObjectGraphType<CartLineInput>
{
    public CartLineInputType()
    {
        Name = "CartLineInput";
        Description = "A line to add. Give a patient and either an offering, or a product (with an optional pharmacy; without one the clinic's routing preference picks it). Prices always come from the catalog.";
        Field<IdGraphType>("patientId").Description("The patient the medication is for (required).");
        Field<IdGraphType>("offeringId").Description("A catalog offering: the product at a chosen pharmacy.");
        Field<IdGraphType>("productId").Description("A product; used when offeringId is not given.");
        Field<IdGraphType>("pharmacyId").Description("With productId: the pharmacy to order from. Leave it out to route by the clinic's preference.");
        Field(x => x.Quantity, nullable: true).Description("Units to dispense, at least 1. Adding a line whose patient, product and pharmacy match an existing line adds to its quantity.");
        Field(x => x.Sig, nullable: true).Description("Directions for use, at most 1000 characters.");
        Field(x => x.DaysSupply, nullable: true).Description("Days the quantity lasts, at least 1.");
        Field<IdGraphType>("prescriberId").Description("The prescribing clinician.");
        Field<AddressInputType>("shipTo").Description("Ship somewhere other than the patient's address. Kept as typed; validation reports a malformed address.");
    }
}

public sealed class CartLineUpdateInputType : InputObjectGraphType<CartLineUpdateInput>
{
    public CartLineUpdateInputType()
    {
        Name = "CartLineUpdateInput";
        Description = "Changes to one cart line. Fields left out stay as they are.";
        Field<IdGraphType>("lineId").Description("The cart line to change. Required by cartLinesUpdate; ignored by orderLineResubmit.");
        Field<IdGraphType>("offeringId").Description("Another offering of the same product (another pharmacy).");
        Field<IdGraphType>("pharmacyId").Description("Another pharmacy for the same product.");
        Field(x => x.Quantity, nullable: true).Description("Units to dispense, at least 1.");
        Field(x => x.Sig, nullable: true).Description("Directions for use, at most 1000 characters.");
        Field(x => x.DaysSupply, nullable: true).Description("Days the quantity lasts, at least 1.");
        Field<IdGraphType>("prescriberId").Description("The prescribing clinician.");
        Field<AddressInputType>("shipTo").Description("A ship-to other than the patient's address.");
        Field(x => x.ShipToPatientAddress, nullable: true).Description("True to ship to the patient's own address again.");
    }
}

/// <summary>Result of a cart edit.</summary>
public sealed record CartPayload(CartView? Cart, IReadOnlyList<UserError> UserErrors);

public sealed class CartPayloadType : ObjectGraphType<CartPayload>
{
    public CartPayloadType()
    {
        Name = "CartPayload";
        Description = "The result of a cart edit. When userErrors is not empty nothing changed, and cart is null.";
        Field<CartType>("cart").Description("The cart after the edit.").Resolve(c => c.Source.Cart);
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<UserErrorType>>>>("userErrors")
            .Description("Every problem with the input; a line's problems carry its index in field, e.g. [\"lines\", \"3\", \"patientId\"].")
            .Resolve(c => c.Source.UserErrors);
    }
}

/// <summary>Result of cartValidate.</summary>
public sealed record CartValidatePayload(CartView? Cart, CartValidationView? Validation, IReadOnlyList<UserError> UserErrors);

public sealed class CartValidatePayloadType : ObjectGraphType<CartValidatePayload>
{
    public CartValidatePayloadType()
    {
        Name = "CartValidatePayload";
        Description = "The result of validating a cart.";
        Field<CartType>("cart").Description("The cart that was validated; each line lists its issues.").Resolve(c => c.Source.Cart);
        Field<CartValidationType>("validation").Description("This validation run.").Resolve(c => c.Source.Validation);
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<UserErrorType>>>>("userErrors")
            .Description("Why the cart could not be validated (unknown or closed cart). Rule findings are issues, not userErrors.")
            .Resolve(c => c.Source.UserErrors);
    }
}
