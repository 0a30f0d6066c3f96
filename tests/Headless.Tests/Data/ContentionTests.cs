using System.Net;
using System.Text.Json;
using Headless.Data;
using Headless.GraphQL;
using Headless.Payments;
using Headless.Tests.Checkout;
using Headless.Tests.Infrastructure;
using Headless.Tests.Partners;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Headless.Tests.Data;

/// <summary>
/// Contention a coordinator or pharmacy can cause (a deadlock, a locked database, a lost optimistic race) is
/// retried inside the request; a short burst is invisible, and only contention that outlasts the retry budget
/// reaches the client, as BUSY_RETRY with nothing changed (or 503 for a partner callback), never as an
/// internal error.
/// </summary>
public abstract class ContentionTests(DatabaseProvider provider, PostgresServer? postgres) : ProviderTest(provider, postgres)
{
    private readonly DatabaseFaults _faults = new();
    private CartFixture _f = null!;

    private GraphQLClient C => _f.Tenant.Client;

    protected override void ConfigureServices(IServiceCollection services) =>
        services.AddSingleton<Microsoft.EntityFrameworkCore.Diagnostics.IInterceptor>(_faults);

    protected override async Task InitializeAppAsync() => _f = await CartData.CreateAsync(App, 6);

    [ProviderFact]
    public async Task A_short_burst_of_contention_on_a_cart_edit_is_retried_invisibly()
    {
        _faults.WritesToFail = 3;
        var payload = (await C.DataAsync(CartData.Add, new { clinicId = _f.ClinicId, lines = new[] { CartData.GoodLine(_f.Patients[0], _f.Prescriber, _f.Catalog.SemaEast) } })).GetProperty("cartLinesAdd");

        Assert.Empty(payload.UserErrorCodes());
        Assert.Equal(1, payload.At("cart.lineCount").GetInt32());
        Assert.Equal(3, _faults.Failed);
        Assert.Empty(App.Logs.Errors);
    }

    [ProviderFact]
    public async Task Contention_that_outlasts_the_retries_answers_BUSY_RETRY_on_a_cart_edit_and_changes_nothing()
    {
        var cartId = (await C.DataAsync(CartData.Read, new { clinicId = _f.ClinicId })).At("cart.id").GetString();
        _faults.WritesToFail = int.MaxValue;
        var response = await C.PostAsync(CartData.Add, new { clinicId = _f.ClinicId, lines = new[] { CartData.GoodLine(_f.Patients[0], _f.Prescriber, _f.Catalog.SemaEast) } });
        _faults.WritesToFail = 0;

        Assert.Equal(HttpStatusCode.OK, response.Status);
        Assert.False(response.HasErrors, response.Raw);
        var payload = response.Data.GetProperty("cartLinesAdd");
        Assert.Equal(["BUSY_RETRY"], payload.UserErrorCodes());
        Assert.Equal(JsonValueKind.Null, payload.GetProperty("cart").ValueKind);
        Assert.Equal(Contention.MaxAttempts, _faults.Failed);
        var cart = (await C.DataAsync(CartData.Read, new { clinicId = _f.ClinicId })).GetProperty("cart");
        Assert.Equal(cartId, cart.GetProperty("id").GetString());
        Assert.Equal(0, cart.GetProperty("lineCount").GetInt32());
        Assert.Empty(App.Logs.Errors);
    }

    [ProviderFact]
    public async Task A_checkout_that_stays_contended_answers_BUSY_RETRY_and_the_same_key_then_checks_out_once()
    {
        var lines = _f.Patients.Take(4).Select(p => CartData.GoodLine(p, _f.Prescriber, _f.Catalog.SemaEast)).ToArray();
        var cartId = (await C.DataAsync(CartData.Add, new { clinicId = _f.ClinicId, lines })).At("cartLinesAdd.cart.id").GetString()!;
        var version = (await C.DataAsync(CartData.Validate, new { cartId })).At("cartValidate.cart.version").GetInt32();
        var stock = await StockAsync();
        var input = new { input = new { cartId, expectedVersion = version, paymentMethodId = "pm_card_visa", idempotencyKey = "busy-friday" } };

        _faults.WritesToFail = int.MaxValue;
        var busy = await C.PostAsync(CheckoutTests.Checkout, input);
        _faults.WritesToFail = 0;

        Assert.Equal(HttpStatusCode.OK, busy.Status);
        Assert.False(busy.HasErrors, busy.Raw);
        Assert.Equal(["BUSY_RETRY"], busy.Data.GetProperty("cartCheckout").UserErrorCodes());
        Assert.Equal(JsonValueKind.Null, busy.Data.At("cartCheckout.order").ValueKind);
        Assert.Equal(stock, await StockAsync());
        await using (var db = App.Database.CreatePlatformContext())
        {
            Assert.Equal(0, await db.Orders.IgnoreQueryFilters().CountAsync());
        }

        var paid = (await C.DataAsync(CheckoutTests.Checkout, input)).GetProperty("cartCheckout");
        Assert.Empty(paid.UserErrorCodes());
        Assert.Equal("SUBMITTED", paid.At("order.status").GetString());
        Assert.Equal(stock - 4, await StockAsync());
        Assert.Equal(1, App.Services.GetRequiredService<SandboxPaymentGateway>().IntentCount);
        Assert.Empty(App.Logs.Errors);
    }

    [ProviderFact]
    public async Task A_contended_cancellation_answers_BUSY_RETRY_and_a_contended_partner_callback_503()
    {
        var order = await PartnerCallbacks.CheckoutAsync(App, _f, [_f.Catalog.SemaEast, _f.Catalog.SemaWest], "busy-lines");
        using var http = App.CreateClient();

        _faults.WritesToFail = int.MaxValue;
        var cancel = await C.PostAsync("mutation($id: ID!) { orderLineCancel(lineId: $id) { line { status } userErrors { code field } } }", new { id = order.Lines[0].Id });
        var (status, _) = await PartnerCallbacks.SendAsync(App, http, order, order.Lines[1], "line.received", App.Clock.GetUtcNow());
        _faults.WritesToFail = 0;

        Assert.False(cancel.HasErrors, cancel.Raw);
        Assert.Equal(["BUSY_RETRY"], cancel.Data.GetProperty("orderLineCancel").UserErrorCodes());
        Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
        var lines = (await PartnerCallbacks.ReadOrderAsync(C, order.Number)).At("lines.nodes").EnumerateArray().Select(l => l.GetProperty("status").GetString()).ToList();
        Assert.Equal(["SUBMITTED", "SUBMITTED"], lines);

        // Once the database calms down the same requests apply.
        Assert.Empty((await C.DataAsync("mutation($id: ID!) { orderLineCancel(lineId: $id) { userErrors { code } } }", new { id = order.Lines[0].Id })).GetProperty("orderLineCancel").UserErrorCodes());
        Assert.Equal(HttpStatusCode.OK, (await PartnerCallbacks.SendAsync(App, http, order, order.Lines[1], "line.received", App.Clock.GetUtcNow())).Status);
        Assert.Empty(App.Logs.Errors);
    }

    private async Task<int> StockAsync()
    {
        GlobalId.TryDecode(_f.Catalog.SemaEast, "Offering", out var id);
        await using var db = App.Database.CreatePlatformContext();
        return (await db.Offerings.AsNoTracking().SingleAsync(o => o.Id == id)).Stock;
    }
}

public sealed class ContentionTestsOnSqlite() : ContentionTests(DatabaseProvider.Sqlite, null);

[Collection(PostgresCollection.Name)]
public sealed class ContentionTestsOnPostgres(PostgresServer postgres) : ContentionTests(DatabaseProvider.Postgres, postgres);
