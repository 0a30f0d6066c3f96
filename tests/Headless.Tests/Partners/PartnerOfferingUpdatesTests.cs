using System.Globalization;
using System.Net;
using System.Text.Json;
using Headless.Data;
using Headless.GraphQL;
using Headless.Partners;
using Headless.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using static Headless.Tests.Partners.PartnerCallbacks;

namespace Headless.Tests.Partners;

/// <summary>offering.updated: a pharmacy's signed stock and price for its own offerings, once per event id, newest first.</summary>
public abstract class PartnerOfferingUpdatesTests(DatabaseProvider provider, PostgresServer? postgres) : ProviderTest(provider, postgres)
{
    private CartFixture _f = null!;
    private HttpClient _http = null!;
    private Dictionary<string, string> _secrets = null!;

    protected override async Task InitializeAppAsync()
    {
        _f = await CartData.CreateAsync(App, 4);
        _http = App.CreateClient();
        _secrets = await GiveSecretsAsync(App, _f.Catalog.EastPharmacy, _f.Catalog.WestPharmacy);
    }

    private DateTimeOffset Now => App.Clock.GetUtcNow();

    public static string UpdateBody(string offeringId, DateTimeOffset occurredAt, object figures, string? id = null)
    {
        var node = JsonSerializer.SerializeToNode(figures)!.AsObject();
        node["id"] = id ?? "evt_" + Guid.NewGuid().ToString("N");
        node["type"] = "offering.updated";
        node["occurredAt"] = occurredAt.UtcDateTime.ToString("O", CultureInfo.InvariantCulture);
        node["offeringId"] = offeringId;
        return node.ToJsonString();
    }

    private async Task<(HttpStatusCode Status, JsonElement Body)> SendAsync(string pharmacyId, string body, string? secret = null)
    {
        using var response = await PostAsync(_http, pharmacyId, secret ?? _secrets[pharmacyId], body, Now);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, JsonDocument.Parse(text).RootElement.Clone());
    }

    private async Task<(int Stock, long Price, int Max, bool Active)> FiguresAsync(string offeringId)
    {
        GlobalId.TryDecode(offeringId, "Offering", out var id);
        await using var db = App.Database.CreatePlatformContext();
        var o = await db.Offerings.AsNoTracking().SingleAsync(x => x.Id == id);
        return (o.Stock, o.UnitPrice, o.MaxQuantity, o.Active);
    }

    private async Task<int> RecordedAsync()
    {
        await using var db = App.Database.CreatePlatformContext();
        return await db.Set<PartnerEventRecord>().CountAsync(r => r.Type == "offering.updated");
    }

    [ProviderFact]
    public async Task An_update_applies_once_and_a_late_older_one_never_overwrites_it()
    {
        var offering = _f.Catalog.SemaEast;
        var body = UpdateBody(offering, Now, new { stock = 3, unitPrice = 20000L, maxQuantity = 2, active = true });

        var (status, answer) = await SendAsync(_f.Catalog.EastPharmacy, body);
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.False(answer.GetProperty("duplicate").GetBoolean());
        Assert.True(answer.GetProperty("changed").GetBoolean());
        Assert.Equal(3, answer.GetProperty("stock").GetInt32());
        Assert.Equal(20000, answer.GetProperty("unitPrice").GetInt64());
        Assert.Equal((3, 20000L, 2, true), await FiguresAsync(offering));

        // The same event again, even after the stock moved: nothing changes twice.
        await using (var db = App.Database.CreatePlatformContext())
        {
            GlobalId.TryDecode(offering, "Offering", out var key);
            await db.Offerings.Where(o => o.Id == key).ExecuteUpdateAsync(s => s.SetProperty(o => o.Stock, 2));
        }

        (status, answer) = await SendAsync(_f.Catalog.EastPharmacy, body);
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.True(answer.GetProperty("duplicate").GetBoolean());
        Assert.Equal((2, 20000L, 2, true), await FiguresAsync(offering));
        Assert.Equal(1, await RecordedAsync());

        // An older update delivered late is acknowledged and ignored; a newer one applies; a tie goes to the greater id.
        (status, answer) = await SendAsync(_f.Catalog.EastPharmacy, UpdateBody(offering, Now.AddMinutes(-1), new { stock = 50, unitPrice = 1L }));
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.False(answer.GetProperty("changed").GetBoolean());
        Assert.Equal((2, 20000L, 2, true), await FiguresAsync(offering));

        var later = Now.AddMinutes(1);
        (_, answer) = await SendAsync(_f.Catalog.EastPharmacy, UpdateBody(offering, later, new { unitPrice = 21000L }, "evt_b"));
        Assert.True(answer.GetProperty("changed").GetBoolean());
        (_, answer) = await SendAsync(_f.Catalog.EastPharmacy, UpdateBody(offering, later, new { unitPrice = 22000L }, "evt_a"));
        Assert.False(answer.GetProperty("changed").GetBoolean());
        Assert.Equal((2, 21000L, 2, true), await FiguresAsync(offering));
        Assert.Equal(4, await RecordedAsync());
    }

    [ProviderFact]
    public async Task Another_pharmacys_offering_or_an_unknown_one_is_404_and_a_bad_signature_401()
    {
        var before = await FiguresAsync(_f.Catalog.SemaWest);

        var (status, answer) = await SendAsync(_f.Catalog.EastPharmacy, UpdateBody(_f.Catalog.SemaWest, Now, new { stock = 0 }));
        Assert.Equal(HttpStatusCode.NotFound, status);
        Assert.Equal("No such offering.", answer.GetProperty("error").GetString());

        (status, _) = await SendAsync(_f.Catalog.EastPharmacy, UpdateBody(GlobalId.Encode("Offering", 999_999), Now, new { stock = 0 }));
        Assert.Equal(HttpStatusCode.NotFound, status);

        // Signed with East's secret on West's route.
        (status, _) = await SendAsync(_f.Catalog.WestPharmacy, UpdateBody(_f.Catalog.SemaWest, Now, new { stock = 0 }), _secrets[_f.Catalog.EastPharmacy]);
        Assert.Equal(HttpStatusCode.Unauthorized, status);

        Assert.Equal(before, await FiguresAsync(_f.Catalog.SemaWest));
        Assert.Equal(0, await RecordedAsync());
    }

    [ProviderTheory]
    [InlineData("""{"unitPrice":-1}""", "'unitPrice' must be between 0 and 9223372036854775807; it is -1.")]
    [InlineData("""{"unitPrice":92233720368547758070}""", "'unitPrice' must be a whole number between 0 and 9223372036854775807.")]
    [InlineData("""{"unitPrice":1.5}""", "'unitPrice' must be a whole number between 0 and 9223372036854775807.")]
    [InlineData("""{"stock":-1}""", "'stock' must be between 0 and 2147483647; it is -1.")]
    [InlineData("""{"stock":2147483648}""", "'stock' must be between 0 and 2147483647; it is 2147483648.")]
    [InlineData("""{"maxQuantity":0}""", "'maxQuantity' must be between 1 and 2147483647; it is 0.")]
    [InlineData("""{"active":"yes"}""", "'active' must be true or false.")]
    [InlineData("""{}""", "Give at least one of 'stock', 'unitPrice', 'maxQuantity' and 'active'.")]
    public async Task Bad_values_are_400_and_nothing_is_applied(string figures, string message)
    {
        var before = await FiguresAsync(_f.Catalog.SemaEast);
        var body = UpdateBody(_f.Catalog.SemaEast, Now, new { });
        var merged = System.Text.Json.Nodes.JsonNode.Parse(body)!.AsObject();
        foreach (var (k, v) in System.Text.Json.Nodes.JsonNode.Parse(figures)!.AsObject())
        {
            merged[k] = v?.DeepClone();
        }

        var (status, answer) = await SendAsync(_f.Catalog.EastPharmacy, merged.ToJsonString());
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal(message, answer.GetProperty("error").GetString());
        Assert.Equal(before, await FiguresAsync(_f.Catalog.SemaEast));
        Assert.Equal(0, await RecordedAsync());
    }

    [ProviderFact]
    public async Task The_pharmacys_stock_is_what_the_next_validation_sees()
    {
        var (status, _) = await SendAsync(_f.Catalog.EastPharmacy, UpdateBody(_f.Catalog.SemaEast, Now, new { stock = 1 }));
        Assert.Equal(HttpStatusCode.OK, status);

        var lines = new[] { CartData.GoodLine(_f.Patients[0], _f.Prescriber, _f.Catalog.SemaEast, 2) };
        var cartId = (await _f.Tenant.Client.DataAsync(CartData.Add, new { clinicId = _f.ClinicId, lines })).At("cartLinesAdd.cart.id").GetString()!;
        var cart = (await _f.Tenant.Client.DataAsync(CartData.Validate, new { cartId })).At("cartValidate.cart");
        var issue = Assert.Single(cart.At("lines.nodes.0.issues").EnumerateArray(), i => i.GetProperty("code").GetString() == "OUT_OF_STOCK");
        Assert.Equal("East Compounding has 1 in stock; this line orders 2.", issue.GetProperty("message").GetString());

        await SendAsync(_f.Catalog.EastPharmacy, UpdateBody(_f.Catalog.SemaEast, Now.AddSeconds(1), new { stock = 5 }));
        cart = (await _f.Tenant.Client.DataAsync(CartData.Validate, new { cartId })).At("cartValidate.cart");
        Assert.True(cart.GetProperty("checkoutReady").GetBoolean(), cart.GetRawText());
    }
}

public sealed class PartnerOfferingUpdatesTestsOnSqlite() : PartnerOfferingUpdatesTests(DatabaseProvider.Sqlite, null);

[Collection(PostgresCollection.Name)]
public sealed class PartnerOfferingUpdatesTestsOnPostgres(PostgresServer postgres) : PartnerOfferingUpdatesTests(DatabaseProvider.Postgres, postgres);
