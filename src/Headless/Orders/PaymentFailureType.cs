using GraphQL;
using GraphQL.Types;
using Headless.Catalog;
using Headless.Clinics;
using Headless.Data;
using Headless.GraphQL;
using Headless.Orders.Lifecycle;
using Headless.Patients;
using Headless.Prescribers;
using Headless.Shared;
using Microsoft.EntityFrameworkCore;

namespace Headless.Orders;

public sealed class PaymentFailureType : ObjectGraphType<Order>
{
    public PaymentFailureType()
    {
        Name = "PaymentFailure";
        Description = "Why an authorization failed, as the payment gateway said it.";
        Field<NonNullGraphType<StringGraphType>>("code").Description("The gateway's decline code, e.g. card_declined or insufficient_funds.").Resolve(c => c.Source.PaymentFailureCode);
        Field<NonNullGraphType<StringGraphType>>("message").Description("A message safe to show the coordinator.").Resolve(c => c.Source.PaymentFailureMessage);
    }
}
