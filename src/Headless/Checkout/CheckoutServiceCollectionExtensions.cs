using Headless.GraphQL;

namespace Headless.Checkout;

public static class CheckoutServiceCollectionExtensions
{
    public static IServiceCollection AddCheckout(this IServiceCollection services)
    {
        services.AddScoped<CheckoutService>();
        services.AddSingleton<Payments.IAuthorizationOutcomeHandler, CheckoutCompletion>();
        services.AddSingleton<ISchemaContribution, CheckoutSchema>();
        return services;
    }
}
