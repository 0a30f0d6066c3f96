using Headless.Audit;
using Headless.Auth;
using Headless.Carts;
using Headless.Carts.Validation;
using Headless.Catalog;
using Headless.Checkout;
using Headless.Clinics;
using Headless.Data;
using Headless.Demo;
using Headless.Events;
using Headless.Fulfillment;
using Headless.GraphQL;
using Headless.Operations;
using Headless.Orders;
using Headless.Organizations;
using Headless.Outbox;
using Headless.Partners;
using Headless.Patients;
using Headless.Payments;
using Headless.Payments.Stripe;
using Headless.Prescribers;
using Headless.Quickfills;
using Headless.RateLimiting;
using Headless.Secrets;
using Headless.Support;
using Headless.Telemetry;
using Headless.Tracking;
using Headless.Transport;
using Headless.Webhooks;

namespace Headless.Hosting;

public static class HeadlessServiceCollectionExtensions
{
    /// <summary>Registers every capability. Each capability owns one AddXxx() extension.</summary>
    public static IServiceCollection AddHeadless(this IServiceCollection services)
    {
        services.AddSingleton(TimeProvider.System);

        // First of the hosted services (they start in order): the schema is migrated before any other starts, e.g. Data
        // Protection's own, which loads the key ring from its table.
        services.AddHostedService<DatabaseStartup>();
        services.AddTelemetry();
        services.AddHttpSecurity();
        services.AddCrossOriginPolicy();
        services.AddHostedService<DatabaseTlsWarning>();
        services.AddHeadlessRateLimits();
        services.AddData();
        services.AddSecrets();
        services.AddHeadlessAuth();
        services.AddHeadlessGraphQL();
        services.AddTransport();
        services.AddAudit();
        services.AddOrganizations();
        services.AddClinics();
        services.AddPrescribers();
        services.AddPatients();
        services.AddCatalog();
        services.AddCarts();
        services.AddCartValidation();
        services.AddQuickfills();
        services.AddPayments();
        services.AddOrders();
        services.AddCheckout();
        services.AddFulfillment();
        services.AddOutbox();
        services.AddEvents();
        services.AddPartnerEvents();
        services.AddSupport();
        services.AddWebhooks();
        services.AddOperations();
        services.AddTracking();
        services.AddDemo();
        return services;
    }

    /// <summary>Maps the HTTP surface: GraphQL and health, behind the security layer and the request limits (README "Security").</summary>
    public static WebApplication MapHeadless(this WebApplication app)
    {
        app.UseHttpSecurity();
        app.UseCrossOriginPolicy();
        app.UseFailedAuthenticationThrottle();
        app.UseAuthentication();
        app.UseRateLimiter();
        app.UseWebSockets();
        app.MapGraphQLHttp("/graphql");
        app.MapStripeWebhooks();
        app.MapPartnerEvents();
        app.MapTracking();
        app.MapHealthChecks("/health/live", new() { Predicate = _ => false });
        app.MapHealthChecks("/health/ready", new() { Predicate = c => c.Tags.Contains("ready") });
        return app;
    }
}
