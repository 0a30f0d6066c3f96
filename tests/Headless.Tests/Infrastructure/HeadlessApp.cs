using Headless.Audit;
using Headless.Auth;
using Headless.Data;
using Headless.GraphQL;
using Headless.Organizations;
using Headless.Secrets;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Npgsql;

namespace Headless.Tests.Infrastructure;

/// <summary>
/// The real service in process, on a database of its own (a temporary SQLite file or a fresh PostgreSQL
/// database), with a fake clock. Tests talk to it over HTTP only.
/// </summary>
public sealed class HeadlessApp : WebApplicationFactory<Program>
{
    public static readonly DateTimeOffset Now = new(2026, 11, 25, 15, 0, 0, TimeSpan.Zero);

    private readonly Dictionary<string, string?> _settings;
    private readonly string _connectionString;
    private readonly string? _sqliteFile;

    private HeadlessApp(DatabaseProvider provider, string connectionString, string? sqliteFile, IDictionary<string, string?>? settings)
    {
        Provider = provider;
        _connectionString = connectionString;
        _sqliteFile = sqliteFile;
        _settings = new Dictionary<string, string?>
        {
            ["Headless:Database:Provider"] = provider.ToString(),
            ["Headless:Database:ConnectionString"] = connectionString,
            ["Headless:Database:MigrateOnStartup"] = "true",
            ["Headless:Demo:Seed"] = "false",

            // Tests drive the outbox with OutboxProcessor.DrainOnceAsync; the background worker would race them.
            ["Headless:Outbox:Enabled"] = "false",

            // Tests fan events out into webhook deliveries with WebhookFanout.RunOnceAsync, and their receivers listen on
            // 127.0.0.1 over http; Webhooks/WebhookDestinationTests turn the guard back on.
            ["Headless:Webhooks:FanoutEnabled"] = "false",
            ["Headless:Webhooks:AllowPrivateDestinations"] = "true",

            // The fake clock stands still, so request and cost buckets would never refill across a test class;
            // Security/RateLimitTests turn them on and move the clock.
            ["Headless:RateLimits:Enabled"] = "false",

            // Audit rows are written when a test drains the trail (DrainAuditAsync) or when the app stops: a flush interval
            // the fake clock never reaches and batches no test fills keep background inserts out of the command counts
            // and injected faults of other tests. Audit/AuditWriterTests set their own.
            ["Headless:Audit:FlushInterval"] = "3650.00:00:00",
            ["Headless:Audit:BatchSize"] = "10000",

            // Set HEADLESS_TEST_EXPOSE=1 to see resolver exceptions in responses while debugging a test.
            ["Headless:GraphQL:ExposeExceptionDetails"] = Environment.GetEnvironmentVariable("HEADLESS_TEST_EXPOSE") == "1" ? "true" : "false",
        };
        foreach (var (k, v) in settings ?? new Dictionary<string, string?>())
        {
            _settings[k] = v;
        }
    }

    public DatabaseProvider Provider { get; }

    /// <summary>The app's database, e.g. for a second instance on it (<see cref="On"/>).</summary>
    public string ConnectionString => _connectionString;

    /// <summary>Extra service registrations, applied after the app's own (set before first use).</summary>
    public Action<IServiceCollection>? ConfigureServices { get; init; }

    public FakeTimeProvider Clock { get; } = new(Now);

    /// <summary>Counts SQL commands sent by the service, for "queries must not grow with lines" tests.</summary>
    public CommandCounter Commands { get; } = new();

    /// <summary>Counts entities loaded by the service, for "a read loads only what it asks for" tests.</summary>
    public MaterializationCounter.View Materialized => new(_connectionString);

    /// <summary>Every Warning-or-worse log entry the service writes.</summary>
    public LogRecorder Logs { get; } = new();

    public static HeadlessApp Sqlite(IDictionary<string, string?>? settings = null, Action<IServiceCollection>? services = null)
    {
        var file = Path.Combine(Path.GetTempPath(), $"headless-test-{Guid.NewGuid():N}.db");
        return new HeadlessApp(DatabaseProvider.Sqlite, $"Data Source={file};Pooling=False", file, settings) { ConfigureServices = services };
    }

    /// <summary>An app on any provider and connection string, e.g. one that cannot be reached.</summary>
    public static HeadlessApp On(DatabaseProvider provider, string connectionString, IDictionary<string, string?>? settings = null) =>
        new(provider, connectionString, null, settings);

    public static async Task<HeadlessApp> PostgresAsync(PostgresServer server, IDictionary<string, string?>? settings = null) =>
        new(DatabaseProvider.Postgres, await server.CreateDatabaseAsync(), null, settings);

    /// <summary>
    /// An app for the provider a test class runs on; null when PostgreSQL is unavailable outside CI, which only a
    /// test that does not touch the database sees (the others are skipped, see <see cref="ProviderFactAttribute"/>).
    /// </summary>
    public static async Task<HeadlessApp?> CreateAsync(DatabaseProvider provider, PostgresServer? server, IDictionary<string, string?>? settings = null, Action<IServiceCollection>? services = null) =>
        provider switch
        {
            DatabaseProvider.Sqlite => Sqlite(settings, services),
            DatabaseProvider.Postgres when server is { Available: true } => new HeadlessApp(DatabaseProvider.Postgres, await server.CreateDatabaseAsync(), null, settings) { ConfigureServices = services },
            DatabaseProvider.Postgres => null,
            _ => throw new NotSupportedException(provider.ToString()),
        };

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        foreach (var (k, v) in _settings)
        {
            builder.UseSetting(k, v);
        }

        builder.ConfigureTestServices(services =>
        {
            services.AddSingleton<TimeProvider>(Clock);
            services.AddSingleton<IInterceptor>(Commands);
            services.AddSingleton<IInterceptor>(MaterializationCounter.Shared);
            services.AddSingleton<Microsoft.Extensions.Logging.ILoggerProvider>(Logs);
            ConfigureServices?.Invoke(services);
        });
    }

    public HeadlessDatabase Database => Services.GetRequiredService<HeadlessDatabase>();

    /// <summary>Serves the app on Kestrel at a free port of 127.0.0.1, for clients outside the process (Node); returns its base address.</summary>
    public Uri StartKestrel()
    {
        UseKestrel(o => o.Listen(System.Net.IPAddress.Loopback, 0));
        StartServer();
        var addresses = Services.GetRequiredService<Microsoft.AspNetCore.Hosting.Server.IServer>().Features
            .Get<Microsoft.AspNetCore.Hosting.Server.Features.IServerAddressesFeature>()!.Addresses;
        return new Uri(addresses.First());
    }

    /// <summary>Encrypts secrets the way the service stores them (its key ring lives in this app's database).</summary>
    public SecretProtector Secrets => Services.GetRequiredService<SecretProtector>();

    /// <summary>Writes every audit row queued so far and waits until they are in the database.</summary>
    public Task DrainAuditAsync() => Services.GetRequiredService<AuditTrail>().DrainAsync().WaitAsync(TimeSpan.FromSeconds(60));

    /// <summary>Creates an organization with an API key directly in the database (there is no public sign-up).</summary>
    public async Task<TestTenant> CreateTenantAsync(string name)
    {
        await using var db = Database.CreatePlatformContext();
        var org = new Organization(name, $"{name.ToLowerInvariant().Replace(' ', '-')}-{Guid.NewGuid():N}"[..40], Clock.GetUtcNow());
        db.Organizations.Add(org);
        await db.SaveChangesAsync();
        var (key, plain) = ApiKey.Generate(org.Id, "test", Clock.GetUtcNow());
        db.ApiKeys.Add(key);
        await db.SaveChangesAsync();
        return new TestTenant(org.Id, GlobalId.Encode("Organization", org.Id), plain, new GraphQLClient(CreateClient(), plain));
    }

    /// <summary>A client with no credential.</summary>
    public GraphQLClient AnonymousClient() => new(CreateClient(), null);

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();

        // Each app has a database of its own, so a pool of its own: close its idle connections now rather than after
        // Npgsql's idle lifetime, or a long run of PostgreSQL tests runs the server out of connections.
        if (Provider == DatabaseProvider.Postgres)
        {
            using var connection = new NpgsqlConnection(_connectionString);
            NpgsqlConnection.ClearPool(connection);
        }

        if (_sqliteFile is not null)
        {
            foreach (var f in new[] { _sqliteFile, _sqliteFile + "-wal", _sqliteFile + "-shm" })
            {
                File.Delete(f);
            }
        }
    }
}

/// <summary>An organization created for a test, with its API key and a client that sends it.</summary>
public sealed record TestTenant(long OrganizationId, string OrganizationGlobalId, string ApiKey, GraphQLClient Client);
