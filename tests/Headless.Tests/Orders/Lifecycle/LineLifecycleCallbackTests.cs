using System.Net;
using Headless.Data;
using Headless.GraphQL;
using Headless.Orders;
using Headless.Orders.Lifecycle;
using Headless.Tests.Infrastructure;
using Headless.Tests.Partners;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using static Headless.Tests.Partners.PartnerCallbacks;

namespace Headless.Tests.Orders.Lifecycle;

/// <summary>
/// What <see cref="LineLifecycle.ApplyAsync"/> adds to the in-memory rules, through signed partner callbacks: a held
/// line's high water read from its trail, stock given back exactly once by a line that will not be filled, tracking
/// attached late and replaced, and the line lock's precondition.
/// </summary>
public abstract class LineLifecycleCallbackTests(DatabaseProvider provider, PostgresServer? postgres) : ProviderTest(provider, postgres)
{
    private static readonly object Shipment = new { carrier = "UPS", trackingNumber = "1Z999AA10123456784" };

    private CartFixture _f = null!;
    private HttpClient _http = null!;
    private DateTimeOffset _t0;

    protected override async Task InitializeAppAsync()
    {
        _f = await CartData.CreateAsync(App, 6);
        _http = App.CreateClient();
    }

    private async Task<CallbackOrder> OrderAsync(string key, int lines)
    {
        var order = await CheckoutAsync(App, _f, Enumerable.Repeat(_f.Catalog.SemaEast, lines).ToList(), key);
        _t0 = App.Clock.GetUtcNow();
        App.Clock.Advance(TimeSpan.FromHours(1));
        return order;
    }

    private async Task<(bool Changed, string Status, int Sequence)> SendAsync(CallbackOrder order, OrderLineInfo line, string type, int minute, object? extra = null)
    {
        var (status, body) = await PartnerCallbacks.SendAsync(App, _http, order, line, type, _t0.AddMinutes(minute), extra);
        Assert.True(status == HttpStatusCode.OK, $"{type} on {line.Number}: {(int)status} {body}");
        return (body.GetProperty("changed").GetBoolean(), body.GetProperty("status").GetString()!, body.GetProperty("sequence").GetInt32());
    }

    private static (bool Changed, string Status) Outcome((bool Changed, string Status, int Sequence) sent) => (sent.Changed, sent.Status);

    private async Task<int> StockAsync()
    {
        GlobalId.TryDecode(_f.Catalog.SemaEast, "Offering", out var id);
        await using var db = App.Database.CreatePlatformContext();
        return (await db.Offerings.AsNoTracking().SingleAsync(o => o.Id == id)).Stock;
    }

    private static long Key(OrderLineInfo line) => GlobalId.TryDecode(line.Id, "OrderLine", out var id) ? id : throw new InvalidOperationException();

    [ProviderFact]
    public async Task A_line_that_will_not_be_filled_gives_its_stock_back_once_and_no_other_change_does()
    {
        var stock = await StockAsync();
        var order = await OrderAsync("stock", 4);
        Assert.Equal(stock - 4, await StockAsync());
        var (accepted, rejected, cancelled, byClinic) = (order.Lines[0], order.Lines[1], order.Lines[2], order.Lines[3]);

        // Moves that keep the line alive keep its units reserved.
        Assert.True((await SendAsync(order, accepted, "line.received", 1)).Changed);
        Assert.True((await SendAsync(order, accepted, "line.on_hold", 2, new { reasonCode = "ADDRESS", owner = "PATIENT" })).Changed);
        Assert.True((await SendAsync(order, accepted, "line.on_hold", 3, new { reasonCode = "OTHER", owner = "CLINIC" })).Changed);
        Assert.Equal(stock - 4, await StockAsync());

        // A rejection gives one line's units back; a second rejection or a cancellation of the same line does not.
        Assert.True((await SendAsync(order, rejected, "line.rejected", 4, new { reasonCode = "LICENSE" })).Changed);
        Assert.Equal(stock - 3, await StockAsync());
        Assert.False((await SendAsync(order, rejected, "line.rejected", 5, new { reasonCode = "OTHER" })).Changed);
        Assert.False((await SendAsync(order, rejected, "line.cancelled", 6)).Changed);
        Assert.Equal(stock - 3, await StockAsync());

        // So does a pharmacy's cancellation, and the clinic's.
        Assert.True((await SendAsync(order, cancelled, "line.cancelled", 7)).Changed);
        Assert.Equal(stock - 2, await StockAsync());
        Assert.Null(await App.Services.GetRequiredService<OrderLineDecisions>().CancelByClinicAsync(Key(byClinic), "Patient changed plans.", default));
        Assert.Equal(stock - 1, await StockAsync());
        Assert.NotNull(await App.Services.GetRequiredService<OrderLineDecisions>().CancelByClinicAsync(Key(byClinic), null, default));
        Assert.Equal(stock - 1, await StockAsync());
    }

    [ProviderFact]
    public async Task A_held_line_is_judged_by_the_furthest_status_on_its_trail()
    {
        var order = await OrderAsync("high-water", 2);
        var (shipped, fresh) = (order.Lines[0], order.Lines[1]);

        // Held after shipping: too far to reject or cancel; earlier statuses and news from before the hold do not resume it.
        await SendAsync(order, shipped, "line.shipped", 10, Shipment);
        Assert.Equal((true, "ON_HOLD"), Outcome(await SendAsync(order, shipped, "line.on_hold", 20, new { reasonCode = "ADDRESS", owner = "PATIENT" })));
        Assert.Equal((true, "ON_HOLD"), Outcome(await SendAsync(order, shipped, "line.on_hold", 21, new { reasonCode = "ADDRESS", owner = "CLINIC" })));
        Assert.Equal((false, "ON_HOLD"), Outcome(await SendAsync(order, shipped, "line.rejected", 30, new { reasonCode = "OTHER" })));
        Assert.Equal((false, "ON_HOLD"), Outcome(await SendAsync(order, shipped, "line.cancelled", 30)));
        Assert.Equal((false, "ON_HOLD"), Outcome(await SendAsync(order, shipped, "line.compounding", 30)));
        Assert.Equal((false, "ON_HOLD"), Outcome(await SendAsync(order, shipped, "line.shipped", 31)));
        Assert.Equal((false, "ON_HOLD"), Outcome(await SendAsync(order, shipped, "line.delivered", 15)));
        Assert.Equal((true, "DELIVERED"), Outcome(await SendAsync(order, shipped, "line.delivered", 40)));

        // Held straight from SUBMITTED (its trail has only the payment's move): RECEIVED resumes it; held again after
        // that, it can still be cancelled, as it never reached COMPOUNDING.
        Assert.Equal((true, "ON_HOLD"), Outcome(await SendAsync(order, fresh, "line.on_hold", 5, new { reasonCode = "SIG_CLARIFICATION", owner = "CLINIC" })));
        Assert.Equal((true, "RECEIVED"), Outcome(await SendAsync(order, fresh, "line.received", 6)));
        Assert.Equal((true, "ON_HOLD"), Outcome(await SendAsync(order, fresh, "line.on_hold", 7, new { reasonCode = "OTHER" })));
        Assert.Equal((true, "CANCELLED"), Outcome(await SendAsync(order, fresh, "line.cancelled", 8)));

        var line = await ReadLineAsync(order.Client, shipped.Id);
        Assert.Equal(
            ["SUBMITTED", "SHIPPED", "ON_HOLD", "ON_HOLD", "DELIVERED"],
            line.At("events.nodes").EnumerateArray().Select(e => e.GetProperty("to").GetString()));
        Assert.Equal("UPS", line.At("tracking.carrier").GetString());
    }

    [ProviderFact]
    public async Task Tracking_attaches_after_delivery_is_replaced_by_new_values_and_the_same_values_change_nothing()
    {
        var order = await OrderAsync("tracking", 1);
        var line = order.Lines[0];
        await SendAsync(order, line, "line.received", 1);
        var delivered = await SendAsync(order, line, "line.delivered", 30);

        var attached = await SendAsync(order, line, "line.shipped", 20, Shipment);
        Assert.Equal((true, "DELIVERED", delivered.Sequence + 1), attached);
        Assert.Equal((false, "DELIVERED", attached.Sequence), await SendAsync(order, line, "line.shipped", 21, Shipment));
        Assert.Equal((false, "DELIVERED", attached.Sequence), await SendAsync(order, line, "line.received", 22, new { carrier = "FedEx", trackingNumber = "777" }));
        var replaced = await SendAsync(order, line, "line.delivered", 23, new { trackingNumber = "1Z000", trackingUrl = "https://www.ups.com/track?tracknum=1Z000" });
        Assert.Equal((true, "DELIVERED", attached.Sequence + 1), replaced);

        var read = await ReadLineAsync(order.Client, line.Id);
        Assert.Equal(("UPS", "1Z000", "https://www.ups.com/track?tracknum=1Z000"), (read.At("tracking.carrier").GetString(), read.At("tracking.number").GetString(), read.At("tracking.url").GetString()));
        Assert.Equal(replaced.Sequence, read.GetProperty("sequence").GetInt32());
        Assert.Equal(_t0.AddMinutes(30), read.GetProperty("statusSince").GetDateTimeOffset());
        var last = read.At("events.nodes").EnumerateArray().Last();
        Assert.Equal(("DELIVERED", "DELIVERED"), (last.GetProperty("from").GetString(), last.GetProperty("to").GetString()));
        Assert.Contains("1Z000", last.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [ProviderFact]
    public async Task A_line_is_locked_only_inside_a_transaction_by_an_update_of_its_row_that_changes_nothing()
    {
        var order = await OrderAsync("lock", 2);
        var (id, other) = (Key(order.Lines[0]), Key(order.Lines[1]));
        await using var db = App.Database.CreatePlatformContext();

        await Assert.ThrowsAsync<InvalidOperationException>(() => LineLifecycle.LockAsync(db, id, default));

        await using (var tx = await db.Database.BeginTransactionAsync())
        {
            var before = App.Provider == DatabaseProvider.Sqlite ? await TotalChangesAsync(db) : 0;
            await LineLifecycle.LockAsync(db, id, default);
            if (App.Provider == DatabaseProvider.Sqlite)
            {
                // SQLite's write transaction holds the whole database; the lock is still the one-row update.
                Assert.Equal(before + 1, await TotalChangesAsync(db));
            }
            else
            {
                Assert.False(await CanLockElsewhereAsync(id));
                Assert.True(await CanLockElsewhereAsync(other));
            }

            await tx.CommitAsync();
        }

        var line = await db.OrderLines.IgnoreQueryFilters().AsNoTracking().SingleAsync(l => l.Id == id);
        Assert.Equal((OrderLineStatus.Submitted, order.Lines[0].Sequence), (line.Status, line.Sequence));
    }

    private static Task<long> TotalChangesAsync(HeadlessDbContext db) =>
        db.Database.SqlQueryRaw<long>("SELECT total_changes() AS \"Value\"").SingleAsync();

    /// <summary>Whether another connection could take the line's row lock right now (NOWAIT: never waits; the retrying strategy wraps the refusal).</summary>
    private async Task<bool> CanLockElsewhereAsync(long lineId)
    {
        await using var db = App.Database.CreatePlatformContext();
        await using var tx = await db.Database.BeginTransactionAsync();
        try
        {
            await db.Database.SqlQuery<long>($"SELECT \"Id\" AS \"Value\" FROM \"OrderLines\" WHERE \"Id\" = {lineId} FOR UPDATE NOWAIT").ToListAsync();
            return true;
        }
        catch (Exception ex) when ((ex as Npgsql.PostgresException ?? ex.InnerException as Npgsql.PostgresException)?.SqlState == Npgsql.PostgresErrorCodes.LockNotAvailable)
        {
            return false;
        }
    }

    [ProviderFact]
    public async Task The_high_water_of_a_line_not_on_hold_is_its_status_and_of_a_held_one_the_last_forward_status_on_its_trail()
    {
        await using var db = App.Database.CreatePlatformContext();

        // Not on hold: its own status, whatever the trail says (this one has none).
        Assert.Equal(OrderLineStatus.Compounding, await LineLifecycle.HighWaterAsync(db, InMemory.OrderLine(OrderLineStatus.Compounding, _t0), default));

        // Held with no trail at all: SUBMITTED, never nothing.
        Assert.Equal(OrderLineStatus.Submitted, await LineLifecycle.HighWaterAsync(db, InMemory.OrderLine(OrderLineStatus.OnHold, _t0), default));

        var order = await OrderAsync("trail", 1);
        var info = order.Lines[0];
        await SendAsync(order, info, "line.received", 1);
        await SendAsync(order, info, "line.on_hold", 2, new { reasonCode = "ADDRESS", owner = "PATIENT" });
        Assert.Equal(OrderLineStatus.Received, await HighWaterAsync(db, Key(info)));

        // An entry off the forward path (a payment state, as a repair could leave) is not a place the line got to.
        var line = await db.OrderLines.IgnoreQueryFilters().AsNoTracking().SingleAsync(l => l.Id == Key(info));
        db.OrderLineEvents.Add(new OrderLineEvent(line.OrganizationId, line.Id, _t0.AddMinutes(3), EventSource.System, OrderLineStatus.OnHold, OrderLineStatus.PaymentFailed, null, null, null, line.Sequence));
        await db.SaveChangesAsync();
        Assert.Equal(OrderLineStatus.Submitted, await HighWaterAsync(db, line.Id));
    }

    private static async Task<OrderLineStatus> HighWaterAsync(HeadlessDbContext db, long lineId)
    {
        var line = await db.OrderLines.IgnoreQueryFilters().AsNoTracking().SingleAsync(l => l.Id == lineId);
        Assert.Equal(OrderLineStatus.OnHold, line.Status);
        return await LineLifecycle.HighWaterAsync(db, line, default);
    }
}

public sealed class LineLifecycleCallbackTestsOnSqlite() : LineLifecycleCallbackTests(DatabaseProvider.Sqlite, null);

[Collection(PostgresCollection.Name)]
public sealed class LineLifecycleCallbackTestsOnPostgres(PostgresServer postgres) : LineLifecycleCallbackTests(DatabaseProvider.Postgres, postgres);
