using BenchmarkDotNet.Attributes;
using GraphQL;

namespace Headless.Benchmarks;

/// <summary>
/// The three refill-day mutations at 1, 10, 100 and 250 lines, each executed through the schema and document executer
/// (parse, validation, resolvers, SQL, JSON) on a migrated SQLite file (<see cref="BenchmarkHost"/>), with allocations.
/// <see cref="CartLinesAdd"/> adds every line to a new clinic's empty cart in one call; <see cref="CartValidate"/>
/// validates a cart of that many valid lines (and stores the validation, as the mutation does); <see cref="CartCheckout"/>
/// checks out a validated cart of new patients' lines with the sandbox card. Each iteration gets its state in an
/// iteration setup that is not measured, so an iteration is one call.
/// </summary>
[MemoryDiagnoser]
public class CartMutationBenchmarks
{
    private const string AddDocument = """
        mutation($clinicId: ID!, $lines: [CartLineInput!]!) {
          cartLinesAdd(clinicId: $clinicId, lines: $lines) { cart { id version lineCount } userErrors { code field message } }
        }
        """;

    private const string ValidateDocument = """
        mutation($cartId: ID!) {
          cartValidate(cartId: $cartId) {
            validation { cartVersion current errorCount warningCount passed }
            cart { id version lineCount checkoutReady totals { total { amount } } }
            userErrors { code field message }
          }
        }
        """;

    private const string CheckoutDocument = """
        mutation($input: CartCheckoutInput!) {
          cartCheckout(input: $input) {
            order { id number status paymentStatus lineCount total { amount } }
            userErrors { code field message }
          }
        }
        """;

    private BenchmarkHost _bench = null!;
    private object[] _lines = [];
    private Inputs _add = null!;
    private Inputs _validate = null!;
    private Inputs _checkout = null!;
    private int _round;
    private string _last = "";

    [Params(1, 10, 100, 250)]
    public int Lines { get; set; }

    [GlobalSetup]
    public void Setup() => SetupAsync().GetAwaiter().GetResult();

    private async Task SetupAsync()
    {
        // Stock enough for every checkout of a run; patients of their own for the add and validate benchmarks.
        _bench = await BenchmarkHost.StartAsync(0, fillCart: false, stock: 10_000_000);
        var patients = await _bench.AddPatientsAsync(Lines);
        _lines = _bench.CleanLines(patients);
        var (cartId, _) = await _bench.ValidatedCartAsync(_bench.ClinicId, patients);
        _validate = BenchmarkHost.Variables(("cartId", cartId));
    }

    [IterationSetup(Target = nameof(CartLinesAdd))]
    public void NewEmptyCart() =>
        _add = BenchmarkHost.Variables(("clinicId", _bench.AddClinicAsync().GetAwaiter().GetResult()), ("lines", _lines));

    [Benchmark]
    public async Task<string> CartLinesAdd() => _last = await _bench.ExecuteAsync(AddDocument, _add);

    [Benchmark]
    public Task<string> CartValidate() => _bench.ExecuteAsync(ValidateDocument, _validate);

    /// <summary>New patients each round: a checkout of a patient's product makes the next one a duplicate fill.</summary>
    [IterationSetup(Target = nameof(CartCheckout))]
    public void NewValidatedCart() => NewValidatedCartAsync().GetAwaiter().GetResult();

    private async Task NewValidatedCartAsync()
    {
        var (cartId, version) = await _bench.ValidatedCartAsync(_bench.ClinicId, await _bench.AddPatientsAsync(Lines));
        _checkout = BenchmarkHost.Variables(("input", BenchmarkHost.CheckoutInput(cartId, version, $"bench-{Lines}-{++_round}")));
    }

    [Benchmark]
    public async Task<string> CartCheckout() => _last = await _bench.ExecuteAsync(CheckoutDocument, _checkout);

    /// <summary>Outside the measurement: the call did its work (a benchmark of an error path would be meaningless).</summary>
    [IterationCleanup(Targets = [nameof(CartLinesAdd), nameof(CartCheckout)])]
    public void CheckLastResult()
    {
        if (!_last.Contains("\"userErrors\":[]", StringComparison.Ordinal) || _last.Contains("\"errors\"", StringComparison.Ordinal))
        {
            throw new InvalidOperationException("The measured call did not succeed: " + _last[..Math.Min(_last.Length, 2000)]);
        }
    }

    [GlobalCleanup]
    public void Cleanup() => _bench.DisposeAsync().AsTask().GetAwaiter().GetResult();
}
