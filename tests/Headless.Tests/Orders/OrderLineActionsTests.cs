using System.Text.Json;
using Headless.Data;
using Headless.GraphQL;
using Headless.Orders;
using Headless.Orders.Lifecycle;
using Headless.Tests.Checkout;
using Headless.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Headless.Tests.Orders;

/// <summary>Resubmitting a rejected line and reordering earlier lines bring them back into the clinic's cart.</summary>
public abstract class OrderLineActionsTests(DatabaseProvider provider, PostgresServer? postgres) : ProviderTest(provider, postgres)
{
    private const string Resubmit = $$"""
        mutation($lineId: ID!, $changes: CartLineUpdateInput) {
          orderLineResubmit(lineId: $lineId, changes: $changes) { cart { {{CartData.CartFields}} lines(first: 100) { nodes { resubmitsLineNumber } } } userErrors { code field message } }
        }
        """;

    private const string Reorder = $$"""
        mutation($ids: [ID!]!) { orderLinesReorder(lineIds: $ids) { cart { {{CartData.CartFields}} } userErrors { code field message } } }
        """;

    private const string Cancel = """
        mutation($lineId: ID!, $reason: String) { orderLineCancel(lineId: $lineId, reason: $reason) { line { number status owner statusReason { code message } paymentStatus events(first: 10) { nodes { source from to } } } userErrors { code field message lineIds } } }
        """;

    private CartFixture _f = null!;
    private JsonElement _order;

    protected override async Task InitializeAppAsync()
    {
        _f = await CartData.CreateAsync(App, 2);
        var c = _f.Tenant.Client;
        var lines = _f.Patients.Select(p => CartData.GoodLine(p, _f.Prescriber, _f.Catalog.SemaEast)).ToArray();
        var cartId = (await c.DataAsync(CartData.Add, new { clinicId = _f.ClinicId, lines })).At("cartLinesAdd.cart.id").GetString();
        var version = (await c.DataAsync(CartData.Validate, new { cartId })).At("cartValidate.cart.version").GetInt32();
        _order = (await c.DataAsync(CheckoutTests.Checkout, new { input = new { cartId, expectedVersion = version, paymentMethodId = "pm_card_visa", idempotencyKey = "actions" } })).At("cartCheckout.order");
    }

    private string LineId(int i) => _order.At($"lines.nodes.{i}.id").GetString()!;

    [ProviderFact]
    public async Task A_rejected_line_comes_back_into_the_cart_as_a_corrected_copy_linked_to_its_number()
    {
        GlobalId.TryDecode(LineId(0), "OrderLine", out var key);
        await App.Services.GetRequiredService<OrderLineDecisions>().RejectAsync(key, "SIG_CLARIFICATION", "Unclear directions.", true, default);

        var payload = (await _f.Tenant.Client.DataAsync(Resubmit, new { lineId = LineId(0), changes = new { sig = "Inject 0.5 mg subcutaneously once weekly", quantity = 2 } })).GetProperty("orderLineResubmit");

        Assert.Empty(payload.UserErrorCodes());
        var line = payload.At("cart.lines.nodes.0");
        Assert.Equal(_order.At("lines.nodes.0.number").GetString(), line.GetProperty("resubmitsLineNumber").GetString());
        Assert.Equal("Inject 0.5 mg subcutaneously once weekly", line.GetProperty("sig").GetString());
        Assert.Equal(2, line.GetProperty("quantity").GetInt32());
        Assert.Equal(_order.At("lines.nodes.0.patient.id").GetString(), line.At("patient.id").GetString());
        Assert.False(line.GetProperty("shipToOverridden").GetBoolean());
    }

    [ProviderFact]
    public async Task Only_rejected_lines_can_be_resubmitted_and_other_organizations_lines_are_not_found()
    {
        var submitted = (await _f.Tenant.Client.DataAsync(Resubmit, new { lineId = LineId(1) })).GetProperty("orderLineResubmit");
        var other = await App.CreateTenantAsync("Other Org");
        var foreign = (await other.Client.DataAsync(Resubmit, new { lineId = LineId(1) })).GetProperty("orderLineResubmit");
        var missing = (await other.Client.DataAsync(Resubmit, new { lineId = GlobalId.Encode("OrderLine", 999_999) })).GetProperty("orderLineResubmit");

        Assert.Equal(["INVALID_VALUE"], submitted.UserErrorCodes());
        Assert.Equal(["NOT_FOUND"], foreign.UserErrorCodes());
        Assert.Equal(missing.GetRawText(), foreign.GetRawText());
    }

    [ProviderFact]
    public async Task The_clinic_cancels_a_line_before_compounding_the_pharmacy_is_told_and_the_line_is_not_charged()
    {
        var payload = (await _f.Tenant.Client.DataAsync(Cancel, new { lineId = LineId(0), reason = "Patient paused treatment." })).GetProperty("orderLineCancel");

        Assert.Empty(payload.UserErrorCodes());
        Assert.Equal("CANCELLED", payload.At("line.status").GetString());
        Assert.Equal("Patient paused treatment.", payload.At("line.statusReason.message").GetString());
        Assert.Contains(payload.At("line.events.nodes").EnumerateArray(), e => e.GetProperty("source").GetString() == "CLINIC" && e.GetProperty("to").GetString() == "CANCELLED");
        await using (var db = App.Database.CreatePlatformContext())
        {
            Assert.Single(db.OutboxMessages.Where(m => m.Kind == "partner-order.cancel-line"));
        }

        GlobalId.TryDecode(LineId(1), "OrderLine", out var other);
        await App.Services.GetRequiredService<OrderLineDecisions>().AcceptAsync(other, default);
        var order = (await _f.Tenant.Client.DataAsync(CheckoutTests.OrderByNumber, new { n = _order.GetProperty("number").GetString() })).GetProperty("order");
        Assert.Equal("CAPTURED", order.GetProperty("paymentStatus").GetString());
        Assert.Equal(order.At("lines.nodes.1.amount.amount").GetInt64(), order.At("capturedAmount.amount").GetInt64());
        Assert.Equal("VOIDED", order.At("lines.nodes.0.paymentStatus").GetString());

        var again = (await _f.Tenant.Client.DataAsync(Cancel, new { lineId = LineId(0) })).GetProperty("orderLineCancel");
        Assert.Equal(["LINE_NOT_CANCELLABLE"], again.UserErrorCodes());
        var foreign = (await (await App.CreateTenantAsync("Stranger")).Client.DataAsync(Cancel, new { lineId = LineId(1) })).GetProperty("orderLineCancel");
        Assert.Equal(["NOT_FOUND"], foreign.UserErrorCodes());
    }

    [ProviderFact]
    public async Task Reordering_copies_the_lines_for_the_same_patients_and_merges_a_second_reorder()
    {
        var ids = new[] { LineId(0), LineId(1) };
        var first = (await _f.Tenant.Client.DataAsync(Reorder, new { ids })).GetProperty("orderLinesReorder");
        var second = (await _f.Tenant.Client.DataAsync(Reorder, new { ids })).GetProperty("orderLinesReorder");

        Assert.Empty(first.UserErrorCodes());
        Assert.Equal(2, second.At("cart.lineCount").GetInt32());
        Assert.All(second.At("cart.lines.nodes").EnumerateArray(), l => Assert.Equal(2, l.GetProperty("quantity").GetInt32()));
        Assert.Equal(
            _order.At("lines.nodes").EnumerateArray().Select(l => l.At("patient.id").GetString()).Order(),
            second.At("cart.lines.nodes").EnumerateArray().Select(l => l.At("patient.id").GetString()).Order());
        var missing = (await _f.Tenant.Client.DataAsync(Reorder, new { ids = new[] { ids[0], GlobalId.Encode("OrderLine", 999_999) } })).GetProperty("orderLinesReorder");
        Assert.Equal(["lineIds.1"], missing.UserErrorFields());
    }
}

public sealed class OrderLineActionsTestsOnSqlite() : OrderLineActionsTests(DatabaseProvider.Sqlite, null);

[Collection(PostgresCollection.Name)]
public sealed class OrderLineActionsTestsOnPostgres(PostgresServer postgres) : OrderLineActionsTests(DatabaseProvider.Postgres, postgres);
