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

    /// <summary>Starts a host and fills the clinic's cart with <paramref name="lines"/> lines (see <see cref="Seed"/>).</summary>
    public static async Task<BenchmarkHost> StartAsync(int lines)
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

        // The host is built, not started: migrations run here, the way DatabaseStartup runs them.
        var bench = new BenchmarkHost(directory, builder.Build());
        await using (var db = bench.Database.CreatePlatformContext())
        {
            await db.Database.MigrateAsync();
        }

        var (organizationId, clinicId, inputs) = await Seed(bench.Database, lines);
        bench.OrganizationId = organizationId;
        bench.ClinicId = GlobalId.Encode("Clinic", clinicId);
        await bench.InTenantAsync(async services =>
        {
            var addLines = services.GetRequiredService<AddCartLinesHandler>();
            for (var from = 0; from < inputs.Count; from += 200)
            {
                var result = await addLines.HandleAsync(new AddCartLines(clinicId, inputs.Skip(from).Take(200).ToList()), CancellationToken.None);
                bench.Cart = result.Cart ?? throw new InvalidOperationException("Filling the cart failed: " + string.Join("; ", result.UserErrors.Select(e => e.Message)));
            }

            return 0;
        });
        return bench;
    }

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
    private static async Task<(long OrganizationId, long ClinicId, IReadOnlyList<NewCartLine> Lines)> Seed(HeadlessDatabase database, int lineCount)
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

        var catalog = new CatalogBuilder(stock: 5000);
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
        return (org.Id, clinic.Id, lines);
    }

    private static Address Address(string state, int number) => new()
    {
        Line1 = $"{number} Oak Ave",
        City = state == "NY" ? "New York" : "Austin",
        State = state,
        Zip = state == "NY" ? "10001" : "78702",
    };
}
