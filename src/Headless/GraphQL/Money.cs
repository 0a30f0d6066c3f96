using GraphQL.Types;
using Headless.Shared;

namespace Headless.GraphQL;

/// <summary>Money as minor units plus currency.</summary>
public sealed class MoneyType : ObjectGraphType<Money>
{
    public MoneyType()
    {
        Name = "Money";
        Description = "An amount of money: integer minor units (cents) and an ISO 4217 currency code. Amounts are always computed by the server.";
        Field<NonNullGraphType<MinorUnitsScalar>>("amount").Description("The amount in minor units, e.g. 12500 for $125.00.").Resolve(c => c.Source.Amount);
        Field<NonNullGraphType<StringGraphType>>("currencyCode").Description("ISO 4217 currency code, e.g. USD.").Resolve(c => c.Source.CurrencyCode);
    }
}
