using System.Text.Json;
using Headless.Data;
using Headless.Tests.Infrastructure;

namespace Headless.Tests.Catalog;

public abstract class CatalogQueryTests(DatabaseProvider provider, PostgresServer? postgres) : ProviderTest(provider, postgres)
{
    private TestTenant _t = null!;
    private CatalogIds _ids = null!;

    protected override async Task InitializeAppAsync()
    {
        _t = await App.CreateTenantAsync("Catalog Org");
        _ids = await TestData.SeedCatalogAsync(App);
    }

    private const string CatalogQuery = """
        query($search: String, $state: String, $first: Int, $after: String) {
          catalog(search: $search, shipToState: $state, first: $first, after: $after) {
            totalCount
            nodes { id unitPrice { amount currencyCode } stock maxQuantity active available product { name controlledSchedule } pharmacy { name } }
            pageInfo { hasNextPage endCursor }
          }
        }
        """;

    [ProviderFact]
    public async Task The_catalog_lists_active_offerings_with_prices_in_minor_units()
    {
        var catalog = (await _t.Client.DataAsync(CatalogQuery)).GetProperty("catalog");
        var nodes = catalog.GetProperty("nodes").EnumerateArray().ToList();

        Assert.Equal(3, catalog.GetProperty("totalCount").GetInt32());
        Assert.DoesNotContain(nodes, n => n.GetProperty("id").GetString() == _ids.NadWestInactive);
        var semaEast = nodes.Single(n => n.GetProperty("id").GetString() == _ids.SemaEast);
        Assert.Equal(18900, semaEast.At("unitPrice.amount").GetInt64());
        Assert.Equal("USD", semaEast.At("unitPrice.currencyCode").GetString());
        Assert.Equal("III", nodes.Single(n => n.GetProperty("id").GetString() == _ids.TestoEast).At("product.controlledSchedule").GetString());
    }

    [ProviderTheory]
    [InlineData("CA", 1)]
    [InlineData("NY", 2)]
    [InlineData("TX", 3)]
    [InlineData("WY", 0)]
    public async Task The_catalog_for_a_state_shows_only_pharmacies_that_ship_there(string state, int expected)
    {
        var catalog = (await _t.Client.DataAsync(CatalogQuery, new { state })).GetProperty("catalog");

        Assert.Equal(expected, catalog.GetProperty("totalCount").GetInt32());
        Assert.Equal(expected, catalog.GetProperty("nodes").GetArrayLength());
    }

    [ProviderTheory]
    [InlineData("sema", 2)]
    [InlineData("TESTOSTERONE", 1)]
    [InlineData("10 mL", 1)]
    [InlineData("nad", 0)]
    [InlineData("50%", 0)]
    public async Task Search_matches_name_strength_or_form_ignoring_case(string search, int expected)
    {
        var catalog = (await _t.Client.DataAsync(CatalogQuery, new { search })).GetProperty("catalog");

        Assert.Equal(expected, catalog.GetProperty("totalCount").GetInt32());
    }

    [ProviderFact]
    public async Task The_catalog_pages_with_cursors()
    {
        var first = (await _t.Client.DataAsync(CatalogQuery, new { first = 2 })).GetProperty("catalog");
        var second = (await _t.Client.DataAsync(CatalogQuery, new { first = 2, after = first.At("pageInfo.endCursor").GetString() })).GetProperty("catalog");

        Assert.True(first.At("pageInfo.hasNextPage").GetBoolean());
        Assert.False(second.At("pageInfo.hasNextPage").GetBoolean());
        var ids = first.GetProperty("nodes").EnumerateArray().Concat(second.GetProperty("nodes").EnumerateArray()).Select(n => n.GetProperty("id").GetString()).ToList();
        Assert.Equal(3, ids.Distinct().Count());
    }

    [ProviderFact]
    public async Task An_invalid_state_code_is_refused()
    {
        var r = await _t.Client.PostAsync(CatalogQuery, new { state = "Texas" });

        Assert.Equal(System.Net.HttpStatusCode.UnprocessableEntity, r.Status);
        Assert.Equal(["INVALID_VALUE"], r.ErrorCodes);
    }

    [ProviderFact]
    public async Task Pharmacies_list_their_states_turnaround_and_shipping_fee()
    {
        var data = await _t.Client.DataAsync("{ pharmacies { id name shipsToStates turnaroundDays shippingFee { amount } } }");
        var east = data.GetProperty("pharmacies")[0];

        Assert.Equal("East Compounding", east.GetProperty("name").GetString());
        Assert.Equal(["NJ", "NY", "TX"], east.GetProperty("shipsToStates").EnumerateArray().Select(s => s.GetString()));
        Assert.Equal(5, east.GetProperty("turnaroundDays").GetInt32());
        Assert.Equal(1200, east.At("shippingFee.amount").GetInt64());
    }

    [ProviderFact]
    public async Task Catalog_objects_can_be_fetched_again_by_node_id()
    {
        var data = await _t.Client.DataAsync(
            "query($o: ID!, $p: ID!) { o: node(id: $o) { __typename ... on Offering { product { id name } } } p: node(id: $p) { __typename ... on Pharmacy { name } } }",
            new { o = _ids.SemaWest, p = _ids.WestPharmacy });

        Assert.Equal("Offering", data.At("o.__typename").GetString());
        Assert.Equal("Pharmacy", data.At("p.__typename").GetString());
        var productId = data.At("o.product.id").GetString();
        var product = await _t.Client.DataAsync("query($id: ID!) { node(id: $id) { ... on Product { name } } }", new { id = productId });
        Assert.Equal("Semaglutide", product.At("node.name").GetString());
    }

    [ProviderTheory]
    [InlineData("not-an-id")]
    [InlineData("")]
    [InlineData("UGF0aWVudDotMQ")]
    public async Task Node_with_a_malformed_id_is_null(string id)
    {
        var data = await _t.Client.DataAsync("query($id: ID!) { node(id: $id) { id } }", new { id });

        Assert.Equal(JsonValueKind.Null, data.GetProperty("node").ValueKind);
    }
}

public sealed class CatalogQueryTestsOnSqlite() : CatalogQueryTests(DatabaseProvider.Sqlite, null);

[Collection(PostgresCollection.Name)]
public sealed class CatalogQueryTestsOnPostgres(PostgresServer postgres) : CatalogQueryTests(DatabaseProvider.Postgres, postgres);
