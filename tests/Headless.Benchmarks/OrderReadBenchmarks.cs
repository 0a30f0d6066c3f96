using System.Text.Json;
using System.Text.Json.Serialization;
using BenchmarkDotNet.Attributes;
using GraphQL;
using Headless.Data;
using Headless.GraphQL;
using Headless.Orders;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Headless.Benchmarks;

/// <summary>
/// What the GraphQL layer costs on top of the data: a 100-line order read through the schema and document executer
/// (<see cref="GraphQL"/>) against the same fields loaded by one hand-written EF Core query and serialized by
/// System.Text.Json into the same JSON (<see cref="DirectEfCore"/>, the baseline). Same process, same SQLite file.
/// The goal is a ratio of at most 1.3.
/// </summary>
[MemoryDiagnoser]
public class OrderReadBenchmarks
{
    private const string Document = """
        query($id: ID!) {
          node(id: $id) {
            ... on Order {
              id number status paymentStatus total { amount currencyCode } placedAt lineCount
              lines(first: 100) { nodes {
                id number status statusSince quantity sig daysSupply owner paymentStatus
                amount { amount currencyCode } statusReason { code message } tracking { carrier number url }
                patient { id firstName lastName } product { id name } pharmacy { id name } } }
            }
          }
        }
        """;

    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseUpper) },
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    private BenchmarkHost _bench = null!;
    private Inputs _variables = null!;
    private long _orderId;

    [GlobalSetup]
    public void Setup() => SetupAsync().GetAwaiter().GetResult();

    private async Task SetupAsync()
    {
        _bench = await BenchmarkHost.StartAsync(0, fillCart: false, stock: 100_000);
        var patients = await _bench.AddPatientsAsync(100);
        var (cartId, version) = await _bench.ValidatedCartAsync(_bench.ClinicId, patients);
        var checkedOut = await _bench.DataAsync(
            "mutation($input: CartCheckoutInput!) { cartCheckout(input: $input) { order { id } userErrors { code message } } }",
            BenchmarkHost.Variables(("input", BenchmarkHost.CheckoutInput(cartId, version, "bench-order"))), "cartCheckout");
        var orderId = checkedOut.GetProperty("order").ValueKind == JsonValueKind.Object ? checkedOut.GetProperty("order").GetProperty("id").GetString()! : throw new InvalidOperationException("Checkout failed: " + checkedOut.GetRawText());
        GlobalId.TryDecode(orderId, "Order", out _orderId);
        _variables = BenchmarkHost.Variables(("id", orderId));

        // Both sides must produce the same document, else the comparison is not fair.
        var viaGraphQL = await GraphQL();
        var viaEf = await DirectEfCore();
        if (viaGraphQL != viaEf)
        {
            throw new InvalidOperationException($"The two reads differ:\n{viaGraphQL[..Math.Min(1500, viaGraphQL.Length)]}\n{viaEf[..Math.Min(1500, viaEf.Length)]}");
        }
    }

    [Benchmark]
    public Task<string> GraphQL() => _bench.ExecuteAsync(Document, _variables);

    [Benchmark(Baseline = true)]
    public Task<string> DirectEfCore() =>
        _bench.InTenantAsync(async services =>
        {
            var db = services.GetRequiredService<HeadlessDbContext>();
            var order = await db.Orders.AsNoTracking().Where(o => o.Id == _orderId)
                .Select(o => new { o.Id, o.Status, o.PaymentStatus, o.Total, o.Currency, o.PlacedAt, LineCount = db.OrderLines.Count(l => l.OrderId == o.Id) })
                .SingleAsync();
            var lines = await (
                from l in db.OrderLines.AsNoTracking()
                where l.OrderId == _orderId
                orderby l.Position
                join p in db.Patients on l.PatientId equals p.Id
                join product in db.Products on l.ProductId equals product.Id
                join pharmacy in db.Pharmacies on l.PharmacyId equals pharmacy.Id
                select new
                {
                    l.Id,
                    l.Position,
                    l.Status,
                    l.StatusSince,
                    l.Quantity,
                    l.Sig,
                    l.DaysSupply,
                    l.Owner,
                    l.PaymentStatus,
                    l.Amount,
                    l.StatusReasonCode,
                    l.StatusReasonMessage,
                    l.TrackingCarrier,
                    l.TrackingNumber,
                    l.TrackingUrl,
                    PatientId = p.Id,
                    p.FirstName,
                    p.LastName,
                    ProductId = product.Id,
                    ProductName = product.Name,
                    PharmacyId = pharmacy.Id,
                    PharmacyName = pharmacy.Name,
                    pharmacy.Currency,
                }).Take(100).ToListAsync();
            var number = Order.FormatNumber(order.Id);
            var node = new OrderJson(
                GlobalId.Encode("Order", order.Id), number, order.Status, order.PaymentStatus, new MoneyJson(order.Total, order.Currency),
                order.PlacedAt, order.LineCount,
                new LinesJson([.. lines.Select(l => new LineJson(
                    GlobalId.Encode("OrderLine", l.Id), OrderLine.FormatNumber(number, l.Position), l.Status, l.StatusSince,
                    l.Quantity, l.Sig, l.DaysSupply, l.Owner, l.PaymentStatus, new MoneyJson(l.Amount, l.Currency),
                    l.StatusReasonCode is null ? null : new ReasonJson(l.StatusReasonCode, l.StatusReasonMessage),
                    l.TrackingCarrier is null && l.TrackingNumber is null && l.TrackingUrl is null ? null : new TrackingJson(l.TrackingCarrier, l.TrackingNumber, l.TrackingUrl),
                    new PatientJson(GlobalId.Encode("Patient", l.PatientId), l.FirstName, l.LastName),
                    new NamedJson(GlobalId.Encode("Product", l.ProductId), l.ProductName),
                    new NamedJson(GlobalId.Encode("Pharmacy", l.PharmacyId), l.PharmacyName)))]));
            return JsonSerializer.Serialize(new { data = new { node } }, Json);
        });

    [GlobalCleanup]
    public void Cleanup() => _bench.DisposeAsync().AsTask().GetAwaiter().GetResult();

    private sealed record MoneyJson(long Amount, string CurrencyCode);

    private sealed record ReasonJson(string Code, string? Message);

    private sealed record TrackingJson(string? Carrier, string? Number, string? Url);

    private sealed record PatientJson(string Id, string FirstName, string LastName);

    private sealed record NamedJson(string Id, string Name);

    private sealed record LineJson(
        string Id, string Number, OrderLineStatus Status, DateTimeOffset StatusSince, int Quantity, string Sig, int DaysSupply, LineOwner Owner,
        LinePaymentStatus PaymentStatus, MoneyJson Amount, ReasonJson? StatusReason, TrackingJson? Tracking, PatientJson Patient, NamedJson Product, NamedJson Pharmacy);

    private sealed record LinesJson(IReadOnlyList<LineJson> Nodes);

    private sealed record OrderJson(
        string Id, string Number, OrderStatus Status, PaymentStatus PaymentStatus, MoneyJson Total, DateTimeOffset PlacedAt, int LineCount, LinesJson Lines);
}
