using Headless.Data;

namespace Headless.Tests.Infrastructure;

/// <summary>
/// Base for tests that run on every real database provider: each concrete class picks SQLite or
/// PostgreSQL. Tests that use <see cref="App"/> are marked <see cref="ProviderFactAttribute"/> or
/// <see cref="ProviderTheoryAttribute"/>, so on PostgreSQL they are skipped outside CI when no server can be had
/// and fail in CI (see <see cref="PostgresServer"/>).
/// </summary>
public abstract class ProviderTest(DatabaseProvider provider, PostgresServer? postgres) : IAsyncLifetime
{
    private HeadlessApp? _app;

    protected HeadlessApp App => _app ?? throw new InvalidOperationException(
        "No app: PostgreSQL is unavailable here, so a test that needs the database must be a [ProviderFact] or [ProviderTheory], which is skipped. " +
        PostgresServer.SkipReason);

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
