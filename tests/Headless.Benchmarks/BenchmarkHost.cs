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
using Headless.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Headless.Benchmarks;

/// <summary>
/// The service's container on a migrated SQLite file of its own, with one organization, one clinic and a cart
/// filled through <see cref="AddCartLinesHandler.HandleAsync"/> (the code path the API uses). Documents run through the
/// schema and document executer the way the HTTP transport runs them, without the transport itself.
/// </summary>
internal sealed class BenchmarkHost : IAsyncDisposable
{
    public const string GoodSig = "Inject 0.25 mg subcutaneously once weekly";

    private readonly string _directory;
    private readonly IHost _host;
    private readonly IDocumentExecuter _executer;
    private readonly ISchema _schema;
    private readonly IGraphQLTextSerializer _serializer;

    private BenchmarkHost(string directory, IHost host)
    {
        _directory = directory;
        _host = host;
        _executer = host.Services.GetRequiredService<IDocumentExecuter>();
        _schema = host.Services.GetRequiredService<ISchema>();
        _schema.Initialize();
        _serializer = host.Services.GetRequiredService<IGraphQLTextSerializer>();
    }

    public IServiceProvider Services => _host.Services;

    public HeadlessDatabase Database => _host.Services.GetRequiredService<HeadlessDatabase>();

    public long OrganizationId { get; private set; }

    public string ClinicId { get; private set; } = "";

    public Cart Cart { get; private set; } = null!;

    /// <summary>Global IDs of two offerings every seeded patient may order without an issue (Texas, in stock).</summary>
    public IReadOnlyList<string> CleanOfferingIds { get; private set; } = [];

    /// <summary>Global ID of the prescriber licensed in every seeded state, with a DEA number.</summary>
    public string LicensedPrescriberId { get; private set; } = "";

    /// <summary>Starts a host and fills the clinic's cart with <paramref name="lines"/> lines (see <see cref="Seed"/>).</summary>
    public static Task<BenchmarkHost> StartAsync(int lines) => StartAsync(lines, fillCart: true, stock: 5000);

    /// <summary>
    /// Starts a host with <paramref name="lines"/> patients; with <paramref name="fillCart"/>, the clinic's cart gets a
    /// line per patient, a steady share of them with typical findings.
    /// </summary>
    public static async Task<BenchmarkHost> StartAsync(int lines, bool fillCart, int stock)
    {
        var directory = Path.Combine(Path.GetTempPath(), "headless-bench-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(directory);
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { EnvironmentName = Environments.Production });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Headless:Database:Provider"] = "Sqlite",
            ["Headless:Database:ConnectionString"] = $"Data Source={Path.Combine(directory, "bench.db")}",
            ["Headless:Demo:Seed"] = "false",
        });
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Services.AddHeadless();

        // The host is built, not started: migrations run here, the way DatabaseStartup runs them. No worker runs, so
        // what is measured is the request alone (checkout's outbox messages wait, undelivered).
        var bench = new BenchmarkHost(directory, builder.Build());
        await using (var db = bench.Database.CreatePlatformContext())
        {
            await db.Database.MigrateAsync();
        }

        var seeded = await Seed(bench.Database, lines, stock);
        bench.OrganizationId = seeded.OrganizationId;
        bench.ClinicId = GlobalId.Encode("Clinic", seeded.ClinicId);
        bench.CleanOfferingIds = seeded.CleanOfferingIds.Select(id => GlobalId.Encode("Offering", id)).ToList();
        bench.LicensedPrescriberId = GlobalId.Encode("Prescriber", seeded.LicensedPrescriberId);
        if (!fillCart)
        {
            return bench;
        }

        await bench.InTenantAsync(async services =>
        {
            var addLines = services.GetRequiredService<AddCartLinesHandler>();
            for (var from = 0; from < seeded.Lines.Count; from += 200)
            {
                var result = await addLines.HandleAsync(new AddCartLines(seeded.ClinicId, seeded.Lines.Skip(from).Take(200).ToList()), CancellationToken.None);
                bench.Cart = result.Cart ?? throw new InvalidOperationException("Filling the cart failed: " + string.Join("; ", result.UserErrors.Select(e => e.Message)));
            }

            return 0;
        });
        return bench;
    }

    /// <summary>A new clinic of the organization (its cart starts empty), as a global ID.</summary>
    public async Task<string> AddClinicAsync()
    {
        await using var db = Database.CreatePlatformContext();
        var clinic = new Clinic(OrganizationId, "Bench Clinic " + Guid.NewGuid().ToString("N")[..8], "1234567893", Address("TX", 0), null, RoutingPreference.Cheapest, DateTimeOffset.UtcNow);
        db.Add(clinic);
        await db.SaveChangesAsync();
        return GlobalId.Encode("Clinic", clinic.Id);
    }

    /// <summary>New Texas patients with no order history (so a checkout of their lines meets no duplicate fill), as global IDs.</summary>
    public async Task<IReadOnlyList<string>> AddPatientsAsync(int count)
    {
        await using var db = Database.CreatePlatformContext();
        var batch = Guid.NewGuid().ToString("N")[..8];
        var patients = Enumerable.Range(0, count)
            .Select(i => new Patient(OrganizationId, $"F-{batch}-{i:0000}", $"Fresh{i:0000}", "Bench", new DateOnly(1980, 4, 12), Address("TX", i + 1), DateTimeOffset.UtcNow))
            .ToList();
        db.Patients.AddRange(patients);
        await db.SaveChangesAsync();
        return patients.Select(p => GlobalId.Encode("Patient", p.Id)).ToList();
    }

    /// <summary>cartLinesAdd's input: one complete, valid line per patient, alternating the clean offerings.</summary>
    public object[] CleanLines(IReadOnlyList<string> patientIds) =>
        [.. patientIds.Select((patientId, i) => new Dictionary<string, object?>
        {
            ["patientId"] = patientId,
            ["offeringId"] = CleanOfferingIds[i % CleanOfferingIds.Count],
            ["quantity"] = 1,
            ["sig"] = GoodSig,
            ["daysSupply"] = 28,
            ["prescriberId"] = LicensedPrescriberId,
        })];

    /// <summary>Runs <paramref name="work"/> in a request scope of the organization.</summary>
    public async Task<T> InTenantAsync<T>(Func<IServiceProvider, Task<T>> work)
    {
        await using var scope = _host.Services.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<TenantContext>().Set(OrganizationId);
        return await work(scope.ServiceProvider);
    }

    /// <summary>Executes a document for the organization and serializes the result, as the transport would.</summary>
    public Task<string> ExecuteAsync(string document, Inputs variables) =>
        InTenantAsync(async services =>
        {
            var result = await _executer.ExecuteAsync(new ExecutionOptions
            {
                Schema = _schema,
                Query = document,
                Variables = variables,
                RequestServices = services,
                ValidationRules = DocumentValidator.CoreRules,
            });
            return _serializer.Serialize(result);
        });

    /// <summary>
    /// A cart of <see cref="CleanLines"/> for these patients in the clinic, added and validated through the API; fails
    /// unless it is ready for checkout. Returns the cart's global ID and the version checkout must name.
    /// </summary>
    public async Task<(string CartId, int Version)> ValidatedCartAsync(string clinicId, IReadOnlyList<string> patientIds)
    {
        var added = await DataAsync(
            "mutation($clinicId: ID!, $lines: [CartLineInput!]!) { cartLinesAdd(clinicId: $clinicId, lines: $lines) { cart { id } userErrors { code message } } }",
            Variables(("clinicId", clinicId), ("lines", CleanLines(patientIds))), "cartLinesAdd");
        if (added.GetProperty("userErrors").GetArrayLength() > 0)
        {
            throw new InvalidOperationException("cartLinesAdd refused the benchmark lines: " + added.GetRawText());
        }

        var cartId = added.GetProperty("cart").GetProperty("id").GetString()!;
        var cart = (await DataAsync("mutation($cartId: ID!) { cartValidate(cartId: $cartId) { cart { version checkoutReady } } }", Variables(("cartId", cartId)), "cartValidate")).GetProperty("cart");
        if (!cart.GetProperty("checkoutReady").GetBoolean())
        {
            throw new InvalidOperationException("The benchmark cart does not validate cleanly: " + cart.GetRawText());
        }

        return (cartId, cart.GetProperty("version").GetInt32());
    }

    /// <summary>cartCheckout's input for a validated cart, paid with the sandbox card that is approved.</summary>
    public static Dictionary<string, object?> CheckoutInput(string cartId, int version, string idempotencyKey) => new()
    {
        ["cartId"] = cartId,
        ["expectedVersion"] = version,
        ["paymentMethodId"] = "pm_card_visa",
        ["idempotencyKey"] = idempotencyKey,
    };

    public static Inputs Variables(params (string Name, object? Value)[] values) => values.ToDictionary(v => v.Name, v => v.Value).ToInputs();

    /// <summary>Executes a document and returns data.<paramref name="field"/>; a setup that fails stops the run with the answer.</summary>
    public async Task<System.Text.Json.JsonElement> DataAsync(string document, Inputs variables, string field)
    {
        var json = await ExecuteAsync(document, variables);
        using var parsed = System.Text.Json.JsonDocument.Parse(json);
        if (parsed.RootElement.TryGetProperty("errors", out _) || !parsed.RootElement.TryGetProperty("data", out var data)
            || data.ValueKind != System.Text.Json.JsonValueKind.Object || !data.TryGetProperty(field, out var value))
        {
            throw new InvalidOperationException($"{field} failed: {json[..Math.Min(json.Length, 2000)]}");
        }

        return value.Clone();
    }

    public async ValueTask DisposeAsync()
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

        await Task.CompletedTask;
    }

    /// <summary>
    /// An organization with a clinic, two prescribers, one patient per line and a catalog of three pharmacies
    /// (<see cref="CatalogBuilder"/>, shared with the tests).
    /// Lines are spread over four offerings; most are complete and valid, and a steady share carries typical
    /// findings (missing or incomplete directions, a prescriber without DEA on a controlled product, an
    /// out-of-state patient), so every rule does real work.
    /// </summary>
    private static async Task<Seeded> Seed(HeadlessDatabase database, int lineCount, int stock)
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

        db.AddRange(clinic, licensed, noDea);
        db.Patients.AddRange(patients);
        await db.SaveChangesAsync();

        var catalog = new CatalogBuilder(stock);
        Offering[] offerings = [catalog.SemaWest(), catalog.SemaEast(), catalog.TestoEast(), catalog.SermorelinSlow()];
        await catalog.SaveAsync(database);

        var lines = patients.Select((p, i) => new NewCartLine(p.Id, offerings[i % offerings.Length].Id)
        {
            Quantity = 1,
            Sig = (i % 10) switch
            {
                3 => null,
                7 => "Take daily",
                _ => GoodSig,
            },
            DaysSupply = 28,
            PrescriberId = (i % 9 == 2 ? noDea : licensed).Id,
        }).ToList();
        return new Seeded(org.Id, clinic.Id, lines, [offerings[1].Id, offerings[2].Id], licensed.Id);
    }

    private sealed record Seeded(long OrganizationId, long ClinicId, IReadOnlyList<NewCartLine> Lines, IReadOnlyList<long> CleanOfferingIds, long LicensedPrescriberId);

    private static Address Address(string state, int number) => new()
    {
        Line1 = $"{number} Oak Ave",
        City = state == "NY" ? "New York" : "Austin",
        State = state,
        Zip = state == "NY" ? "10001" : "78702",
    };
}
