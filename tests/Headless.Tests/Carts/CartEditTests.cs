using System.Text.Json;
using Headless.Data;
using Headless.GraphQL;
using Headless.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Headless.Tests.Carts;

/// <summary>Adding, merging, routing, updating and removing lines; all-or-nothing edits; versions; prices.</summary>
public abstract class CartEditTests(DatabaseProvider provider, PostgresServer? postgres) : ProviderTest(provider, postgres)
{
    private CartFixture _f = null!;

    protected override async Task InitializeAppAsync() => _f = await CartData.CreateAsync(App, 4);

    private GraphQLClient C => _f.Tenant.Client;

    private async Task<JsonElement> AddAsync(params object[] lines) =>
        (await C.DataAsync(CartData.Add, new { clinicId = _f.ClinicId, lines })).GetProperty("cartLinesAdd");

    [ProviderFact]
    public async Task The_clinic_has_one_open_cart_created_on_first_use()
    {
        var first = (await C.DataAsync(CartData.Read, new { clinicId = _f.ClinicId })).GetProperty("cart");
        var again = (await C.DataAsync(CartData.Read, new { clinicId = _f.ClinicId })).GetProperty("cart");

        Assert.Equal(first.GetProperty("id").GetString(), again.GetProperty("id").GetString());
        Assert.Equal("OPEN", first.GetProperty("status").GetString());
        Assert.Equal(0, first.GetProperty("lineCount").GetInt32());
        Assert.Equal(0L, first.At("totals.total.amount").GetInt64());
    }

    [ProviderFact]
    public async Task Coordinators_racing_to_open_the_cart_share_one()
    {
        var ids = await Task.WhenAll(Enumerable.Range(0, 8).Select(async _ =>
            (await C.DataAsync(CartData.Read, new { clinicId = _f.ClinicId })).At("cart.id").GetString()));

        Assert.Single(ids.Distinct());
        await using var db = App.Database.CreatePlatformContext();
        Assert.Equal(1, db.Carts.IgnoreQueryFilters().Count(c => c.OrganizationId == _f.Tenant.OrganizationId));
    }

    [ProviderFact]
    public async Task Adding_a_line_for_the_same_patient_product_and_pharmacy_merges_the_quantity()
    {
        await AddAsync(CartData.GoodLine(_f.Patients[0], _f.Prescriber, _f.Catalog.SemaEast, 1));
        var cart = (await AddAsync(
            CartData.GoodLine(_f.Patients[0], _f.Prescriber, _f.Catalog.SemaEast, 2),
            CartData.GoodLine(_f.Patients[1], _f.Prescriber, _f.Catalog.SemaEast, 1))).GetProperty("cart");

        var lines = cart.At("lines.nodes").EnumerateArray().ToList();
        Assert.Equal(2, lines.Count);
        Assert.Equal(3, lines[0].GetProperty("quantity").GetInt32());
        Assert.Equal(1, lines[1].GetProperty("quantity").GetInt32());
        Assert.Equal(2, cart.GetProperty("patientCount").GetInt32());
    }

    [ProviderFact]
    public async Task Two_inputs_for_the_same_key_in_one_call_merge_too()
    {
        var cart = (await AddAsync(
            CartData.GoodLine(_f.Patients[0], _f.Prescriber, _f.Catalog.SemaEast, 1),
            CartData.GoodLine(_f.Patients[0], _f.Prescriber, _f.Catalog.SemaEast, 1))).GetProperty("cart");

        Assert.Equal(1, cart.GetProperty("lineCount").GetInt32());
        Assert.Equal(2, cart.At("lines.nodes.0.quantity").GetInt32());
    }

    [ProviderFact]
    public async Task Without_a_pharmacy_the_cheapest_licensed_in_stock_offering_is_chosen_and_the_reason_recorded()
    {
        var line = (await AddAsync(new { patientId = _f.Patients[0], productId = _f.Catalog.Semaglutide, quantity = 1 })).At("cart.lines.nodes.0");

        Assert.Equal("East Compounding", line.At("pharmacy.name").GetString());
        Assert.Equal(18900, line.At("unitPrice.amount").GetInt64());
        Assert.Contains("Lowest unit price ($189.00)", line.GetProperty("routingReason").GetString(), StringComparison.Ordinal);
    }

    [ProviderFact]
    public async Task A_clinic_that_prefers_speed_gets_the_fastest_pharmacy()
    {
        var clinic = await TestData.CreateAsync(C, TestData.ClinicCreate, "clinicCreate", new
        {
            name = "Fast Clinic",
            npi = TestData.ValidNpi,
            routingPreference = "FASTEST",
            shipTo = new { line1 = "1 Main", city = "Austin", state = "TX", zip = "78701" },
        });

        var data = await C.DataAsync(CartData.Add, new { clinicId = clinic, lines = new[] { new { patientId = _f.Patients[0], productId = _f.Catalog.Semaglutide, quantity = 1 } } });
        var line = data.At("cartLinesAdd.cart.lines.nodes.0");

        Assert.Equal("West Compounding", line.At("pharmacy.name").GetString());
        Assert.Contains("Fastest turnaround (3 days)", line.GetProperty("routingReason").GetString(), StringComparison.Ordinal);
    }

    [ProviderFact]
    public async Task Routing_skips_pharmacies_that_cannot_ship_to_the_line_or_lack_stock()
    {
        // California: only West ships there, though East is cheaper.
        var ca = (await AddAsync(new { patientId = _f.Patients[0], productId = _f.Catalog.Semaglutide, quantity = 1, shipTo = new { line1 = "1 Market St", city = "San Francisco", state = "CA", zip = "94105" } }))
            .At("cart.lines.nodes.0");
        Assert.Equal("West Compounding", ca.At("pharmacy.name").GetString());

        // NAD+ exists only at West with 5 in stock: with 3 already in the cart, 3 more cannot be covered, and the line is kept for review.
        await AddAsync(new { patientId = _f.Patients[1], productId = _f.Catalog.Nad, quantity = 3 });
        var nad = (await AddAsync(new { patientId = _f.Patients[2], productId = _f.Catalog.Nad, quantity = 3 })).At("cart.lines.nodes.2");
        Assert.Contains("No pharmacy licensed for TX has enough in stock", nad.GetProperty("routingReason").GetString(), StringComparison.Ordinal);
    }

    [ProviderFact]
    public async Task One_bad_line_rejects_the_whole_call_and_every_bad_line_is_reported_by_index()
    {
        var payload = await AddAsync(
            CartData.GoodLine(_f.Patients[0], _f.Prescriber, _f.Catalog.SemaEast),
            new { patientId = GlobalId.Encode("Patient", 999_999), offeringId = _f.Catalog.SemaEast },
            CartData.GoodLine(_f.Patients[1], _f.Prescriber, _f.Catalog.SemaEast),
            new { patientId = _f.Patients[2], productId = _f.Catalog.Semaglutide, pharmacyId = _f.Catalog.SlowPharmacy, quantity = 0 },
            new { patientId = _f.Patients[3] });

        Assert.Equal(JsonValueKind.Null, payload.GetProperty("cart").ValueKind);
        Assert.Equal(["NOT_FOUND", "INVALID_VALUE", "REQUIRED"], payload.UserErrorCodes());
        Assert.Equal(["lines.1.patientId", "lines.3.quantity", "lines.4.productId"], payload.UserErrorFields());
        var cart = (await C.DataAsync(CartData.Read, new { clinicId = _f.ClinicId })).GetProperty("cart");
        Assert.Equal(0, cart.GetProperty("lineCount").GetInt32());
        Assert.Equal(1, cart.GetProperty("version").GetInt32());
    }

    [ProviderFact]
    public async Task A_pharmacy_that_does_not_offer_the_product_is_reported_and_nothing_changes()
    {
        var payload = await AddAsync(
            CartData.GoodLine(_f.Patients[0], _f.Prescriber, _f.Catalog.SemaEast),
            new { patientId = _f.Patients[1], productId = _f.Catalog.Semaglutide, pharmacyId = _f.Catalog.SlowPharmacy });

        Assert.Equal(["NOT_FOUND"], payload.UserErrorCodes());
        Assert.Equal(["lines.1.pharmacyId"], payload.UserErrorFields());
        Assert.Equal(0, (await C.DataAsync(CartData.Read, new { clinicId = _f.ClinicId })).At("cart.lineCount").GetInt32());
    }

    [ProviderFact]
    public async Task More_than_250_lines_in_one_call_are_refused()
    {
        var lines = Enumerable.Range(0, 251).Select(_ => CartData.GoodLine(_f.Patients[0], _f.Prescriber, _f.Catalog.SemaEast)).ToArray();
        var payload = await AddAsync(lines);

        Assert.Equal(["INVALID_VALUE"], payload.UserErrorCodes());
        Assert.Equal(["lines"], payload.UserErrorFields());
    }

    [ProviderFact]
    public async Task Every_edit_changes_the_version_and_a_stale_expected_version_changes_nothing()
    {
        var v1 = (await C.DataAsync(CartData.Read, new { clinicId = _f.ClinicId })).At("cart.version").GetInt32();
        var added = await AddAsync(CartData.GoodLine(_f.Patients[0], _f.Prescriber, _f.Catalog.SemaEast));
        var v2 = added.At("cart.version").GetInt32();
        var cartId = added.At("cart.id").GetString();
        var lineId = added.At("cart.lines.nodes.0.id").GetString();

        var stale = (await C.DataAsync(CartData.Update, new { cartId, v = v1, lines = new[] { new { lineId, quantity = 3 } } })).GetProperty("cartLinesUpdate");
        var staleAdd = (await C.DataAsync(CartData.Add, new { clinicId = _f.ClinicId, v = v1, lines = new[] { CartData.GoodLine(_f.Patients[1], _f.Prescriber, _f.Catalog.SemaEast) } })).GetProperty("cartLinesAdd");
        var staleRemove = (await C.DataAsync(CartData.Remove, new { cartId, v = v1, ids = new[] { lineId } })).GetProperty("cartLinesRemove");
        var current = (await C.DataAsync(CartData.Update, new { cartId, v = v2, lines = new[] { new { lineId, quantity = 3 } } })).GetProperty("cartLinesUpdate");

        Assert.True(v2 > v1);
        Assert.Equal(["CART_VERSION_MISMATCH"], stale.UserErrorCodes());
        Assert.Equal(["expectedVersion"], stale.UserErrorFields());
        Assert.Equal(["CART_VERSION_MISMATCH"], staleAdd.UserErrorCodes());
        Assert.Equal(["CART_VERSION_MISMATCH"], staleRemove.UserErrorCodes());
        Assert.Empty(current.UserErrorCodes());
        Assert.Equal(3, current.At("cart.lines.nodes.0.quantity").GetInt32());
        Assert.Equal(1, current.At("cart.lineCount").GetInt32());
        Assert.True(current.At("cart.version").GetInt32() > v2);
    }

    [ProviderFact]
    public async Task Concurrent_edits_without_versions_never_lose_a_line()
    {
        await C.DataAsync(CartData.Read, new { clinicId = _f.ClinicId });
        var results = await Task.WhenAll(Enumerable.Range(0, 4).Select(i =>
            C.PostAsync(CartData.Add, new { clinicId = _f.ClinicId, lines = new[] { CartData.GoodLine(_f.Patients[i], _f.Prescriber, _f.Catalog.SemaEast) } })));

        Assert.All(results, r => Assert.Empty(r.Data.GetProperty("cartLinesAdd").UserErrorCodes()));
        var cart = (await C.DataAsync(CartData.Read, new { clinicId = _f.ClinicId })).GetProperty("cart");
        Assert.Equal(4, cart.GetProperty("lineCount").GetInt32());
        Assert.Equal(4, cart.GetProperty("patientCount").GetInt32());
    }

    [ProviderFact]
    public async Task Concurrent_adds_of_the_same_line_merge_instead_of_duplicating()
    {
        await C.DataAsync(CartData.Read, new { clinicId = _f.ClinicId });
        await Task.WhenAll(Enumerable.Range(0, 3).Select(_ =>
            C.PostAsync(CartData.Add, new { clinicId = _f.ClinicId, lines = new[] { CartData.GoodLine(_f.Patients[0], _f.Prescriber, _f.Catalog.SemaEast) } })));

        var cart = (await C.DataAsync(CartData.Read, new { clinicId = _f.ClinicId })).GetProperty("cart");
        Assert.Equal(1, cart.GetProperty("lineCount").GetInt32());
        Assert.Equal(3, cart.At("lines.nodes.0.quantity").GetInt32());
    }

    [ProviderFact]
    public async Task Prices_come_from_the_catalog_with_each_shipment_fee_split_across_its_lines()
    {
        // Patient 0 gets two East lines (one shipment, fee 1200 split 600/600); patient 1 one East line; patient 2 one West line.
        var cart = (await AddAsync(
            CartData.GoodLine(_f.Patients[0], _f.Prescriber, _f.Catalog.SemaEast, 2),
            CartData.GoodLine(_f.Patients[0], _f.Prescriber, _f.Catalog.TestoEast, 1),
            new { patientId = _f.Patients[1], offeringId = _f.Catalog.SemaEast, quantity = 1, shipTo = new { line1 = "7 Lake Rd", city = "Dallas", state = "TX", zip = "75201" } },
            CartData.GoodLine(_f.Patients[2], _f.Prescriber, _f.Catalog.SemaWest, 1))).GetProperty("cart");
        var lines = cart.At("lines.nodes").EnumerateArray().ToList();

        Assert.Equal([37800L, 8900L, 18900L, 19900L], lines.Select(l => l.At("lineTotal.amount").GetInt64()));
        Assert.Equal([600L, 600L, 1200L, 1500L], lines.Select(l => l.At("shippingShare.amount").GetInt64()));
        Assert.Equal([38400L, 9500L, 20100L, 21400L], lines.Select(l => l.At("landedCost.amount").GetInt64()));
        Assert.Equal(85500L, cart.At("totals.subtotal.amount").GetInt64());
        Assert.Equal(3900L, cart.At("totals.shipping.amount").GetInt64());
        Assert.Equal(89400L, cart.At("totals.total.amount").GetInt64());
        var east = cart.GetProperty("pharmacyTotals").EnumerateArray().Single(t => t.At("pharmacy.name").GetString() == "East Compounding");
        Assert.Equal(3, east.GetProperty("lineCount").GetInt32());
        Assert.Equal(2, east.GetProperty("shipmentCount").GetInt32());
        Assert.Equal(65600L + 2400L, east.At("total.amount").GetInt64());
    }

    [ProviderFact]
    public async Task A_price_cannot_be_sent_by_the_client()
    {
        var r = await C.PostAsync(CartData.Add, new
        {
            clinicId = _f.ClinicId,
            lines = new[] { new { patientId = _f.Patients[0], offeringId = _f.Catalog.SemaEast, quantity = 1, unitPrice = 1 } },
        });

        Assert.Equal(System.Net.HttpStatusCode.BadRequest, r.Status);
        Assert.Equal(0, (await C.DataAsync(CartData.Read, new { clinicId = _f.ClinicId })).At("cart.lineCount").GetInt32());
    }

    [ProviderFact]
    public async Task Updating_keeps_what_is_not_mentioned_and_moving_onto_another_lines_pharmacy_is_a_duplicate()
    {
        var cart = (await AddAsync(
            CartData.GoodLine(_f.Patients[0], _f.Prescriber, _f.Catalog.SemaEast, 2),
            CartData.GoodLine(_f.Patients[0], _f.Prescriber, _f.Catalog.SemaWest, 1))).GetProperty("cart");
        var cartId = cart.GetProperty("id").GetString();
        var east = cart.At("lines.nodes.0.id").GetString();
        var west = cart.At("lines.nodes.1.id").GetString();

        var changed = (await C.DataAsync(CartData.Update, new { cartId, lines = new object[] { new { lineId = east, daysSupply = 56, shipTo = new { line1 = "9 Pine", city = "Dallas", state = "TX", zip = "75201" } } } })).GetProperty("cartLinesUpdate");
        var line = changed.At("cart.lines.nodes.0");
        Assert.Equal(2, line.GetProperty("quantity").GetInt32());
        Assert.Equal(CartData.GoodSig, line.GetProperty("sig").GetString());
        Assert.Equal(56, line.GetProperty("daysSupply").GetInt32());
        Assert.True(line.GetProperty("shipToOverridden").GetBoolean());
        Assert.Equal("75201", line.At("shipTo.zip").GetString());

        var clash = (await C.DataAsync(CartData.Update, new { cartId, lines = new[] { new { lineId = west, pharmacyId = _f.Catalog.EastPharmacy } } })).GetProperty("cartLinesUpdate");
        Assert.Equal(["DUPLICATE"], clash.UserErrorCodes());
        Assert.Equal(["lines.0.pharmacyId"], clash.UserErrorFields());
    }

    [ProviderFact]
    public async Task Unknown_lines_in_update_or_remove_change_nothing()
    {
        var cart = (await AddAsync(CartData.GoodLine(_f.Patients[0], _f.Prescriber, _f.Catalog.SemaEast))).GetProperty("cart");
        var cartId = cart.GetProperty("id").GetString();
        var lineId = cart.At("lines.nodes.0.id").GetString();
        var missing = GlobalId.Encode("CartLine", 999_999);

        var update = (await C.DataAsync(CartData.Update, new { cartId, lines = new object[] { new { lineId, quantity = 2 }, new { lineId = missing, quantity = 2 } } })).GetProperty("cartLinesUpdate");
        var remove = (await C.DataAsync(CartData.Remove, new { cartId, ids = new[] { lineId!, missing } })).GetProperty("cartLinesRemove");

        Assert.Equal(["lines.1.lineId"], update.UserErrorFields());
        Assert.Equal(["lineIds.1"], remove.UserErrorFields());
        var after = (await C.DataAsync(CartData.Read, new { clinicId = _f.ClinicId })).GetProperty("cart");
        Assert.Equal(1, after.GetProperty("lineCount").GetInt32());
        Assert.Equal(1, after.At("lines.nodes.0.quantity").GetInt32());
    }

    [ProviderFact]
    public async Task Stock_is_checked_against_every_line_on_the_same_offering()
    {
        var cart = (await AddAsync(
            CartData.GoodLine(_f.Patients[0], _f.Prescriber, _f.Catalog.NadWest, 2),
            CartData.GoodLine(_f.Patients[1], _f.Prescriber, _f.Catalog.NadWest, 2),
            CartData.GoodLine(_f.Patients[2], _f.Prescriber, _f.Catalog.NadWest, 2))).GetProperty("cart");
        var v = (await C.DataAsync(CartData.Validate, new { cartId = cart.GetProperty("id").GetString() })).GetProperty("cartValidate");

        Assert.All(v.At("cart.lines.nodes").EnumerateArray(), l =>
            Assert.Contains("OUT_OF_STOCK", l.GetProperty("issues").EnumerateArray().Select(i => i.GetProperty("code").GetString())));
    }
}

public sealed class CartEditTestsOnSqlite() : CartEditTests(DatabaseProvider.Sqlite, null);

[Collection(PostgresCollection.Name)]
public sealed class CartEditTestsOnPostgres(PostgresServer postgres) : CartEditTests(DatabaseProvider.Postgres, postgres);
