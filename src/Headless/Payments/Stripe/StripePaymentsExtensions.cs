using Stripe;

namespace Headless.Payments.Stripe;

public static class StripePaymentsExtensions
{
    /// <summary>
    /// Stripe settings (Headless:Payments:Stripe), the <see cref="StripePaymentGateway"/> singleton on an
    /// IHttpClientFactory client, and the webhook endpoint. It does not choose the active
    /// <see cref="IPaymentGateway"/>: the host does, by <see cref="StripeOptions.Enabled"/>.
    /// </summary>
    public static IServiceCollection AddStripePayments(this IServiceCollection services)
    {
        services.AddOptions<StripeOptions>()
            .BindConfiguration(StripeOptions.Section)
            .ValidateDataAnnotations()
            .Validate(o => Uri.TryCreate(o.ApiBase, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttps || uri.Scheme == Uri.UriSchemeHttp), $"{StripeOptions.Section}:ApiBase must be an absolute http(s) URL.")
            .ValidateOnStart();
        services.AddHttpClient(StripePaymentGateway.HttpClientName, c => c.Timeout = SystemNetHttpClient.DefaultHttpTimeout);
        services.AddSingleton<StripePaymentGateway>();
        services.AddSingleton<StripeWebhookEndpoint>();
        return services;
    }

    /// <summary>Maps POST /webhooks/stripe (anonymous: the Stripe-Signature header is the authentication).</summary>
    public static IEndpointRouteBuilder MapStripeWebhooks(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapPost(StripeWebhookEndpoint.Path, context => context.RequestServices.GetRequiredService<StripeWebhookEndpoint>().HandleAsync(context))
            .AllowAnonymous();
        return endpoints;
    }
}
