using BenchmarkDotNet.Attributes;
using GraphQL;
using GraphQL.Types;
using GraphQL.Validation;
using Headless.Data;
using Headless.Demo;
using Headless.Hosting;
using Headless.Organizations;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Headless.Benchmarks;

/// <summary>
/// Executes the catalog query through the real schema and document executer against a migrated,
/// demo-seeded SQLite database, with the demo organization as tenant: parsing, validation,
/// complexity analysis, resolvers with their own DbContexts, SQL, and JSON serialization.
/// The HTTP transport is not included.
/// </summary>
[MemoryDiagnoser]
public class CatalogBenchmarks
{
    private const string CatalogQuery = """
        query Catalog($shipToState: String, $first: Int) {
          catalog(shipToState: $shipToState, first: $first) {
            totalCount
            pageInfo { hasNextPage endCursor }
            edges {
              cursor
              node {
                id
                unitPrice { amount currencyCode }
                stock
                maxQuantity
                available
                product { id name strength form controlledSchedule }
                pharmacy { id name turnaroundDays shippingFee { amount currencyCode } }
              }
            }
          }
        }
        """;

    private readonly Inputs _variables = new Dictionary<string, object?> { ["shipToState"] = "TX", ["first"] = 50 }.ToInputs();
    private string _directory = "";
    private IHost _host = null!;
    private IDocumentExecuter _executer = null!;
    private ISchema _schema = null!;
    private IGraphQLTextSerializer _serializer = null!;
    private long _organizationId;

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
            ["Headless:Demo:Seed"] = "true",
            ["Headless:Demo:ApiKey"] = "hk_0badc0de_benchmark-key-not-secret",
        });
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Services.AddHeadless();

        // The host is built, not started: migrations and the demo seed run here, the way DatabaseStartup runs them.
        _host = builder.Build();
        var database = _host.Services.GetRequiredService<HeadlessDatabase>();
        await using (var db = database.CreatePlatformContext())
        {
            await db.Database.MigrateAsync();
        }

        await _host.Services.GetRequiredService<DemoSeeder>().SeedIfEnabledAsync(CancellationToken.None);
        await using (var db = database.CreatePlatformContext())
        {
            _organizationId = (await db.Set<Organization>().SingleAsync(o => o.Slug == "demo")).Id;
        }

        _executer = _host.Services.GetRequiredService<IDocumentExecuter>();
        _schema = _host.Services.GetRequiredService<ISchema>();
        _schema.Initialize();
        _serializer = _host.Services.GetRequiredService<IGraphQLTextSerializer>();

        // Fail fast if the query does not execute cleanly: a benchmark of an error path would be meaningless.
        var json = await CatalogTxFirst50();
        if (json.Contains("\"errors\"", StringComparison.Ordinal) || !json.Contains("\"totalCount\"", StringComparison.Ordinal))
        {
            throw new InvalidOperationException("The catalog query did not execute cleanly: " + json);
        }
    }

    [Benchmark]
    public async Task<string> CatalogTxFirst50()
    {
        await using var scope = _host.Services.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<TenantContext>().Set(_organizationId);
        var result = await _executer.ExecuteAsync(new ExecutionOptions
        {
            Schema = _schema,
            Query = CatalogQuery,
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
}
