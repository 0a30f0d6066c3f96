using Headless.Payments;
using Headless.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Headless.Tests.Checkout;

/// <summary>A checkout that dies between the authorization and recording it: the retry finishes it, once.</summary>
public sealed class CheckoutCrashTests
{
    [Fact]
    public async Task A_retry_after_a_crash_between_authorization_and_commit_yields_one_order_and_one_payment_intent()
    {
        var gateway = new CrashOnceGateway();
        await using var app = HeadlessApp.Sqlite(services: s =>
        {
            s.AddSingleton<IPaymentGateway>(sp => gateway.Wrap(sp.GetRequiredService<SandboxPaymentGateway>()));
            s.AddSingleton(new ActivePaymentGateway(CrashOnceGateway.GatewayName));
        });
        var f = await CartData.CreateAsync(app, 2);
        var c = f.Tenant.Client;
        var lines = f.Patients.Select(p => CartData.GoodLine(p, f.Prescriber, f.Catalog.SemaEast)).ToArray();
        var cartId = (await c.DataAsync(CartData.Add, new { clinicId = f.ClinicId, lines })).At("cartLinesAdd.cart.id").GetString();
        var version = (await c.DataAsync(CartData.Validate, new { cartId })).At("cartValidate.cart.version").GetInt32();
        var input = new { cartId, expectedVersion = version, paymentMethodId = "pm_card_visa", idempotencyKey = "crash-key" };

        var crashed = await c.PostAsync(CheckoutTests.Checkout, new { input });
        Assert.True(crashed.HasErrors);
        Assert.Equal(1, gateway.Authorizations);

        // The dead request's lease lapses; the client retries with the same key.
        app.Clock.Advance(TimeSpan.FromMinutes(1));
        var retried = (await c.DataAsync(CheckoutTests.Checkout, new { input })).GetProperty("cartCheckout");

        Assert.Empty(retried.UserErrorCodes());
        Assert.Equal("SUBMITTED", retried.At("order.status").GetString());
        Assert.Equal(2, gateway.Authorizations);
        Assert.Equal(1, app.Services.GetRequiredService<SandboxPaymentGateway>().IntentCount);
        await using var db = app.Database.CreatePlatformContext();
        Assert.Equal(1, await db.Orders.IgnoreQueryFilters().CountAsync(o => o.OrganizationId == f.Tenant.OrganizationId));
    }

    /// <summary>Passes calls to the sandbox, but throws after the first authorization succeeded, like a process dying.</summary>
    private sealed class CrashOnceGateway
    {
        public const string GatewayName = "crash-once";
        private int _authorizations;

        public int Authorizations => _authorizations;

        public IPaymentGateway Wrap(SandboxPaymentGateway inner) => new Wrapper(this, inner);

        private sealed class Wrapper(CrashOnceGateway owner, SandboxPaymentGateway inner) : IPaymentGateway
        {
            public string Name => GatewayName;

            public async Task<AuthorizationResult> AuthorizeAsync(AuthorizationRequest request, CancellationToken ct)
            {
                var result = await inner.AuthorizeAsync(request, ct);
                if (Interlocked.Increment(ref owner._authorizations) == 1)
                {
                    throw new HttpRequestException("Connection reset after the gateway answered.");
                }

                return result;
            }

            public Task<GatewayResult> CaptureAsync(CaptureRequest request, CancellationToken ct) => inner.CaptureAsync(request, ct);

            public Task<GatewayResult> CancelAsync(CancelRequest request, CancellationToken ct) => inner.CancelAsync(request, ct);

            public Task<RefundResult> RefundAsync(RefundRequest request, CancellationToken ct) => inner.RefundAsync(request, ct);
        }
    }
}
