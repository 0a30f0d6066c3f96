using System.Security.Claims;
using System.Text;
using BenchmarkDotNet.Attributes;
using GraphQL;
using GraphQL.Types;
using GraphQL.Validation;
using GraphQLParser.AST;
using Headless.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Headless.Benchmarks;

/// <summary>
/// What a document costs before it can execute: parsing plus the app's validation (the linear cost pass and its
/// caps, then GraphQL.NET's standard rules), through the registered <see cref="IDocumentValidator"/>. No database,
/// no HTTP. Rate limits are off so every iteration validates the same way.
/// </summary>
[MemoryDiagnoser]
public class QueryCostBenchmarks
{
    private const int MaxBody = 1024 * 1024;

    private IHost _host = null!;
    private ISchema _schema = null!;
    private IDocumentValidator _validator = null!;
    private string _fanOut = "";
    private string _refillDay = "";
    private Inputs _refillDayVariables = Inputs.Empty;
    private string _cartValidate = "";
    private string _nearLimitFields = "";
    private string _nearLimitString = "";

    [GlobalSetup]
    public void Setup()
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { EnvironmentName = Environments.Production });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Headless:Database:Provider"] = "Sqlite",
            ["Headless:Database:ConnectionString"] = $"Data Source={Path.Combine(Path.GetTempPath(), "headless-bench-unused.db")}",
            ["Headless:RateLimits:Enabled"] = "false",
        });
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Services.AddHeadless();
        _host = builder.Build();
        _schema = _host.Services.GetRequiredService<ISchema>();
        _schema.Initialize();
        _validator = _host.Services.GetRequiredService<IDocumentValidator>();

        _fanOut = FanOut(25);
        (_refillDay, _refillDayVariables) = RefillDay(40);
        _cartValidate = CartValidate;
        _nearLimitFields = NearLimit(i => $"a{i}: __typename ");
        _nearLimitString = "{ patients(search: \"" + new string('x', MaxBody - 200) + "\") { totalCount } }";

        // Fail fast if a document does not end the way the figures in README say.
        Expect(FanOut25Fragments(), "COMPLEXITY");
        Expect(RefillDay40Patients(), null);
        Expect(CartValidateFullCart(), null);
        Expect(NearOneMebibyteOfFields(), "COMPLEXITY");
        Expect(NearOneMebibyteString(), null);
    }

    [Benchmark]
    public IValidationResult FanOut25Fragments() => Validate(_fanOut, Inputs.Empty);

    [Benchmark]
    public IValidationResult RefillDay40Patients() => Validate(_refillDay, _refillDayVariables);

    [Benchmark]
    public IValidationResult CartValidateFullCart() => Validate(_cartValidate, new Dictionary<string, object?> { ["cartId"] = "Q2FydDox" }.ToInputs());

    [Benchmark]
    public IValidationResult NearOneMebibyteOfFields() => Validate(_nearLimitFields, Inputs.Empty);

    [Benchmark]
    public IValidationResult NearOneMebibyteString() => Validate(_nearLimitString, Inputs.Empty);

    private IValidationResult Validate(string text, Inputs variables)
    {
        var document = GraphQLParser.Parser.Parse(text);
        var operation = document.Definitions.OfType<GraphQLOperationDefinition>().First();
        return _validator.ValidateAsync(new ValidationOptions
        {
            Document = document,
            Operation = operation,
            Schema = _schema,
            Rules = DocumentValidator.CoreRules,
            Variables = variables,
            Extensions = Inputs.Empty,
            UserContext = new Dictionary<string, object?>(),
            User = new ClaimsPrincipal(),
            Metrics = global::GraphQL.Instrumentation.Metrics.None,
        }).GetAwaiter().GetResult();
    }

    private static void Expect(IValidationResult result, string? code)
    {
        var actual = result.IsValid ? null : result.Errors[0].Code;
        if (actual != code)
        {
            throw new InvalidOperationException($"Expected {code ?? "a valid document"}, got {actual}: {(result.IsValid ? "" : result.Errors[0].Message)}");
        }
    }

    /// <summary>25 fragments, each spreading the next twice (2^25 fields once expanded).</summary>
    private static string FanOut(int levels)
    {
        var text = new StringBuilder("query { ...F0 }\n");
        for (var i = 0; i < levels; i++)
        {
            text.Append($"fragment F{i} on Query {{ viewer {{ organization {{ name }} }} ...F{i + 1} ...F{i + 1} }}\n");
        }

        return text.Append($"fragment F{levels} on Query {{ viewer {{ organization {{ id }} }} }}\n").ToString();
    }

    /// <summary>A brand's server registering a refill day's patients in one document: 40 aliased patientCreate mutations.</summary>
    private static (string Text, Inputs Variables) RefillDay(int patients)
    {
        var text = new StringBuilder("mutation RefillDay(");
        text.AppendJoin(", ", Enumerable.Range(0, patients).Select(i => $"$p{i}: PatientInput!"));
        text.Append(") {\n");
        var variables = new Dictionary<string, object?>();
        for (var i = 0; i < patients; i++)
        {
            text.Append($"  p{i}: patientCreate(input: $p{i}) {{ patient {{ id externalId firstName lastName dateOfBirth address {{ line1 city state zip }} }} userErrors {{ code field message }} }}\n");
            variables[$"p{i}"] = new Dictionary<string, object?>
            {
                ["externalId"] = $"P-{i:000}",
                ["firstName"] = $"Pat{i:00}",
                ["lastName"] = "Doe",
                ["dateOfBirth"] = "1980-04-12",
                ["address"] = new Dictionary<string, object?> { ["line1"] = "12 Oak Ave", ["city"] = "Austin", ["state"] = "TX", ["zip"] = "78702" },
            };
        }

        return (text.Append('}').ToString(), variables.ToInputs());
    }

    /// <summary>Fields repeated up to just under the 1 MiB body limit (the JSON envelope takes the rest).</summary>
    private static string NearLimit(Func<int, string> selection)
    {
        var text = new StringBuilder("{ ");
        for (var i = 0; text.Length < MaxBody - 200; i++)
        {
            text.Append(selection(i));
        }

        return text.Append('}').ToString();
    }

    private const string CartValidate = """
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

    [GlobalCleanup]
    public void Cleanup() => _host.Dispose();
}
