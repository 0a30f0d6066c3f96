namespace Headless.Shared;

/// <summary>An amount in integer minor units (cents) with its ISO 4217 currency code.</summary>
public sealed record Money(long Amount, string CurrencyCode)
{
    public const string DefaultCurrency = "USD";

    public static Money Usd(long amount) => new(amount, DefaultCurrency);
}
