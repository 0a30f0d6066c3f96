using GraphQL;
using GraphQL.Types;
using Headless.Carts;
using Headless.Carts.Validation;
using Headless.GraphQL;
using Headless.Orders;

namespace Headless.Checkout;

public sealed class CartCheckoutInputType : InputObjectGraphType<CartCheckoutInput>
{
    public CartCheckoutInputType()
    {
        Name = "CartCheckoutInput";
        Description = "Checks out a validated cart with one payment.";
        Field<NonNullGraphType<IdGraphType>>("cartId").Description("The cart to check out.");
        Field<NonNullGraphType<IntGraphType>>("expectedVersion").Description("The cart version the coordinator validated and reviewed. Checkout refuses if the cart changed since.");
        Field<NonNullGraphType<StringGraphType>>("paymentMethodId").Description("The card to charge: a Stripe PaymentMethod ID (pm_...). In the sandbox: pm_card_visa succeeds, pm_card_chargeDeclined and pm_card_insufficientFunds decline.");
        Field<NonNullGraphType<StringGraphType>>("idempotencyKey").Description("A key of your choosing (1-200 characters), the same on every retry of this checkout: a retry returns the same order and never charges twice.");
    }
}

/// <summary>Result of cartCheckout.</summary>
public sealed record CartCheckoutPayload(Order? Order, CartView? Cart, CartValidationView? Validation, IReadOnlyList<UserError> UserErrors);

public sealed class CartCheckoutPayloadType : ObjectGraphType<CartCheckoutPayload>
{
    public CartCheckoutPayloadType()
    {
        Name = "CartCheckoutPayload";
        Description = "The result of a checkout. On success, the order and the clinic's new empty cart. On a declined card, the order as PAYMENT_FAILED with its reason and the cart open again, unchanged. When refused, the reasons and nothing else changed.";
        Field<OrderType>("order").Description("The order; also present when the payment failed (status PAYMENT_FAILED).").Resolve(c => c.Source.Order);
        Field<CartType>("cart").Description("The clinic's open cart after the checkout: a new empty one on success, the same one otherwise.").Resolve(c => c.Source.Cart);
        Field<CartValidationType>("validation").Description("When checkout refused because of errors, the validation it ran; the issues are also on the cart's lines.").Resolve(c => c.Source.Validation);
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<UserErrorType>>>>("userErrors").Description("Why checkout refused or the payment failed.").Resolve(c => c.Source.UserErrors);
    }
}

internal sealed class CheckoutSchema : ISchemaContribution
{
    public void AddMutationFields(ObjectGraphType mutation) =>
        mutation.Field<NonNullGraphType<CartCheckoutPayloadType>>("cartCheckout")
            .Description("Checks out the whole cart with one payment: re-validates it at expectedVersion, creates the order with a number per line, reserves stock and authorizes the total (captured later, for the lines the pharmacies accept). Safe to retry with the same idempotencyKey.")
            .Argument<NonNullGraphType<CartCheckoutInputType>>("input", "What to check out and how to pay.")
            .ResolveAsync(async ctx =>
            {
                var result = await ctx.Service<CheckoutService>().CheckoutAsync(ctx.GetArgument<CartCheckoutInput>("input"), ctx.CancellationToken);
                if (result is { Order: { } order, OrderContents: var (clinic, lines) })
                {
                    ctx.Service<OrderPageBatch>().AddKnown(order, clinic, lines);
                }

                return new CartCheckoutPayload(
                    result.Order,
                    result.Cart is null ? null : result.CartContents is { } contents ? new CartView(result.Cart, contents) : CartView.For(ctx, result.Cart),
                    result.Validation is null ? null : new CartValidationView(result.Validation, result.Cart?.Version ?? result.Validation.CartVersion),
                    result.UserErrors);
            });
}
