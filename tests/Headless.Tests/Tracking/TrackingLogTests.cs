using System.Collections.Concurrent;
using System.Net;
using Headless.Data;
using Headless.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Headless.Tests.Tracking;

/// <summary>
/// Every category at Trace, scopes included, while links are created, opened (HTML and JSON), opened after revocation
/// and expiry, and probed with unknown tokens: no log entry, exception or scope may contain a token. The framework
/// does log these requests' paths (hosting diagnostics, routing), so the trace must show them redacted.
/// </summary>
public abstract class TrackingLogTests(DatabaseProvider provider, PostgresServer? postgres) : ProviderTest(provider, postgres)
{
    private readonly ScopeRecorder _everything = new();

    protected override IDictionary<string, string?>? Settings => new Dictionary<string, string?>
    {
        ["Logging:LogLevel:Default"] = "Trace",
        ["Logging:LogLevel:Microsoft"] = "Trace",
        ["Logging:LogLevel:Microsoft.AspNetCore"] = "Trace",
        ["Logging:LogLevel:Microsoft.AspNetCore.Hosting.Diagnostics"] = "Trace",
        ["Logging:LogLevel:Microsoft.AspNetCore.Routing"] = "Trace",
        ["Logging:LogLevel:Microsoft.EntityFrameworkCore"] = "Trace",
        ["Logging:LogLevel:Microsoft.EntityFrameworkCore.Database.Command"] = "Trace",
    };

    protected override void ConfigureServices(IServiceCollection services) => services.AddSingleton<ILoggerProvider>(_everything);

    [ProviderFact]
    public async Task No_log_entry_or_scope_at_any_level_contains_a_tracking_token()
    {
        var t = await TrackingOrder.CreateAsync(App);
        var tokens = new List<string>();
        var created = await t.CreateLinkAsync(t.Shipped.Id, 300);
        var url = created.GetProperty("url").GetString()!;
        tokens.Add(TrackingOrder.TokenOf(url));
        Assert.Equal(HttpStatusCode.OK, (await TrackingOrder.OpenAsync(App, url, TrackingOrder.BrowserAccept)).Status);
        Assert.Equal(HttpStatusCode.OK, (await TrackingOrder.OpenAsync(App, url, "application/json")).Status);
        Assert.Equal(HttpStatusCode.OK, (await TrackingOrder.OpenAsync(App, "/TRACK/" + tokens[0], null)).Status);

        var revoked = await t.CreateLinkAsync(t.Shipped.Id);
        var revokedUrl = revoked.GetProperty("url").GetString()!;
        tokens.Add(TrackingOrder.TokenOf(revokedUrl));
        await t.Client.DataAsync(TrackingOrder.RevokeLink, new { id = revoked.At("link.id").GetString() });
        Assert.Equal(HttpStatusCode.NotFound, (await TrackingOrder.OpenAsync(App, revokedUrl, TrackingOrder.BrowserAccept)).Status);

        App.Clock.Advance(TimeSpan.FromSeconds(301));
        Assert.Equal(HttpStatusCode.NotFound, (await TrackingOrder.OpenAsync(App, url, null)).Status);

        const string Guess = "GuessedTokenGuessedTokenGuessedTokenGuesse";
        tokens.Add(Guess);
        Assert.Equal(HttpStatusCode.NotFound, (await TrackingOrder.OpenAsync(App, "/track/" + Guess + "?utm=1", null)).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await TrackingOrder.OpenAsync(App, "/track/" + Guess + "/extra", null)).Status);
        await App.DrainAuditAsync();

        var entries = _everything.Entries;
        Assert.True(entries.Count > 100, $"Expected a real trace, got {entries.Count} entries.");
        var leaks = entries.SelectMany(e => tokens.Where(tok => e.Text.Contains(tok, StringComparison.OrdinalIgnoreCase)).Select(_ => e.Category + ": " + e.Text[..Math.Min(400, e.Text.Length)])).ToList();
        Assert.True(leaks.Count == 0, $"{leaks.Count} entries show a token:\n" + string.Join("\n", leaks.Take(10)));

        // The framework did write these paths, in its request lines and in the request scope: redacted.
        Assert.Contains(entries, e => e.Category == "Microsoft.AspNetCore.Hosting.Diagnostics" && e.Text.Contains("/track/[redacted]", StringComparison.Ordinal));
        Assert.Contains(entries, e => e.Text.Contains("RequestPath:/track/[redacted]", StringComparison.Ordinal) || e.Text.Contains("RequestPath=/track/[redacted]", StringComparison.Ordinal));
    }

    /// <summary>Keeps each entry's message, exception and the text and values of every scope it was written in.</summary>
    private sealed class ScopeRecorder : ILoggerProvider, ISupportExternalScope
    {
        private readonly ConcurrentQueue<(string Category, string Text)> _entries = new();
        private IExternalScopeProvider _scopes = new LoggerExternalScopeProvider();

        public IReadOnlyList<(string Category, string Text)> Entries => [.. _entries];

        public ILogger CreateLogger(string categoryName) => new Recorder(this, categoryName);

        public void SetScopeProvider(IExternalScopeProvider scopeProvider) => _scopes = scopeProvider;

        public void Dispose()
        {
        }

        private sealed class Recorder(ScopeRecorder owner, string category) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => owner._scopes.Push(state);

            public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                var text = new System.Text.StringBuilder().Append(formatter(state, exception)).Append(" | ").Append(exception);
                if (state is IEnumerable<KeyValuePair<string, object?>> pairs)
                {
                    foreach (var (k, v) in pairs)
                    {
                        text.Append(" | ").Append(k).Append('=').Append(v);
                    }
                }

                owner._scopes.ForEachScope(
                    (scope, sb) =>
                    {
                        sb.Append(" | scope ").Append(scope);
                        if (scope is IEnumerable<KeyValuePair<string, object?>> values)
                        {
                            foreach (var (k, v) in values)
                            {
                                sb.Append(' ').Append(k).Append('=').Append(v);
                            }
                        }
                    },
                    text);
                owner._entries.Enqueue((category, text.ToString()));
            }
        }
    }
}

public sealed class TrackingLogTestsOnSqlite() : TrackingLogTests(DatabaseProvider.Sqlite, null);

[Collection(PostgresCollection.Name)]
public sealed class TrackingLogTestsOnPostgres(PostgresServer postgres) : TrackingLogTests(DatabaseProvider.Postgres, postgres);
