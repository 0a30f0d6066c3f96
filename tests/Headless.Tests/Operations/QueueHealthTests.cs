using System.Text.Json;
using Headless.Data;
using Headless.GraphQL;
using Headless.Orders;
using Headless.Orders.Lifecycle;
using Headless.Tests.Checkout;
using Headless.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Headless.Tests.Operations;

/// <summary>queueHealth: open lines per status and pharmacy, how old, how many overdue and who owns them, under a fake clock.</summary>
public abstract class QueueHealthTests(DatabaseProvider provider, PostgresServer? postgres) : ProviderTest(provider, postgres)
{
    private const string Health = """
        query($clinicId: ID) {
          queueHealth(clinicId: $clinicId) {
            pending parked
            lines { status count oldestSince oldestAgeMinutes overdueAfterMinutes overdue owners { owner count overdue }
              overdueLines(first: 10) { totalCount nodes { number status owner } } }
            pharmacies { pharmacy { id name } count overdue oldestAgeMinutes statuses { status count overdue } }
          }
        }
        """;

    private CartFixture _f = null!;
    private JsonElement _order;
    private DateTimeOffset _placed;

    // ON_HOLD overdue after 3 hours here instead of the default 4: the thresholds come from configuration.
    protected override IDictionary<string, string?>? Settings => new Dictionary<string, string?> { ["Headless:QueueHealth:OnHold"] = "03:00:00" };

    protected override async Task InitializeAppAsync()
    {
        _f = await CartData.CreateAsync(App, 6);
        var c = _f.Tenant.Client;
        var lines = _f.Patients.Select(p => CartData.GoodLine(p, _f.Prescriber, _f.Catalog.SemaEast)).ToArray();
        var cartId = (await c.DataAsync(CartData.Add, new { clinicId = _f.ClinicId, lines })).At("cartLinesAdd.cart.id").GetString();
        var version = (await c.DataAsync(CartData.Validate, new { cartId })).At("cartValidate.cart.version").GetInt32();
        _placed = App.Clock.GetUtcNow();
        _order = (await c.DataAsync(CheckoutTests.Checkout, new { input = new { cartId, expectedVersion = version, paymentMethodId = "pm_card_visa", idempotencyKey = "health" } })).At("cartCheckout.order");

        // One hour later the pharmacy receives line 0, holds line 1 for the clinic and rejects lines 2 (fixable) and 3 (for good);
        // the clinic cancels line 4; line 5 stays SUBMITTED.
        App.Clock.Advance(TimeSpan.FromHours(1));
        var changes = App.Services.GetRequiredService<LineChanges>();
        var decisions = App.Services.GetRequiredService<OrderLineDecisions>();
        await changes.ChangeAsync(new LineChangeRequest(Key(0), _ => new LineSignal(OrderLineStatus.Received, EventSource.Pharmacy, null)), default);
        await changes.ChangeAsync(new LineChangeRequest(Key(1), _ => new LineSignal(OrderLineStatus.OnHold, EventSource.Pharmacy, null, "ADDRESS_CHECK", "Confirm the address.", Owner: LineOwner.Clinic)), default);
        await decisions.RejectAsync(Key(2), "SIG_CLARIFICATION", "Unclear directions.", true, default);
        await decisions.RejectAsync(Key(3), "OUT_OF_STOCK", "Discontinued.", false, default);
        Assert.Null(await decisions.CancelByClinicAsync(Key(4), null, default));
    }

    private long Key(int i) => GlobalId.TryDecode(_order.At($"lines.nodes.{i}.id").GetString()!, "OrderLine", out var id) ? id : 0;

    private string Number(int i) => _order.At($"lines.nodes.{i}.number").GetString()!;

    private async Task<JsonElement> HealthAsync(string? clinicId = null) =>
        (await _f.Tenant.Client.DataAsync(Health, new { clinicId })).GetProperty("queueHealth");

    private static JsonElement Status(JsonElement health, string status) =>
        health.GetProperty("lines").EnumerateArray().Single(s => s.GetProperty("status").GetString() == status);

    [ProviderFact]
    public async Task Open_lines_are_counted_per_status_with_their_age_the_overdue_ones_and_their_owners()
    {
        App.Clock.Advance(TimeSpan.FromHours(5));
        var health = await HealthAsync();

        Assert.Equal(
            ["PENDING_PAYMENT", "SUBMITTED", "RECEIVED", "COMPOUNDING", "SHIPPED", "ON_HOLD", "REJECTED"],
            health.GetProperty("lines").EnumerateArray().Select(s => s.GetProperty("status").GetString()));
        Assert.Equal([0, 1, 1, 0, 0, 1, 1], health.GetProperty("lines").EnumerateArray().Select(s => s.GetProperty("count").GetInt32()));

        // SUBMITTED since checkout (6 h, threshold 2 h): overdue. RECEIVED for 5 h of 24: not yet. ON_HOLD for 5 h of 3: overdue.
        var submitted = Status(health, "SUBMITTED");
        Assert.Equal(360, submitted.GetProperty("oldestAgeMinutes").GetInt32());
        Assert.Equal(120, submitted.GetProperty("overdueAfterMinutes").GetInt32());
        Assert.Equal(1, submitted.GetProperty("overdue").GetInt32());
        Assert.Equal([Number(5)], submitted.At("overdueLines.nodes").EnumerateArray().Select(n => n.GetProperty("number").GetString()));
        var received = Status(health, "RECEIVED");
        Assert.Equal((300, 1440, 0), (received.GetProperty("oldestAgeMinutes").GetInt32(), received.GetProperty("overdueAfterMinutes").GetInt32(), received.GetProperty("overdue").GetInt32()));
        Assert.Equal(0, received.At("overdueLines.totalCount").GetInt32());
        var held = Status(health, "ON_HOLD");
        Assert.Equal((300, 180, 1), (held.GetProperty("oldestAgeMinutes").GetInt32(), held.GetProperty("overdueAfterMinutes").GetInt32(), held.GetProperty("overdue").GetInt32()));
        Assert.Equal("CLINIC", held.At("owners.0.owner").GetString());
        Assert.Equal((1, 1), (held.At("owners.0.count").GetInt32(), held.At("owners.0.overdue").GetInt32()));
        Assert.Equal(Number(1), held.At("overdueLines.nodes.0.number").GetString());
        Assert.Equal("CLINIC", held.At("overdueLines.nodes.0.owner").GetString());

        // Only the fixable rejection waits on someone (the clinic); the final one, like the cancelled line, is not in the queue.
        var rejected = Status(health, "REJECTED");
        Assert.Equal("CLINIC", rejected.At("owners.0.owner").GetString());
        Assert.Equal(1, rejected.GetProperty("owners").GetArrayLength());
        Assert.Equal(JsonValueKind.Null, Status(health, "COMPOUNDING").GetProperty("oldestSince").ValueKind);
        Assert.Equal(JsonValueKind.Null, Status(health, "COMPOUNDING").GetProperty("oldestAgeMinutes").ValueKind);

        var east = Assert.Single(health.GetProperty("pharmacies").EnumerateArray());
        Assert.Equal(_f.Catalog.EastPharmacy, east.At("pharmacy.id").GetString());
        Assert.Equal((4, 2, 360), (east.GetProperty("count").GetInt32(), east.GetProperty("overdue").GetInt32(), east.GetProperty("oldestAgeMinutes").GetInt32()));
        Assert.Equal([0, 1, 1, 0, 0, 1, 1], east.GetProperty("statuses").EnumerateArray().Select(s => s.GetProperty("count").GetInt32()));

        // A day later the received line is overdue too.
        App.Clock.Advance(TimeSpan.FromHours(20));
        Assert.Equal(1, Status(await HealthAsync(), "RECEIVED").GetProperty("overdue").GetInt32());
    }

    [ProviderFact]
    public async Task The_clinic_argument_narrows_lines_and_queued_work_and_an_unknown_clinic_is_an_error()
    {
        var other = await TestData.CreateAsync(_f.Tenant.Client, TestData.ClinicCreate, "clinicCreate", TestData.Clinic());

        var mine = await HealthAsync(_f.ClinicId);
        var empty = await HealthAsync(other);

        Assert.Equal(4, mine.GetProperty("lines").EnumerateArray().Sum(s => s.GetProperty("count").GetInt32()));
        Assert.All(empty.GetProperty("lines").EnumerateArray(), s => Assert.Equal(0, s.GetProperty("count").GetInt32()));
        Assert.Empty(empty.GetProperty("pharmacies").EnumerateArray());
        Assert.Equal((0, 0), (empty.GetProperty("pending").GetInt32(), empty.GetProperty("parked").GetInt32()));

        // The partner order submission and the settlement and cancellation messages are the clinic's work.
        using (var scope = App.Services.CreateScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<HeadlessDatabase>().CreatePlatformContext();
            await using var _ = db;
            var clinicId = GlobalId.TryDecode(_f.ClinicId, "Clinic", out var id) ? id : 0;
            var messages = await db.OutboxMessages.Where(m => m.OrganizationId == _f.Tenant.OrganizationId).ToListAsync();
            Assert.NotEmpty(messages);
            Assert.All(messages, m => Assert.Equal(clinicId, m.ClinicId));
        }

        foreach (var unknown in new[] { GlobalId.Encode("Clinic", 9_999_999), "not-an-id" })
        {
            var response = await _f.Tenant.Client.PostAsync(Health, new { clinicId = unknown });
            Assert.Equal(["NOT_FOUND"], response.ErrorCodes);
        }
    }
}

public sealed class QueueHealthTestsOnSqlite() : QueueHealthTests(DatabaseProvider.Sqlite, null);

[Collection(PostgresCollection.Name)]
public sealed class QueueHealthTestsOnPostgres(PostgresServer postgres) : QueueHealthTests(DatabaseProvider.Postgres, postgres);
