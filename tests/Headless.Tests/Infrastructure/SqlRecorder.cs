using System.Collections.Concurrent;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.Logging;

namespace Headless.Tests.Infrastructure;

/// <summary>
/// Keeps the first line of every SQL command EF logs as executed, for failure messages of command-count tests. Needs
/// EF's command log at Information (see <see cref="Settings"/>); add it to the app's logger factory.
/// </summary>
public sealed class SqlRecorder : ILoggerProvider
{
    /// <summary>App settings that send EF's command log to this recorder only (the console stays quiet).</summary>
    public static readonly IReadOnlyDictionary<string, string?> Settings = new Dictionary<string, string?>
    {
        ["Logging:LogLevel:Microsoft.EntityFrameworkCore.Database.Command"] = "Information",
        ["Logging:Console:LogLevel:Microsoft.EntityFrameworkCore.Database.Command"] = "Warning",
        ["Logging:Debug:LogLevel:Microsoft.EntityFrameworkCore.Database.Command"] = "Warning",
        ["Logging:EventLog:LogLevel:Microsoft.EntityFrameworkCore.Database.Command"] = "Warning",
        ["Logging:EventSource:LogLevel:Microsoft.EntityFrameworkCore.Database.Command"] = "Warning",
    };

    private ConcurrentQueue<string> _commands = new();

    public void Reset() => Interlocked.Exchange(ref _commands, new ConcurrentQueue<string>());

    public IReadOnlyList<string> Take() => [.. Volatile.Read(ref _commands)];

    public ILogger CreateLogger(string categoryName) =>
        categoryName == DbLoggerCategory.Database.Command.Name ? new Recorder(this) : NullLogger.Instance;

    public void Dispose()
    {
    }

    private sealed class Recorder(SqlRecorder owner) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (eventId.Id != RelationalEventId.CommandExecuted.Id)
            {
                return;
            }

            // "Executed DbCommand (..ms) [Parameters=[...], ...]" then the SQL on the following lines.
            var text = formatter(state, exception);
            var sql = text[(text.IndexOf('\n', StringComparison.Ordinal) + 1)..].Trim();
            var statements = sql.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Length;
            var first = sql.Split('\n')[0].Trim();
            Volatile.Read(ref owner._commands).Enqueue($"{(first.Length > 140 ? first[..140] + "..." : first)}{(statements > 1 ? $"  [{statements} statements]" : "")}");
        }
    }

    private sealed class NullLogger : ILogger
    {
        public static readonly NullLogger Instance = new();

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => false;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
        }
    }
}
