using System.Net;
using Headless.Data;
using Headless.Tests.Checkout;
using Headless.Tests.Infrastructure;
using Headless.Tests.Partners;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Headless.Tests.Hosting;

/// <summary>
/// A refill day with sentinel patient data (names, date of birth, street, external id, directions) run through every
/// path that logs: patient creation and a refused update, cart edits, validation, checkout, routing, signed partner
/// callbacks (good, duplicate, badly signed, malformed), a clinic cancellation, the audit writer. With every category
/// recorded at Trace, no log entry (message or exception) may contain any sentinel or the API key.
/// </summary>
public abstract class NoPhiInLogsTests(DatabaseProvider provider, PostgresServer? postgres) : ProviderTest(provider, postgres)
{
    private const string First = "Quenlia";
    private const string Last = "Vartanovska";
    private const string Street = "4417 Zanderfield Crescent";
    private const string Birth = "1961-07-23";
    private const string External = "EXT-SENTINEL-93";
    private const string SigSentinel = "Inject 0.3 mg subcutaneously once weekly with the Marigoldia kit";

    private readonly LogRecorder _everything = new(LogLevel.Trace);

    protected override IDictionary<string, string?>? Settings => new Dictionary<string, string?>
    {
        ["Logging:LogLevel:Default"] = "Trace",
        ["Logging:LogLevel:Microsoft"] = "Trace",
        ["Logging:LogLevel:Microsoft.AspNetCore"] = "Trace",
        ["Logging:LogLevel:Microsoft.EntityFrameworkCore"] = "Trace",
        ["Logging:LogLevel:Microsoft.EntityFrameworkCore.Database.Command"] = "Trace",
        ["Logging:LogLevel:System.Net.Http"] = "Trace",
        ["Logging:LogLevel:System.Net.Http.HttpClient"] = "Trace",
    };

    protected override void ConfigureServices(IServiceCollection services) => services.AddSingleton<ILoggerProvider>(_everything);

    [ProviderFact]
    public async Task A_refill_day_with_sentinel_patient_data_writes_none_of_it_to_any_log()
    {
        var f = await CartData.CreateAsync(App, 2);
        var c = f.Tenant.Client;
        var patient = new
        {
            externalId = External,
            firstName = First,
            lastName = Last,
            dateOfBirth = Birth,
            address = new { line1 = Street, city = "Austin", state = "TX", zip = "78702" },
        };
        var sentinel = await TestData.CreateAsync(c, TestData.PatientCreate, "patientCreate", patient);

        // A refused update carries the data too (a bad ZIP).
        var refused = (await c.DataAsync(TestData.PatientUpdate, new { id = sentinel, input = new { firstName = First, address = new { line1 = Street, city = "Austin", state = "TX", zip = "7870" } } })).GetProperty("patientUpdate");
        Assert.NotEmpty(refused.UserErrorCodes());

        var cartId = (await c.DataAsync(CartData.Add, new
        {
            clinicId = f.ClinicId,
            lines = new object[]
            {
                new { patientId = sentinel, offeringId = f.Catalog.SemaEast, quantity = 1, sig = SigSentinel, daysSupply = 28, prescriberId = f.Prescriber, shipTo = new { line1 = Street, city = "Austin", state = "TX", zip = "78702" } },
                CartData.GoodLine(f.Patients[0], f.Prescriber, f.Catalog.SemaWest),
            },
        })).At("cartLinesAdd.cart.id").GetString();
        var version = (await c.DataAsync(CartData.Validate, new { cartId })).At("cartValidate.cart.version").GetInt32();
        var order = (await c.DataAsync(CheckoutTests.Checkout, new { input = new { cartId, expectedVersion = version, paymentMethodId = "pm_card_visa", idempotencyKey = "sentinel-day" } })).At("cartCheckout.order");
        var number = order.GetProperty("number").GetString()!;

        // Partner callbacks on the routed lines: applied, duplicate, badly signed, malformed.
        var secrets = await PartnerCallbacks.GiveSecretsAsync(App, f.Catalog.EastPharmacy, f.Catalog.WestPharmacy);
        using var http = App.CreateClient();
        var east = new OrderLineInfo(order.At("lines.nodes.0.id").GetString()!, $"{number}-01", f.Catalog.EastPharmacy, 0, 0);
        var callbackOrder = new CallbackOrder(f, number, order.GetProperty("id").GetString()!, [east], secrets);
        var body = PartnerCallbacks.Body("line.received", east.Number, App.Clock.GetUtcNow());
        Assert.Equal(HttpStatusCode.OK, (await PartnerCallbacks.PostAsync(http, east.PharmacyId, secrets[east.PharmacyId], body, App.Clock.GetUtcNow())).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await PartnerCallbacks.PostAsync(http, east.PharmacyId, secrets[east.PharmacyId], body, App.Clock.GetUtcNow())).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await PartnerCallbacks.PostAsync(http, east.PharmacyId, secrets[east.PharmacyId], body, App.Clock.GetUtcNow(), signatureHeader: "v1,AAAA")).StatusCode);
        var malformed = $"{{\"id\":\"evt_x\",\"type\":\"line.shipped\",\"lineNumber\":\"{east.Number}\",\"carrier\":\"{First}\\n{Last}\"}}";
        Assert.Equal(HttpStatusCode.BadRequest, (await PartnerCallbacks.PostAsync(http, east.PharmacyId, secrets[east.PharmacyId], malformed, App.Clock.GetUtcNow())).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await PartnerCallbacks.SendAsync(App, http, callbackOrder, east, "line.shipped", App.Clock.GetUtcNow(), new { carrier = "UPS", trackingNumber = "1Z999", trackingUrl = "https://www.ups.com/track?tracknum=1Z999" })).Status);

        // The clinic cancels the other line, and the audit trail is written.
        Assert.Empty((await c.DataAsync("mutation($id: ID!) { orderLineCancel(lineId: $id, reason: \"Patient moved\") { userErrors { code } } }", new { id = order.At("lines.nodes.1.id").GetString() })).GetProperty("orderLineCancel").UserErrorCodes());
        await c.DataAsync("query($id: ID!) { node(id: $id) { ... on Patient { firstName lastName dateOfBirth address { line1 } } } }", new { id = sentinel });
        await App.DrainAuditAsync();

        var entries = _everything.Entries;
        Assert.True(entries.Count > 100, $"Expected a real trace of the day, got {entries.Count} entries.");
        string[] sentinels = [First, Last, Street, Birth, External, "Marigoldia", f.Tenant.ApiKey];
        var leaks = entries
            .SelectMany(e => sentinels.Where(s => e.Message.Contains(s, StringComparison.OrdinalIgnoreCase) || (e.Exception?.ToString().Contains(s, StringComparison.OrdinalIgnoreCase) ?? false)).Select(s => $"{s} in {e.Level} {e.Category}: {e.Message[..Math.Min(200, e.Message.Length)]}"))
            .ToList();
        Assert.Empty(leaks);
    }
}

public sealed class NoPhiInLogsTestsOnSqlite() : NoPhiInLogsTests(DatabaseProvider.Sqlite, null);

[Collection(PostgresCollection.Name)]
public sealed class NoPhiInLogsTestsOnPostgres(PostgresServer postgres) : NoPhiInLogsTests(DatabaseProvider.Postgres, postgres);
