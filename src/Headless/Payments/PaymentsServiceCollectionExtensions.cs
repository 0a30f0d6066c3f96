using Headless.Payments.Stripe;
using Microsoft.Extensions.Options;

namespace Headless.Payments;

public static class PaymentsServiceCollectionExtensions
{
    /// <summary>The sandbox is always registered; Stripe too. New orders use Stripe when a secret key is configured.</summary>
    public static IServiceCollection AddPayments(this IServiceCollection services)
    {
        services.AddOptions<PaymentOptions>().BindConfiguration(PaymentOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddStripePayments();
        services.AddSingleton<SandboxPaymentGateway>();
        services.AddSingleton<IPaymentGateway>(sp => sp.GetRequiredService<SandboxPaymentGateway>());
        services.AddSingleton<IPaymentGateway>(sp => sp.GetRequiredService<Stripe.StripePaymentGateway>());
        services.AddSingleton(sp => new ActivePaymentGateway(
            sp.GetRequiredService<IOptions<Stripe.StripeOptions>>().Value.Enabled ? "stripe" : "sandbox"));
        services.AddSingleton<PaymentGateways>();
        services.AddSingleton<PaymentSettlement>();
        services.AddSingleton<IPaymentEventSink>(sp => sp.GetRequiredService<PaymentSettlement>());
        services.AddScoped<Outbox.IOutboxHandler, SettleOrderHandler>();
        services.AddSingleton<CaptureSweep>();
        services.AddHostedService(sp => sp.GetRequiredService<CaptureSweep>());
        return services;
    }
}
