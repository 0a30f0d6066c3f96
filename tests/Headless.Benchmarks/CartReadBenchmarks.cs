using BenchmarkDotNet.Attributes;
using GraphQL;
using Headless.Carts.Validation;
using Headless.Data;
using Microsoft.Extensions.DependencyInjection;

namespace Headless.Benchmarks;

/// <summary>
/// Reading a validated cart of 1, 100 or 1,000 lines: its counts and totals alone, and its first page of 20 lines
/// with every line field (prices, shipping shares and issues). A read costs what it asks for: both must stay
/// flat from 1 to 1,000 lines, because counts and totals are aggregates and only the page is loaded.
/// </summary>
[MemoryDiagnoser]
public class CartReadBenchmarks
{
    private const string SummaryDocument = """
        query($clinicId: ID!) { cart(clinicId: $clinicId) { id lineCount totals { subtotal { amount } shipping { amount } total { amount } } } }
        """;

    private const string FirstPageDocument = """
        query($clinicId: ID!) {
          cart(clinicId: $clinicId) {
            id lineCount totals { total { amount } }
            lines(first: 20) { totalCount pageInfo { hasNextPage endCursor } nodes { id quantity sig daysSupply routingReason shipToOverridden
              patient { id firstName } product { id name } pharmacy { id name } prescriber { id }
              shipTo { state zip } unitPrice { amount } lineTotal { amount } shippingShare { amount } landedCost { amount }
              issues { code severity field message } } }
          }
        }
        """;

    private BenchmarkHost _bench = null!;
    private Inputs _variables = null!;

    [Params(1, 100, 1000)]
    public int Lines { get; set; }

    [GlobalSetup]
    public void Setup() => SetupAsync().GetAwaiter().GetResult();

    private async Task SetupAsync()
    {
        _bench = await BenchmarkHost.StartAsync(Lines);
        _variables = new Dictionary<string, object?> { ["clinicId"] = _bench.ClinicId }.ToInputs();
        await _bench.InTenantAsync(services =>
            services.GetRequiredService<CartValidator>().ValidateAndSaveAsync(services.GetRequiredService<HeadlessDbContext>(), _bench.Cart.Id, CancellationToken.None));

        foreach (var json in new[] { await Summary(), await FirstPage() })
        {
            if (json.Contains("\"errors\"", StringComparison.Ordinal) || !json.Contains($"\"lineCount\":{Lines}", StringComparison.Ordinal))
            {
                throw new InvalidOperationException("The cart read did not execute cleanly: " + json[..Math.Min(json.Length, 2000)]);
            }
        }
    }

    [Benchmark]
    public Task<string> Summary() => _bench.ExecuteAsync(SummaryDocument, _variables);

    [Benchmark]
    public Task<string> FirstPage() => _bench.ExecuteAsync(FirstPageDocument, _variables);

    [GlobalCleanup]
    public void Cleanup() => _bench.DisposeAsync().AsTask().GetAwaiter().GetResult();
}
