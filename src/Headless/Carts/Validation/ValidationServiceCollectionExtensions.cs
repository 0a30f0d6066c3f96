namespace Headless.Carts.Validation;

public static class ValidationServiceCollectionExtensions
{
    public static IServiceCollection AddCartValidation(this IServiceCollection services)
    {
        services.AddOptions<ValidationOptions>().BindConfiguration(ValidationOptions.Section);
        services.AddScoped<CartValidator>();
        return services;
    }
}
