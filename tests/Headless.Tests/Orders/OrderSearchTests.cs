using System.Text.Json;
using Headless.Data;
using Headless.GraphQL;
using Headless.Orders;
using Headless.Orders.Lifecycle;
using Headless.Tests.Checkout;
using Headless.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Headless.Tests.Orders;

/// <summary>orders(filter) and orderLines(filter): a coordinator finds the order, or lands on a patient's line.</summary>
public abstract class OrderSearchTests(DatabaseProvider provider, PostgresServer? postgres) : ProviderTest(provider, postgres)
{
    public const string Lines = """
        query($filter: OrderLineFilter, $first: Int, $after: String) {
          orderLines(filter: $filter, first: $first, after: $after) {
            totalCount
            pageInfo { hasNextPage endCursor }
            nodes { id number status owner statusSince patient { id firstName lastName externalId } pharmacy { name } tracking { carrier number } }
          }
        }
        """;

    public const string Orders = """
        query($filter: OrderFilter, $first: Int, $after: String) {
          orders(filter: $filter, first: $first, after: $after) {
            totalCount
            pageInfo { hasNextPage endCursor }
            nodes { id number status paymentStatus placedAt clinic { id name } lineCount lines(first: 100) { totalCount nodes { number patient { lastName } product { name } pharmacy { name } prescriber { lastName } } } }
          }
        }
        """;

    private CartFixture _f = null!;
    private JsonElement _big;
    private JsonElement _small;

    protected override async Task InitializeAppAsync()
    {
        _f = await CartData.CreateAsync(App, 40);
        _big = await CheckOutAsync(_f.Patients.Select(p => CartData.GoodLine(p, _f.Prescriber, _f.Catalog.SemaEast)).ToArray(), "big");
        App.Clock.Advance(TimeSpan.FromMinutes(5));
        _small = await CheckOutAsync(_f.Patients.Take(2).Select(p => CartData.GoodLine(p, _f.Prescriber, _f.Catalog.TestoEast)).ToArray(), "small");
    }

    private async Task<JsonElement> CheckOutAsync(object[] lines, string key)
    {
        var c = _f.Tenant.Client;
        var cartId = (await c.DataAsync(CartData.Add, new { clinicId = _f.ClinicId, lines })).At("cartLinesAdd.cart.id").GetString();
        var version = (await c.DataAsync(CartData.Validate, new { cartId })).At("cartValidate.cart.version").GetInt32();
        var payload = (await c.DataAsync(CheckoutTests.Checkout, new { input = new { cartId, expectedVersion = version, paymentMethodId = "pm_card_visa", idempotencyKey = key } })).GetProperty("cartCheckout");
        Assert.Empty(payload.UserErrorCodes());
        return payload.GetProperty("order");
    }

    private async Task<JsonElement> LinesAsync(object filter, int first = 100, string? after = null) =>
        (await _f.Tenant.Client.DataAsync(Lines, new { filter, first, after })).GetProperty("orderLines");

    private static List<string> Numbers(JsonElement connection) =>
        connection.GetProperty("nodes").EnumerateArray().Select(n => n.GetProperty("number").GetString()!).ToList();

    private long Key(string globalId) => GlobalId.TryDecode(globalId, "OrderLine", out var id) ? id : throw new InvalidOperationException(globalId);

    [ProviderFact]
    public async Task A_search_for_one_patient_in_a_40_patient_order_lands_on_just_their_line()
    {
        var line07 = _big.At("lines.nodes").EnumerateArray().Single(l => l.At("patient.id").GetString() == _f.Patients[7]);

        foreach (var name in new[] { "pat07", "PAT07", "at07", "Pat07 doe", "  pat07  ", "doe at07" })
        {
            var found = await LinesAsync(new { patientName = name, orderNumber = _big.GetProperty("number").GetString() });
            Assert.Equal(1, found.GetProperty("totalCount").GetInt32());
            Assert.Equal([line07.GetProperty("number").GetString()!], Numbers(found));
            Assert.Equal("Pat07", found.At("nodes.0.patient.firstName").GetString());
        }

        // Every line of the patient, in every order, and nobody else's.
        var all = await LinesAsync(new { patientName = "pat01" });
        Assert.Equal(2, all.GetProperty("totalCount").GetInt32());
        Assert.All(all.GetProperty("nodes").EnumerateArray(), n => Assert.Equal(_f.Patients[1], n.At("patient.id").GetString()));

        var surname = await LinesAsync(new { patientName = "DOE" });
        Assert.Equal(42, surname.GetProperty("totalCount").GetInt32());
        Assert.Equal(0, (await LinesAsync(new { patientName = "nobody" })).GetProperty("totalCount").GetInt32());

        // A LIKE wildcard in the search is a character to find, not a pattern.
        Assert.Equal(0, (await LinesAsync(new { patientName = "pat%" })).GetProperty("totalCount").GetInt32());
        Assert.Equal(0, (await LinesAsync(new { patientName = "pa_07" })).GetProperty("totalCount").GetInt32());

        // A name search is a read of patient data even when it only counts: the lines it matched are in the audit trail.
        await App.DrainAuditAsync();
        Assert.Equal(1, (await _f.Tenant.Client.DataAsync("{ orderLines(filter: {patientName: \"pat07\", orderNumber: \"" + _big.GetProperty("number").GetString() + "\"}) { totalCount } }")).At("orderLines.totalCount").GetInt32());
        await App.DrainAuditAsync();
        var audit = (await _f.Tenant.Client.DataAsync("{ auditEvents(filter: {rootField: \"orderLines\", objectType: \"OrderLine\"}, first: 10) { nodes { objectIds } } }")).At("auditEvents.nodes");
        Assert.Contains(audit.EnumerateArray(), n => n.GetProperty("objectIds").EnumerateArray().Select(i => i.GetString()).SequenceEqual([line07.GetProperty("id").GetString()]));

        var other = await App.CreateTenantAsync("Other Search Org");
        var foreign = (await other.Client.DataAsync(Lines, new { filter = new { patientName = "pat07" }, first = 10 })).GetProperty("orderLines");
        Assert.Equal(0, foreign.GetProperty("totalCount").GetInt32());
    }

    [ProviderFact]
    public async Task Each_filter_narrows_the_lines_exactly()
    {
        var bigNumber = _big.GetProperty("number").GetString()!;
        var lineNumber = _big.At("lines.nodes.12.number").GetString()!;

        Assert.Equal([lineNumber], Numbers(await LinesAsync(new { lineNumber })));
        Assert.Equal([lineNumber], Numbers(await LinesAsync(new { lineNumber = " " + lineNumber.ToLowerInvariant() })));
        Assert.Empty(Numbers(await LinesAsync(new { lineNumber = bigNumber })));
        Assert.Empty(Numbers(await LinesAsync(new { lineNumber = bigNumber + "-99" })));
        Assert.Empty(Numbers(await LinesAsync(new { lineNumber = "not a number" })));
        Assert.Equal(40, (await LinesAsync(new { orderNumber = bigNumber })).GetProperty("totalCount").GetInt32());
        Assert.Empty(Numbers(await LinesAsync(new { orderNumber = lineNumber })));
        Assert.Equal(2, (await LinesAsync(new { patientExternalId = "P-001" })).GetProperty("totalCount").GetInt32());
        Assert.Equal(0, (await LinesAsync(new { patientExternalId = "p-001" })).GetProperty("totalCount").GetInt32());
        Assert.Equal(42, (await LinesAsync(new { clinicId = _f.ClinicId, status = new[] { "SUBMITTED" }, owner = new[] { "PHARMACY" } })).GetProperty("totalCount").GetInt32());
        Assert.Equal(0, (await LinesAsync(new { status = new[] { "DELIVERED", "ON_HOLD" } })).GetProperty("totalCount").GetInt32());
        Assert.Equal(42, (await LinesAsync(new { pharmacyId = _f.Catalog.EastPharmacy })).GetProperty("totalCount").GetInt32());
        Assert.Equal(0, (await LinesAsync(new { pharmacyId = _f.Catalog.WestPharmacy })).GetProperty("totalCount").GetInt32());
        Assert.Equal(0, (await LinesAsync(new { clinicId = GlobalId.Encode("Clinic", 9_999_999) })).GetProperty("totalCount").GetInt32());
        Assert.Equal(0, (await LinesAsync(new { clinicId = "not-an-id" })).GetProperty("totalCount").GetInt32());

        // Stuck: waiting on someone for longer than N minutes. The big order is 5 minutes older than the small one.
        App.Clock.Advance(TimeSpan.FromMinutes(60));
        Assert.Equal(42, (await LinesAsync(new { stuckForMinutes = 59 })).GetProperty("totalCount").GetInt32());
        Assert.Equal(40, (await LinesAsync(new { stuckForMinutes = 61 })).GetProperty("totalCount").GetInt32());
        Assert.Equal(0, (await LinesAsync(new { stuckForMinutes = 66 })).GetProperty("totalCount").GetInt32());

        // A cancelled line waits on nobody: never stuck.
        var cancel = """mutation($lineId: ID!) { orderLineCancel(lineId: $lineId) { userErrors { code } } }""";
        Assert.Empty((await _f.Tenant.Client.DataAsync(cancel, new { lineId = _big.At("lines.nodes.0.id").GetString() })).GetProperty("orderLineCancel").UserErrorCodes());
        App.Clock.Advance(TimeSpan.FromMinutes(10));
        var stuck = await LinesAsync(new { stuckForMinutes = 61 });
        Assert.Equal(41, stuck.GetProperty("totalCount").GetInt32());
        Assert.DoesNotContain(_big.At("lines.nodes.0.number").GetString(), Numbers(stuck));
        Assert.Equal(1, (await LinesAsync(new { owner = new[] { "NONE" }, status = new[] { "CANCELLED" } })).GetProperty("totalCount").GetInt32());
    }

    [ProviderFact]
    public async Task Lines_come_most_recently_changed_first_and_page_without_gaps_or_repeats()
    {
        var changes = App.Services.GetRequiredService<LineChanges>();
        var moved = _big.At("lines.nodes.20");
        App.Clock.Advance(TimeSpan.FromMinutes(30));
        await changes.ChangeAsync(new LineChangeRequest(Key(moved.GetProperty("id").GetString()!), _ => new LineSignal(OrderLineStatus.Received, EventSource.Pharmacy, null)), default);

        var first = await LinesAsync(new { }, 15);
        Assert.Equal(moved.GetProperty("number").GetString(), Numbers(first)[0]);
        Assert.Equal("RECEIVED", first.At("nodes.0.status").GetString());

        // Then the small order (newer), then the big one, each highest line first.
        var seen = new List<string>(Numbers(first));
        var page = first;
        while (page.At("pageInfo.hasNextPage").GetBoolean())
        {
            page = await LinesAsync(new { }, 15, page.At("pageInfo.endCursor").GetString());
            seen.AddRange(Numbers(page));
        }

        var expected = new[] { moved.GetProperty("number").GetString()! }
            .Concat(_small.At("lines.nodes").EnumerateArray().Select(l => l.GetProperty("number").GetString()!).Reverse())
            .Concat(_big.At("lines.nodes").EnumerateArray().Select(l => l.GetProperty("number").GetString()!).Where(n => n != moved.GetProperty("number").GetString()).Reverse());
        Assert.Equal(expected, seen);

        var bad = await _f.Tenant.Client.PostAsync(Lines, new { filter = new { }, after = Paging.EncodeCursor(5) });
        Assert.Equal(["INVALID_CURSOR"], bad.ErrorCodes);
        var shortName = await _f.Tenant.Client.PostAsync(Lines, new { filter = new { patientName = "pa t" } });
        Assert.Equal(["INVALID_FILTER"], shortName.ErrorCodes);
        Assert.DoesNotContain("pa t", shortName.Raw, StringComparison.Ordinal);
        var negative = await _f.Tenant.Client.PostAsync(Lines, new { filter = new { stuckForMinutes = -1 } });
        Assert.Equal(["INVALID_FILTER"], negative.ErrorCodes);
    }

    [ProviderFact]
    public async Task Orders_come_newest_first_and_filter_by_clinic_status_payment_and_placed_time()
    {
        var c = _f.Tenant.Client;
        var all = (await c.DataAsync(Orders, new { first = 10 })).GetProperty("orders");
        Assert.Equal(2, all.GetProperty("totalCount").GetInt32());
        Assert.Equal(
            [_small.GetProperty("number").GetString(), _big.GetProperty("number").GetString()],
            all.GetProperty("nodes").EnumerateArray().Select(o => o.GetProperty("number").GetString()));
        Assert.Equal([2, 40], all.GetProperty("nodes").EnumerateArray().Select(o => o.GetProperty("lineCount").GetInt32()));
        Assert.Equal(40, all.At("nodes.1.lines.totalCount").GetInt32());
        Assert.Equal(_big.At("lines.nodes.39.number").GetString(), all.At("nodes.1.lines.nodes.39.number").GetString());
        Assert.Equal(_f.ClinicId, all.At("nodes.0.clinic.id").GetString());

        var page1 = (await c.DataAsync(Orders, new { first = 1 })).GetProperty("orders");
        var page2 = (await c.DataAsync(Orders, new { first = 1, after = page1.At("pageInfo.endCursor").GetString() })).GetProperty("orders");
        Assert.True(page1.At("pageInfo.hasNextPage").GetBoolean());
        Assert.False(page2.At("pageInfo.hasNextPage").GetBoolean());
        Assert.Equal(_big.GetProperty("number").GetString(), page2.At("nodes.0.number").GetString());

        var placedBig = _big.GetProperty("placedAt").GetString();
        async Task<int> CountAsync(object filter) => (await c.DataAsync(Orders, new { filter })).At("orders.totalCount").GetInt32();
        Assert.Equal(2, await CountAsync(new { clinicId = _f.ClinicId, status = new[] { "SUBMITTED" }, paymentStatus = new[] { "AUTHORIZED" } }));
        Assert.Equal(0, await CountAsync(new { paymentStatus = new[] { "FAILED", "CAPTURED" } }));
        Assert.Equal(0, await CountAsync(new { clinicId = GlobalId.Encode("Clinic", 9_999_999) }));
        Assert.Equal(2, await CountAsync(new { placedFrom = placedBig }));
        Assert.Equal(1, await CountAsync(new { placedFrom = DateTimeOffset.Parse(placedBig!).AddSeconds(1) }));
        Assert.Equal(1, await CountAsync(new { placedBefore = DateTimeOffset.Parse(placedBig!).AddSeconds(1) }));
        Assert.Equal(0, await CountAsync(new { placedBefore = placedBig }));

        var other = await App.CreateTenantAsync("Other Orders Org");
        Assert.Equal(0, (await other.Client.DataAsync(Orders, new { })).At("orders.totalCount").GetInt32());
    }

    [ProviderFact]
    public async Task Searches_and_order_pages_cost_the_same_number_of_SQL_commands_whatever_the_number_of_lines()
    {
        var c = _f.Tenant.Client;
        async Task<int> CommandsAsync(string query, object variables)
        {
            App.Commands.Reset();
            await c.DataAsync(query, variables);
            return App.Commands.Count;
        }

        var one = await CommandsAsync(Lines, new { filter = new { patientName = "pat07", orderNumber = _big.GetProperty("number").GetString() } });
        var forty = await CommandsAsync(Lines, new { filter = new { patientName = "doe", orderNumber = _big.GetProperty("number").GetString() } });
        Assert.Equal(one, forty);

        // Without a name to look up first, one command less: the page, then patients, products, pharmacies, prescribers (plus the credential).
        var page1 = await CommandsAsync(Lines, new { filter = new { }, first = 1 });
        var page100 = await CommandsAsync(Lines, new { filter = new { }, first = 100 });
        Assert.Equal(page1, page100);
        Assert.Equal(one - 1, page1);

        var oneOrder = await CommandsAsync(Orders, new { first = 1 });
        var twoOrders = await CommandsAsync(Orders, new { first = 2 });
        Assert.Equal(oneOrder, twoOrders);
    }
}

public sealed class OrderSearchTestsOnSqlite() : OrderSearchTests(DatabaseProvider.Sqlite, null);

[Collection(PostgresCollection.Name)]
public sealed class OrderSearchTestsOnPostgres(PostgresServer postgres) : OrderSearchTests(DatabaseProvider.Postgres, postgres);
