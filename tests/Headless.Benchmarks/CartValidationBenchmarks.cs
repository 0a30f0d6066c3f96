using BenchmarkDotNet.Attributes;
using GraphQL;
using Headless.Carts;
using Headless.Carts.Validation;
using Headless.Catalog;
using Headless.Data;
using Headless.GraphQL;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Headless.Benchmarks;

/// <summary>
/// Preflight validation of one clinic's cart of 40 or 400 lines on a migrated SQLite file (<see cref="BenchmarkHost"/>).
/// <see cref="Validate"/> runs <see cref="CartValidator.ValidateAsync"/> alone: it reads and evaluates but does not
/// store, so every run sees the same database. <see cref="CartValidateMutation"/> executes the real cartValidate
/// mutation through the schema and document executer (parse, validation, resolvers, storing the validation with
/// its issues, reading the cart back, JSON serialization); it stores one validation per run. No HTTP transport.
/// </summary>
[MemoryDiagnoser]
public class CartValidationBenchmarks
{
    private const string CartValidateMutationDocument = """
        mutation($cartId: ID!) {
          cartValidate(cartId: $cartId) {
            validation { cartVersion current errorCount warningCount passed issues(first: 100) { totalCount nodes { lineId code severity field message } } }
            cart {
              id version lineCount patientCount checkoutReady
              totals { subtotal { amount } shipping { amount } total { amount } }
              pharmacyTotals { pharmacy { name } lineCount shipmentCount subtotal { amount } shipping { amount } total { amount } }
              latestValidation { cartVersion current errorCount warningCount passed }
              lines(first: 100) { totalCount nodes { id quantity sig daysSupply routingReason shipToOverridden
                patient { id } product { id name } pharmacy { id name } prescriber { id }
                shipTo { state zip } unitPrice { amount } lineTotal { amount } shippingShare { amount } landedCost { amount }
                issues { code severity field message } } }
            }
            userErrors { code field message }
          }
        }
        """;

    private BenchmarkHost _bench = null!;
    private Inputs _variables = null!;
    private List<CartLine> _lines = [];
    private List<Offering> _alternatives = [];

    [Params(40, 400)]
    public int Lines { get; set; }

    [GlobalSetup]
    public void Setup() => SetupAsync().GetAwaiter().GetResult();

    private async Task SetupAsync()
    {
        _bench = await BenchmarkHost.StartAsync(Lines);
        _variables = new Dictionary<string, object?> { ["cartId"] = GlobalId.Encode("Cart", _bench.Cart.Id) }.ToInputs();

        // Fail fast on a wrong setup: a benchmark of an empty cart or an error path would be meaningless.
        var validation = await Validate();
        var lineIds = validation.Issues.Select(i => i.LineId).Distinct().Count();
        if (validation.ErrorCount == 0 || validation.WarningCount == 0 || lineIds < Lines / 2)
        {
            throw new InvalidOperationException($"Unexpected validation: {validation.ErrorCount} errors, {validation.WarningCount} warnings on {lineIds} lines.");
        }

        // The rules alone get the very rows ValidateAsync reads.
        await _bench.InTenantAsync(async services =>
        {
            var db = services.GetRequiredService<HeadlessDbContext>();
            (_, _lines, _alternatives) = await CartSnapshot.LoadAsync(db, _bench.Cart.Id, CancellationToken.None);
            return 0;
        });

        if (EvaluateRules().Count != validation.Issues.Count)
        {
            throw new InvalidOperationException("The rules alone found a different number of issues than ValidateAsync.");
        }

        var json = await CartValidateMutation();
        if (json.Contains("\"errors\"", StringComparison.Ordinal) || !json.Contains($"\"lineCount\":{Lines}", StringComparison.Ordinal))
        {
            throw new InvalidOperationException("The cartValidate mutation did not execute cleanly: " + json[..Math.Min(json.Length, 2000)]);
        }
    }

    [Benchmark]
    public Task<CartValidation> Validate() =>
        _bench.InTenantAsync(services =>
            services.GetRequiredService<CartValidator>().ValidateAsync(services.GetRequiredService<HeadlessDbContext>(), _bench.Cart, CancellationToken.None));

    /// <summary>The rules alone, in memory, over rows loaded once: how much of Validate is not SQL.</summary>
    [Benchmark]
    public List<CartIssue> EvaluateRules() =>
        CartValidator.Evaluate(_lines, _alternatives, [], DateOnly.FromDateTime(DateTime.UtcNow), new Headless.Carts.Validation.ValidationOptions());

    [Benchmark]
    public Task<string> CartValidateMutation() => _bench.ExecuteAsync(CartValidateMutationDocument, _variables);

    [GlobalCleanup]
    public void Cleanup() => _bench.DisposeAsync().AsTask().GetAwaiter().GetResult();
}
