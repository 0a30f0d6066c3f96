using System.Data.Common;
using System.Net;
using System.Text.Json;
using Headless.Data;
using Headless.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Headless.Tests.Hosting;

/// <summary>Production hygiene: security headers, HTTPS and HSTS, 500s with correlation ids, no suggestions, the database TLS warning.</summary>
public sealed class HttpSecurityTests
{
    [Theory]
    [InlineData("/health/live")]
    [InlineData("/graphql")]
    [InlineData("/no-such-page")]
    public async Task Every_response_carries_the_security_headers(string path)
    {
        await using var app = HeadlessApp.Sqlite();
        using var http = app.CreateClient();

        using var response = await http.GetAsync(path);

        Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.Equal("DENY", response.Headers.GetValues("X-Frame-Options").Single());
        Assert.Equal("no-referrer", response.Headers.GetValues("Referrer-Policy").Single());
        Assert.Equal("default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'", response.Headers.GetValues("Content-Security-Policy").Single());
    }

    [Fact]
    public async Task In_testing_plain_http_is_served_without_redirect_or_hsts()
    {
        await using var app = HeadlessApp.Sqlite();
        using var http = app.CreateClient(new() { AllowAutoRedirect = false, BaseAddress = new Uri("http://api.example.test") });

        using var response = await http.GetAsync("/health/live");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.False(response.Headers.Contains("Strict-Transport-Security"));
    }

    [Fact]
    public async Task When_https_is_required_http_is_redirected_and_https_answers_carry_hsts()
    {
        await using var app = HeadlessApp.Sqlite(new Dictionary<string, string?> { ["Headless:Http:RequireHttps"] = "true", ["Headless:Http:HttpsPort"] = "443" });
        using var plain = app.CreateClient(new() { AllowAutoRedirect = false, BaseAddress = new Uri("http://api.example.test") });
        using var secure = app.CreateClient(new() { AllowAutoRedirect = false, BaseAddress = new Uri("https://api.example.test") });

        using var redirected = await plain.GetAsync("/health/live");
        using var served = await secure.GetAsync("/health/live");

        Assert.Equal(HttpStatusCode.PermanentRedirect, redirected.StatusCode);
        Assert.Equal("https://api.example.test/health/live", redirected.Headers.Location!.ToString());
        Assert.Equal(HttpStatusCode.OK, served.StatusCode);
        Assert.Equal("max-age=31536000", served.Headers.GetValues("Strict-Transport-Security").Single());
    }

    [Theory]
    [InlineData("Production", null, null, true)]
    [InlineData("Production", "10.0.0.1", null, false)]
    [InlineData("Production", "10.0.0.1", true, true)]
    [InlineData("Development", null, null, false)]
    [InlineData("Testing", null, null, false)]
    [InlineData("Testing", null, true, true)]
    public void Https_is_required_outside_development_and_testing_unless_a_proxy_terminates_tls(string environment, string? proxy, bool? requireHttps, bool expected)
    {
        var settings = new Headless.Hosting.HttpSecurityOptions { KnownProxies = proxy is null ? [] : [proxy], RequireHttps = requireHttps };

        Assert.Equal(expected, settings.HttpsRequired(new Environment(environment)));
    }

    [Fact]
    public async Task An_unhandled_exception_answers_500_with_only_a_code_and_the_correlation_id_that_is_logged()
    {
        var logs = new LogRecorder(LogLevel.Information);
        await using var app = HeadlessApp.Sqlite(services: s =>
        {
            s.AddSingleton<ILoggerProvider>(logs);
            s.AddSingleton<IStartupFilter>(new ThrowingEndpoint());
        });
        using var http = app.CreateClient();

        using var response = await http.GetAsync("/boom");
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.Equal(["code", "correlationId"], body.EnumerateObject().Select(p => p.Name).ToList());
        Assert.Equal("INTERNAL_SERVER_ERROR", body.GetProperty("code").GetString());
        var id = body.GetProperty("correlationId").GetString()!;
        var line = Assert.Single(logs.Entries, l => l.Level == LogLevel.Error && l.Message.Contains(id, StringComparison.Ordinal));
        Assert.DoesNotContain(ThrowingEndpoint.Sentinel, line.Message, StringComparison.Ordinal);
        Assert.Null(line.Exception);
        Assert.DoesNotContain(logs.Entries, l => l.Message.Contains(ThrowingEndpoint.Sentinel, StringComparison.Ordinal));
        Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
    }

    [Fact]
    public async Task A_resolver_exception_is_masked_and_carries_the_correlation_id_that_is_logged()
    {
        var logs = new LogRecorder(LogLevel.Information);
        await using var app = HeadlessApp.Sqlite(services: s =>
        {
            s.AddSingleton<ILoggerProvider>(logs);
            s.AddSingleton<IInterceptor>(new FailingInterceptor());
        });
        var t = await app.CreateTenantAsync("Failing Org");

        var r = await t.Client.PostAsync("{ patients { totalCount } }");

        Assert.Equal(HttpStatusCode.OK, r.Status);
        Assert.Equal(JsonValueKind.Null, r.Data.ValueKind);
        Assert.Equal(["INTERNAL_SERVER_ERROR"], r.ErrorCodes);
        Assert.Equal("Error trying to resolve field 'patients'.", r.Body.At("errors.0.message").GetString());
        Assert.DoesNotContain(FailingInterceptor.Sentinel, r.Raw, StringComparison.Ordinal);
        var id = r.Body.At("errors.0.extensions.correlationId").GetString()!;
        Assert.Contains(logs.Entries, l => l.Level == LogLevel.Error && l.Message.Contains(id, StringComparison.Ordinal) && l.Message.Contains("patients", StringComparison.Ordinal));

        // The service's own lines; EF Core's query-failure line is EF's (see README "Security").
        Assert.DoesNotContain(logs.Entries, l => l.Category.StartsWith("Headless", StringComparison.Ordinal) && l.Message.Contains(FailingInterceptor.Sentinel, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Without_introspection_errors_make_no_did_you_mean_suggestions()
    {
        await using var off = HeadlessApp.Sqlite(new Dictionary<string, string?> { ["Headless:GraphQL:EnableIntrospection"] = "false" });
        await using var on = HeadlessApp.Sqlite();
        const string typo = "{ viewer { organizaton { name } } }";

        var hidden = await (await off.CreateTenantAsync("Quiet Org")).Client.PostAsync(typo);
        var shown = await (await on.CreateTenantAsync("Chatty Org")).Client.PostAsync(typo);

        Assert.Equal(["FIELDS_ON_CORRECT_TYPE"], hidden.ErrorCodes);
        Assert.Equal("Cannot query field 'organizaton' on type 'Viewer'.", hidden.Body.At("errors.0.message").GetString());
        Assert.Contains("Did you mean 'organization'?", shown.Body.At("errors.0.message").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Host=127.0.0.1;Port=1;Database=none;Username=none;Timeout=2", true)]
    [InlineData("Host=127.0.0.1;Port=1;Database=none;Username=none;Timeout=2;SSL Mode=Prefer", true)]
    [InlineData("Host=127.0.0.1;Port=1;Database=none;Username=none;Timeout=2;SSL Mode=Require", false)]
    [InlineData("Host=127.0.0.1;Port=1;Database=none;Username=none;Timeout=2;SSL Mode=VerifyFull", false)]
    public async Task Outside_development_a_server_connection_without_required_tls_is_warned_about_at_start_up(string connectionString, bool warned)
    {
        var logs = new LogRecorder(LogLevel.Information);
        await using var app = HeadlessApp.On(DatabaseProvider.Postgres, connectionString, new Dictionary<string, string?> { ["Headless:Database:MigrateOnStartup"] = "false" });
        await using var started = app.WithWebHostBuilder(b => b.ConfigureServices(s => s.AddSingleton<ILoggerProvider>(logs)));
        using var http = started.CreateClient();

        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/health/live")).StatusCode);
        Assert.Equal(warned, logs.Entries.Any(l => l.Level == LogLevel.Warning && l.Message.Contains("does not require TLS", StringComparison.Ordinal)));
    }

    [Theory]
    [InlineData("Server=db;Database=h;Encrypt=False", false)]
    [InlineData("Server=db;Database=h;Encrypt=Optional", false)]
    [InlineData("Server=db;Database=h", true)]
    [InlineData("Server=db;Database=h;Encrypt=Strict", true)]
    public void Sql_server_connections_require_tls_unless_encryption_is_turned_off(string connectionString, bool expected) =>
        Assert.Equal(expected, Headless.Hosting.DatabaseTlsWarning.RequiresTls(DatabaseProvider.SqlServer, connectionString));

    private sealed class Environment(string name) : Microsoft.Extensions.Hosting.IHostEnvironment
    {
        public string EnvironmentName { get; set; } = name;

        public string ApplicationName { get; set; } = "Headless";

        public string ContentRootPath { get; set; } = "";

        public Microsoft.Extensions.FileProviders.IFileProvider ContentRootFileProvider { get; set; } = null!;
    }

    /// <summary>Adds GET /boom at the end of the pipeline, where a request no endpoint matched arrives.</summary>
    private sealed class ThrowingEndpoint : IStartupFilter
    {
        public const string Sentinel = "Ana Lima 1980-04-12";

        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            next(app);
            app.Use((HttpContext context, Func<Task> rest) =>
                context.Request.Path == "/boom" ? throw new InvalidOperationException(Sentinel) : rest());
        };
    }

    /// <summary>Fails every query of the Patients table with a message that must never leave the process.</summary>
    private sealed class FailingInterceptor : DbCommandInterceptor
    {
        public const string Sentinel = "SELECT secret FROM Patients WHERE name = 'Ana Lima'";

        public override ValueTask<InterceptionResult<DbDataReader>> ReaderExecutingAsync(DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result, CancellationToken cancellationToken = default) =>
            command.CommandText.Contains("\"Patients\"", StringComparison.Ordinal) ? throw new InvalidOperationException(Sentinel) : ValueTask.FromResult(result);
    }
}
