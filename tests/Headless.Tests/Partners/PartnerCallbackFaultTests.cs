using System.Net;
using Headless.Catalog;
using Headless.Data;
using Headless.GraphQL;
using Headless.Orders;
using Headless.Orders.Lifecycle;
using Headless.Partners;
using Headless.Payments;
using Headless.Shared;
using Headless.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;
using static Headless.Tests.Partners.PartnerCallbacks;

namespace Headless.Tests.Partners;

/// <summary>
/// A partner callback that decides a line, with the database failing its Nth command, for every N (before the command,
/// and after every commit and every write outside a transaction: <see cref="NthCommandFault.Points"/>), then the pharmacy's redelivery of the same signed event and the capture sweep.
/// Whatever N: the line changed once (one pharmacy event, the sequence grown by exactly the changes made), the event
/// id recorded once, the payment moved once and by the right amount, and stock balanced.
/// <list type="bullet">
/// <item>line.received for the last undecided line of an order: the order is captured, once, for its total.</item>
/// <item>line.rejected for a line of an order already captured: that line is refunded, once, for its amount, and
/// its units go back to stock.</item>
/// </list>
/// </summary>
public abstract class PartnerCallbackFaultTests(DatabaseProvider provider, PostgresServer? postgres, ITestOutputHelper output) : ProviderTest(provider, postgres)
{
    private readonly NthCommandFault _fault = new();
    private readonly RecordingGateway _gateway = new();
    private CartFixture _f = null!;
    private HttpClient _http = null!;
    private int _patients;
    private int _orders;

    protected override void ConfigureServices(IServiceCollection services)
    {
        _fault.AddTo(services);
        _gateway.AddTo(services);
    }

    protected override async Task InitializeAppAsync()
    {
        _f = await CartData.CreateAsync(App, 0, "Callback Fault Org");
        _http = App.CreateClient();
    }

    /// <summary>The order, the line the callback is about, and what was true before it.</summary>
    private sealed record Scene(CallbackOrder Order, OrderLineInfo Line, OrderLineInfo Other, long OrderKey, long LineKey, long OtherKey, int LineSequence, int OtherSequence, int Stock, long OfferingKey);

    [ProviderFact]
    public async Task A_received_that_completes_the_order_captures_once_whatever_command_fails()
    {
        await RunAsync(
            "line.received",
            null,
            async order => await DeliverAsync(order, order.Lines[1], "line.received"),
            async (scene, label, problems) =>
            {
                await using var db = App.Database.CreatePlatformContext();
                var order = await db.Orders.IgnoreQueryFilters().AsNoTracking().Include(o => o.Lines).SingleAsync(o => o.Id == scene.OrderKey);
                var line = order.Lines.Single(l => l.Id == scene.LineKey);
                var other = order.Lines.Single(l => l.Id == scene.OtherKey);
                Check(problems, label, line.Status == OrderLineStatus.Received, $"the line is {line.Status.ToWire()}");
                Check(problems, label, order.PaymentStatus == PaymentStatus.Captured && order.CapturedAmount == order.Total, $"the order is {order.PaymentStatus.ToWire()}, {order.CapturedAmount} of {order.Total} captured");
                Check(problems, label, order.Lines.All(l => l.PaymentStatus == LinePaymentStatus.Captured && l.CapturedAmount == l.Amount), "a line is not captured for its amount");
                var captures = _gateway.Calls.Where(c => c.Operation == "capture" && c.Key == PaymentSettlement.CaptureKey(order.Id)).ToList();
                Check(problems, label, captures.Count >= 1 && captures.All(c => c.Amount == order.Total), $"capture calls: {string.Join(", ", captures.Select(c => c.Amount))}");
                Check(problems, label, _gateway.Calls.Count(c => c.Operation == "capture" && c.Key.StartsWith($"hx-order-{order.Id}-", StringComparison.Ordinal)) == captures.Count, "a capture under another key");

                // The status change and the capture are one change each of the line; the capture one of the other line.
                Check(problems, label, line.Sequence == scene.LineSequence + 2, $"the line's sequence went from {scene.LineSequence} to {line.Sequence}, expected +2 (received, captured)");
                Check(problems, label, other.Sequence == scene.OtherSequence + 1, $"the other line's sequence went from {scene.OtherSequence} to {other.Sequence}, expected +1 (captured)");
                Check(problems, label, await StockAsync(scene.OfferingKey) == scene.Stock, "stock moved");
            });
    }

    [ProviderFact]
    public async Task A_rejection_after_the_capture_refunds_once_whatever_command_fails()
    {
        await RunAsync(
            "line.rejected",
            new { reasonCode = "OUT_OF_STOCK", message = "Ran out while compounding.", fixable = false },
            async order =>
            {
                await DeliverAsync(order, order.Lines[0], "line.received");
                await DeliverAsync(order, order.Lines[1], "line.received");
            },
            async (scene, label, problems) =>
            {
                await using var db = App.Database.CreatePlatformContext();
                var order = await db.Orders.IgnoreQueryFilters().AsNoTracking().Include(o => o.Lines).SingleAsync(o => o.Id == scene.OrderKey);
                var line = order.Lines.Single(l => l.Id == scene.LineKey);
                var other = order.Lines.Single(l => l.Id == scene.OtherKey);
                Check(problems, label, line.Status == OrderLineStatus.Rejected, $"the line is {line.Status.ToWire()}");
                Check(problems, label, order.PaymentStatus == PaymentStatus.PartiallyRefunded && order.RefundedAmount == line.Amount && order.CapturedAmount == order.Total,
                    $"the order is {order.PaymentStatus.ToWire()}, {order.RefundedAmount} refunded, {order.CapturedAmount} of {order.Total} captured");
                Check(problems, label, line.PaymentStatus == LinePaymentStatus.Refunded && line.RefundedAmount == line.Amount, $"the line is {line.PaymentStatus.ToWire()}, {line.RefundedAmount} of {line.Amount} refunded");
                Check(problems, label, other.PaymentStatus == LinePaymentStatus.Captured && other.RefundedAmount == 0, "the other line was touched");
                var refunds = _gateway.Calls.Where(c => c.Operation == "refund" && c.Key == PaymentSettlement.RefundKey(line.Id)).ToList();
                Check(problems, label, refunds.Count >= 1 && refunds.All(c => c.Amount == line.Amount), $"refund calls: {string.Join(", ", refunds.Select(c => c.Amount))}");
                Check(problems, label, _gateway.Calls.Count(c => c.Operation == "refund" && c.Key == PaymentSettlement.RefundKey(other.Id)) == 0, "the other line was refunded");
                Check(problems, label, _gateway.Calls.Count(c => c.Operation == "capture" && c.Key.StartsWith($"hx-order-{order.Id}-", StringComparison.Ordinal)) == 1, "captured again");

                Check(problems, label, line.Sequence == scene.LineSequence + 2, $"the line's sequence went from {scene.LineSequence} to {line.Sequence}, expected +2 (rejected, refunded)");
                Check(problems, label, other.Sequence == scene.OtherSequence, $"the other line's sequence went from {scene.OtherSequence} to {other.Sequence}");
                Check(problems, label, await StockAsync(scene.OfferingKey) == scene.Stock + line.Quantity, $"stock went from {scene.Stock} to {await StockAsync(scene.OfferingKey)}; the line gives back {line.Quantity}");
            });
    }

    /// <summary>
    /// Measures a clean delivery, then for every N (and timing) builds a fresh order, prepares it, delivers the event
    /// with the fault armed at N, redelivers the same signed event, runs the capture sweep, and checks.
    /// </summary>
    private async Task RunAsync(string type, object? extra, Func<CallbackOrder, Task> prepare, Func<Scene, string, List<string>, Task> check)
    {
        var problems = new List<string>();
        var clean = await SceneAsync(prepare);
        IReadOnlyList<(CommandKind Kind, string Text)> commands;
        var body = Body(type, clean.Line.Number, Now, extra: extra);
        using (var plan = _fault.Count())
        {
            using var response = await PostAsync(_http, clean.Line.PharmacyId, clean.Order.SecretOf(clean.Line), body, Now);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            commands = plan.Commands;
        }

        await FinishAsync(clean, body, type, "clean", problems, check);
        var runs = NthCommandFault.Points(commands);
        var struck = 0;
        foreach (var (n, timing) in runs)
        {
            var scene = await SceneAsync(prepare);
            body = Body(type, scene.Line.Number, Now, extra: extra);
            string? hit;
            HttpStatusCode first;
            using (var plan = _fault.Arm(n, timing))
            {
                using var response = await PostAsync(_http, scene.Line.PharmacyId, scene.Order.SecretOf(scene.Line), body, Now);
                first = response.StatusCode;
                hit = plan.Struck;
            }

            struck += hit is null ? 0 : 1;
            await FinishAsync(scene, body, type, $"{timing} {hit ?? n.ToString(System.Globalization.CultureInfo.InvariantCulture)} (first answer {(int)first})", problems, check);
        }

        output.WriteLine($"{App.Provider} {type}: {commands.Count} commands per delivery ({commands.Count(c => c.Kind is CommandKind.Write or CommandKind.TransactionWrite)} writes, {commands.Count(c => c.Kind == CommandKind.Write)} outside a transaction, {commands.Count(c => c.Kind == CommandKind.Commit)} commits); {runs.Count} faulted deliveries, {struck} struck.");
        Assert.True(problems.Count == 0, string.Join("\n", problems));
        Assert.Equal(runs.Count, struck);
    }

    /// <summary>The pharmacy redelivers the same event (same id and body, signed afresh); the sweep then does what a crash left undone.</summary>
    private async Task FinishAsync(Scene scene, string body, string type, string label, List<string> problems, Func<Scene, string, List<string>, Task> check)
    {
        using (var redelivery = await PostAsync(_http, scene.Line.PharmacyId, scene.Order.SecretOf(scene.Line), body, Now))
        {
            Check(problems, label, redelivery.StatusCode == HttpStatusCode.OK, $"the redelivery answered {(int)redelivery.StatusCode}: {await redelivery.Content.ReadAsStringAsync()}");
        }

        await App.Services.GetRequiredService<CaptureSweep>().SweepOnceAsync(default);

        await using (var db = App.Database.CreatePlatformContext())
        {
            var eventId = MessageId(body);
            var records = await db.Set<PartnerEventRecord>().CountAsync(r => r.EventId == eventId);
            Check(problems, label, records == 1, $"the event id is recorded {records} times");
            var to = type == "line.received" ? OrderLineStatus.Received : OrderLineStatus.Rejected;
            var events = await db.OrderLineEvents.IgnoreQueryFilters().CountAsync(e => e.OrderLineId == scene.LineKey && e.Source == EventSource.Pharmacy && e.ToStatus == to);
            Check(problems, label, events == 1, $"{events} pharmacy events to {to} on the line");
        }

        await check(scene, label, problems);
    }

    private DateTimeOffset Now => App.Clock.GetUtcNow();

    private async Task DeliverAsync(CallbackOrder order, OrderLineInfo line, string type)
    {
        var (status, _) = await SendAsync(App, _http, order, line, type, Now);
        Assert.Equal(HttpStatusCode.OK, status);
    }

    /// <summary>A fresh order of two lines for new patients (East: the line the callback is about; West), prepared.</summary>
    private async Task<Scene> SceneAsync(Func<CallbackOrder, Task> prepare)
    {
        var patients = new List<string>();
        for (var i = 0; i < 2; i++)
        {
            patients.Add(await TestData.CreateAsync(_f.Tenant.Client, TestData.PatientCreate, "patientCreate", TestData.Patient($"Cb{_patients}", "Doe", $"CB-{_patients++}")));
        }

        var order = await CheckoutAsync(App, _f with { Patients = patients }, [_f.Catalog.SemaEast, _f.Catalog.SemaWest], $"callback-fault-{_orders++}");
        await prepare(order);
        var (line, other) = (order.Lines[0], order.Lines[1]);
        GlobalId.TryDecode(order.OrderId, "Order", out var orderKey);
        GlobalId.TryDecode(line.Id, "OrderLine", out var lineKey);
        GlobalId.TryDecode(other.Id, "OrderLine", out var otherKey);
        GlobalId.TryDecode(_f.Catalog.SemaEast, "Offering", out var offering);
        await using var db = App.Database.CreatePlatformContext();
        var sequences = await db.OrderLines.IgnoreQueryFilters().AsNoTracking().Where(l => l.OrderId == orderKey).ToDictionaryAsync(l => l.Id, l => l.Sequence);
        return new Scene(order, line, other, orderKey, lineKey, otherKey, sequences[lineKey], sequences[otherKey], await StockAsync(offering), offering);
    }

    private async Task<int> StockAsync(long offering)
    {
        await using var db = App.Database.CreatePlatformContext();
        return await db.Set<Offering>().AsNoTracking().Where(o => o.Id == offering).Select(o => o.Stock).SingleAsync();
    }

    private static void Check(List<string> problems, string label, bool ok, string what)
    {
        if (!ok)
        {
            problems.Add($"{label}: {what}");
        }
    }
}

public sealed class PartnerCallbackFaultTestsOnSqlite(ITestOutputHelper output) : PartnerCallbackFaultTests(DatabaseProvider.Sqlite, null, output);

[Collection(PostgresCollection.Name)]
public sealed class PartnerCallbackFaultTestsOnPostgres(PostgresServer postgres, ITestOutputHelper output) : PartnerCallbackFaultTests(DatabaseProvider.Postgres, postgres, output);
