using Headless.Data;
using Headless.Hosting;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Console;
using Microsoft.Extensions.Options;

namespace Headless.Operator;

/// <summary>Where a command reads secrets from and writes to; the process's standard streams outside tests.</summary>
public sealed record OperatorConsole(TextReader In, TextWriter Out, TextWriter Error, bool InputIsTerminal = false)
{
    public static OperatorConsole Standard => new(Console.In, Console.Out, Console.Error, !Console.IsInputRedirected);
}

/// <summary>Extra configuration and services for the commands' host (tests point it at their own database).</summary>
public sealed class OperatorHostSettings
{
    public IDictionary<string, string?> Settings { get; init; } = new Dictionary<string, string?>();

    public Action<IServiceCollection>? ConfigureServices { get; init; }
}

/// <summary>
/// The app's services for one command, built exactly as the server builds them (HeadlessHost, AddHeadless), so a
/// command works on the configured database with the server's key ring. Nothing is started: no hosted service runs
/// and nothing listens. Built only when a command runs, so --help and parse errors touch no database.
/// </summary>
public sealed class OperatorSession(OperatorConsole console, OperatorHostSettings host) : IAsyncDisposable
{
    private WebApplication? _app;

    public OperatorConsole Console { get; } = console;

    public IServiceProvider Services => (_app ??= Build()).Services;

    public HeadlessDatabase Database => Services.GetRequiredService<HeadlessDatabase>();

    public TimeProvider Clock => Services.GetRequiredService<TimeProvider>();

    public T Get<T>()
        where T : notnull => Services.GetRequiredService<T>();

    /// <summary>
    /// Migrates where the server would at start-up (always on SQLite, else with Headless:Database:MigrateOnStartup);
    /// elsewhere refuses to work on a database with pending migrations, with the command that fixes it.
    /// </summary>
    public async Task EnsureDatabaseReadyAsync(CancellationToken ct)
    {
        var options = Get<IOptions<DatabaseOptions>>().Value;
        if (options.ShouldMigrateOnStartup)
        {
            await DatabaseStartup.MigrateAsync(Database, ct);
            return;
        }

        await using var db = Database.CreatePlatformContext();
        var pending = (await db.Database.GetPendingMigrationsAsync(ct)).Count();
        if (pending > 0)
        {
            throw new OperatorException($"The {options.Provider} database has {pending} pending migration(s); run the 'migrate' command first.");
        }
    }

    private WebApplication Build()
    {
        var builder = HeadlessHost.CreateBuilder([]);
        builder.Configuration.AddInMemoryCollection(host.Settings);

        // Standard output is the command's answer (ids, a key); log lines go to standard error.
        builder.Services.Configure<ConsoleLoggerOptions>(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
        builder.Services.AddHeadless();
        host.ConfigureServices?.Invoke(builder.Services);
        return builder.Build();
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }
    }
}
