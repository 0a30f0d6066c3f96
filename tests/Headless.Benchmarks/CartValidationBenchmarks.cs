using BenchmarkDotNet.Attributes;
using GraphQL;
using GraphQL.Types;
using GraphQL.Validation;
using Headless.Carts;
using Headless.Catalog;
using Headless.Clinics;
using Headless.Data;
using Headless.GraphQL;
using Headless.Hosting;
using Headless.Organizations;
using Headless.Patients;
using Headless.Prescribers;
using Headless.Shared;
using Headless.Validation;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Headless.Benchmarks;

/// <summary>
/// Preflight validation of one clinic's cart of 40 or 400 lines on a migrated SQLite file. The cart is filled
/// through <see cref="CartService.AddLinesAsync"/>, the code path the API uses.
/// <see cref="Validate"/> runs <see cref="CartValidator.ValidateAsync"/> alone: it reads and evaluates but does not
/// store, so every run sees the same database. <see cref="CartValidateMutation"/> executes the real cartValidate
/// mutation through the schema and document executer (parse, validation, resolvers, storing the validation with
/// its issues, reading the cart back, JSON serialization); it stores one validation per run. No HTTP transport.
/// </summary>
[MemoryDiagnoser]
public class CartValidationBenchmarks
{
    private const string GoodSig = "Inject 0.25 mg subcutaneously once weekly";

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

    private string _directory = "";
    private IHost _host = null!;
    private IDocumentExecuter _executer = null!;
    private ISchema _schema = null!;
    private IGraphQLTextSerializer _serializer = null!;
    private long _organizationId;
    private Cart _cart = null!;
    private Inputs _variables = null!;
    private List<CartLine> _lines = [];
    private List<Offering> _alternatives = [];

    [Params(40, 400)]
    public int Lines { get; set; }

    [GlobalSetup]
    public void Setup() => SetupAsync().GetAwaiter().GetResult();

    private async Task SetupAsync()
    {
        _directory = Path.Combine(Path.GetTempPath(), "headless-bench-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_directory);

        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { EnvironmentName = Environments.Production });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Headless:Database:Provider"] = "Sqlite",
            ["Headless:Database:ConnectionString"] = $"Data Source={Path.Combine(_directory, "bench.db")}",
            ["Headless:Demo:Seed"] = "false",
        });
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Services.AddHeadless();

        // The host is built, not started: migrations run here, the way DatabaseStartup runs them.
        _host = builder.Build();
        var database = _host.Services.GetRequiredService<HeadlessDatabase>();
        await using (var db = database.CreatePlatformContext())
        {
            await db.Database.MigrateAsync();
        }

        var seeded = await SeedAsync(database, Lines);
        _organizationId = seeded.OrganizationId;

        // Fill the cart the way cartLinesAdd does, at most 200 lines per call (the API allows 250).
        await using (var scope = _host.Services.CreateAsyncScope())
        {
            scope.ServiceProvider.GetRequiredService<TenantContext>().Set(_organizationId);
            var carts = scope.ServiceProvider.GetRequiredService<CartService>();
            for (var from = 0; from < seeded.Lines.Count; from += 200)
            {
                var result = await carts.AddLinesAsync(seeded.ClinicId, seeded.Lines.Skip(from).Take(200).ToList(), null, CancellationToken.None);
                if (result.Cart is null)
                {
                    throw new InvalidOperationException("Filling the cart failed: " + string.Join("; ", result.UserErrors.Select(e => e.Message)));
                }

                _cart = result.Cart;
            }
        }

        _variables = new Dictionary<string, object?> { ["cartId"] = GlobalId.Encode("Cart", _cart.Id) }.ToInputs();
        _executer = _host.Services.GetRequiredService<IDocumentExecuter>();
        _schema = _host.Services.GetRequiredService<ISchema>();
        _schema.Initialize();
        _serializer = _host.Services.GetRequiredService<IGraphQLTextSerializer>();

        // Fail fast on a wrong setup: a benchmark of an empty cart or an error path would be meaningless.
        var validation = await Validate();
        var lineIds = validation.Issues.Select(i => i.LineId).Distinct().Count();
        if (validation.ErrorCount == 0 || validation.WarningCount == 0 || lineIds < Lines / 2)
        {
            throw new InvalidOperationException($"Unexpected validation: {validation.ErrorCount} errors, {validation.WarningCount} warnings on {lineIds} lines.");
        }

        // The rules alone get the very rows ValidateAsync reads.
        await using (var scope = _host.Services.CreateAsyncScope())
        {
            scope.ServiceProvider.GetRequiredService<TenantContext>().Set(_organizationId);
            var db = scope.ServiceProvider.GetRequiredService<HeadlessDbContext>();
            _lines = await CartSnapshot.LoadLinesAsync(db, _cart.Id, CancellationToken.None);
            var productIds = _lines.Select(l => l.ProductId).Distinct().ToList();
            _alternatives = await db.Offerings.AsNoTracking()
                .Include(o => o.Product).Include(o => o.Pharmacy).ThenInclude(p => p.ShipsTo)
                .Where(o => productIds.Contains(o.ProductId))
                .AsSplitQuery()
                .ToListAsync();
        }

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
    public async Task<CartValidation> Validate()
    {
        await using var scope = _host.Services.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<TenantContext>().Set(_organizationId);
        var db = scope.ServiceProvider.GetRequiredService<HeadlessDbContext>();
        return await scope.ServiceProvider.GetRequiredService<CartValidator>().ValidateAsync(db, _cart, CancellationToken.None);
    }

    /// <summary>The rules alone, in memory, over rows loaded once: how much of Validate is not SQL.</summary>
    [Benchmark]
    public List<CartIssue> EvaluateRules() =>
        CartValidator.Evaluate(_lines, _alternatives, [], DateOnly.FromDateTime(DateTime.UtcNow), new Headless.Validation.ValidationOptions());

    [Benchmark]
    public async Task<string> CartValidateMutation()
    {
        await using var scope = _host.Services.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<TenantContext>().Set(_organizationId);
        var result = await _executer.ExecuteAsync(new ExecutionOptions
        {
            Schema = _schema,
            Query = CartValidateMutationDocument,
            Variables = _variables,
            RequestServices = scope.ServiceProvider,
            ValidationRules = DocumentValidator.CoreRules,
        });
        return _serializer.Serialize(result);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _host.Dispose();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // A temp directory left behind is harmless.
        }
    }

    private sealed record Seeded(long OrganizationId, string ClinicId, IReadOnlyList<CartLineInput> Lines);

    /// <summary>
    /// An organization with a clinic, two prescribers, one patient per line and a catalog of three pharmacies.
    /// Lines are spread over four offerings; most are complete and valid, and a steady share carries typical
    /// findings (missing or incomplete directions, a prescriber without DEA on a controlled product, an
    /// out-of-state patient), so every rule does real work.
    /// </summary>
    private static async Task<Seeded> SeedAsync(HeadlessDatabase database, int lineCount)
    {
        var now = DateTimeOffset.UtcNow;
        await using var db = database.CreatePlatformContext();
        var org = new Organization("Bench Org", "bench-org", now);
        db.Organizations.Add(org);
        await db.SaveChangesAsync();

        var clinic = new Clinic(org.Id, "Bench Clinic", "1234567893", Address("TX", 0), null, RoutingPreference.Cheapest, now);
        var licensed = new Prescriber(org.Id, "Maya", "Okafor", "1234567893", "AB1234563",
            [new PrescriberLicense("TX", "TX-1", new DateOnly(2099, 1, 31)), new PrescriberLicense("CA", "CA-1", new DateOnly(2099, 1, 31))], now);
        var noDea = new Prescriber(org.Id, "Sam", "Reyes", "1245319599", null, [new PrescriberLicense("TX", "TX-2", new DateOnly(2099, 1, 31))], now);
        var patients = Enumerable.Range(0, lineCount)
            .Select(i => new Patient(org.Id, $"B-{i:0000}", $"Pat{i:0000}", "Bench", new DateOnly(1980, 4, 12), Address(i % 25 == 0 ? "NY" : "TX", i + 1), now))
            .ToList();

        var west = new Pharmacy("West Compounding", 3, 1500, ["CA", "NV", "TX"]);
        var east = new Pharmacy("East Compounding", 5, 1200, ["NY", "NJ", "TX"]);
        var slow = new Pharmacy("Slow Compounding", 9, 600, ["TX", "FL"]);
        var sema = new Product("Semaglutide", "2.5 mg/mL", "2 mL vial", null);
        var testo = new Product("Testosterone Cypionate", "200 mg/mL", "10 mL vial", "III");
        var serm = new Product("Sermorelin", "9 mg", "vial", null);
        var semaWest = new Offering(sema, west, 19900, 5000, 4);
        var semaEast = new Offering(sema, east, 18900, 5000, 4);
        var testoEast = new Offering(testo, east, 8900, 5000, 2);
        var sermSlow = new Offering(serm, slow, 9900, 5000, 3);
        db.AddRange(clinic, licensed, noDea, west, east, slow, sema, testo, serm, semaWest, semaEast, testoEast, sermSlow);
        db.Patients.AddRange(patients);
        await db.SaveChangesAsync();

        Offering[] offerings = [semaWest, semaEast, testoEast, sermSlow];
        var lines = patients.Select((p, i) => new CartLineInput
        {
            PatientId = GlobalId.Encode("Patient", p.Id),
            OfferingId = GlobalId.Encode("Offering", offerings[i % offerings.Length].Id),
            Quantity = 1,
            Sig = (i % 10) switch
            {
                3 => null,
                7 => "Take daily",
                _ => GoodSig,
            },
            DaysSupply = 28,
            PrescriberId = GlobalId.Encode("Prescriber", (i % 9 == 2 ? noDea : licensed).Id),
        }).ToList();
        return new Seeded(org.Id, GlobalId.Encode("Clinic", clinic.Id), lines);
    }

    private static Address Address(string state, int number) => new()
    {
        Line1 = $"{number} Oak Ave",
        City = state == "NY" ? "New York" : "Austin",
        State = state,
        Zip = state == "NY" ? "10001" : "78702",
    };
}
