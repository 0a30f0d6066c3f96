using Headless.Data;

namespace Headless.Tests.Infrastructure;

/// <summary>
/// Base for tests that run on every real database provider: each concrete class picks SQLite or
/// PostgreSQL. PostgreSQL tests fail in CI when no server can be had (see <see cref="PostgresServer"/>);
/// outside CI they return early when PostgreSQL is not installed.
/// </summary>
public abstract class ProviderTest(DatabaseProvider provider, PostgresServer? postgres) : IAsyncLifetime
{
    private HeadlessApp? _app;

    protected HeadlessApp App => _app ?? throw new InvalidOperationException("No app: check Unavailable first.");

    /// <summary>True when this provider cannot run here (PostgreSQL missing outside CI).</summary>
    protected bool Unavailable => _app is null;

    protected virtual IDictionary<string, string?>? Settings => null;

    /// <summary>Extra service registrations for the app (fault injectors, fakes).</summary>
    protected virtual void ConfigureServices(Microsoft.Extensions.DependencyInjection.IServiceCollection services)
    {
    }

    public async Task InitializeAsync()
    {
        _app = await HeadlessApp.CreateAsync(provider, postgres, Settings, ConfigureServices);
        if (_app is not null)
        {
            await InitializeAppAsync();
        }
    }

    protected virtual Task InitializeAppAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }
    }
}
