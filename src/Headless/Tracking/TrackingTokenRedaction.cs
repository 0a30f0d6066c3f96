using System.Collections;
using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Headless.Tracking;

/// <summary>
/// Keeps tracking tokens out of every log line. A token travels in the request path, and the framework writes the path
/// before any middleware runs: ASP.NET Core's hosting diagnostics ("Request starting HTTP/1.1 GET …/track/{token}"
/// and "Request finished …"), its request log scope (RequestPath) and routing's Debug lines ("candidate(s) found for
/// the request path"). So the redaction sits on the logger side: the app's <see cref="ILoggerFactory"/> is wrapped, and
/// any entry or scope whose values mention /track/ is passed on with the segment after it replaced by
/// <see cref="Marker"/>, whatever the provider, category or level.
/// </summary>
internal static partial class TrackingTokenRedaction
{
    public const string Marker = "[redacted]";

    /// <summary>Routes match case-insensitively, so /TRACK/… is a tracking path too.</summary>
    [GeneratedRegex(@"(?<=/track/)[^/?#\s""'<>]+", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex TokenSegment();

    public static bool Mentions(string? text) => text is not null && text.Contains(TrackingEndpoint.Prefix, StringComparison.OrdinalIgnoreCase);

    public static string Redact(string text) => TokenSegment().Replace(text, Marker);

    /// <summary>Replaces the app's logger factory with one that redacts, keeping the framework's factory underneath.</summary>
    public static IServiceCollection AddTrackingTokenRedaction(this IServiceCollection services)
    {
        services.Replace(ServiceDescriptor.Singleton<ILoggerFactory>(sp => new RedactingLoggerFactory(new LoggerFactory(
            sp.GetServices<ILoggerProvider>(),
            sp.GetRequiredService<IOptionsMonitor<LoggerFilterOptions>>(),
            sp.GetService<IOptions<LoggerFactoryOptions>>(),
            sp.GetService<IExternalScopeProvider>()))));
        return services;
    }

    /// <summary>True when the state's values (or the state itself) mention a tracking path. The message template never does.</summary>
    internal static bool NeedsRedaction<TState>(TState state)
    {
        if (state is IEnumerable<KeyValuePair<string, object?>> pairs)
        {
            foreach (var (key, value) in pairs)
            {
                if (key != "{OriginalFormat}" && Mentions(TextOf(value)))
                {
                    return true;
                }
            }

            return false;
        }

        return state is not null && Mentions(state as string ?? state.ToString());
    }

    /// <summary>
    /// A value as a provider would write it; null for numbers, dates, GUIDs and the like, which cannot hold a path.
    /// Structs are not skipped: the framework logs paths as <see cref="PathString"/>.
    /// </summary>
    private static string? TextOf(object? value) => value switch
    {
        null or IFormattable or bool => null,
        string s => s,
        _ => value.ToString(),
    };

    /// <summary>The state with every mentioning value redacted: still a list of name/value pairs, so structured providers keep their fields.</summary>
    internal static RedactedState RedactState<TState>(TState state, string formatted)
    {
        var pairs = new List<KeyValuePair<string, object?>>();
        if (state is IEnumerable<KeyValuePair<string, object?>> original)
        {
            foreach (var (key, value) in original)
            {
                pairs.Add(new(key, key != "{OriginalFormat}" && TextOf(value) is { } text && Mentions(text) ? Redact(text) : value));
            }
        }

        return new RedactedState(Redact(formatted), pairs);
    }
}

/// <summary>A redacted log state or scope: its text, and its name/value pairs.</summary>
internal sealed class RedactedState(string text, IReadOnlyList<KeyValuePair<string, object?>> pairs) : IReadOnlyList<KeyValuePair<string, object?>>
{
    public int Count => pairs.Count;

    public KeyValuePair<string, object?> this[int index] => pairs[index];

    public IEnumerator<KeyValuePair<string, object?>> GetEnumerator() => pairs.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    public override string ToString() => text;
}

internal sealed class RedactingLoggerFactory(ILoggerFactory inner) : ILoggerFactory
{
    public ILogger CreateLogger(string categoryName) => new RedactingLogger(inner.CreateLogger(categoryName));

    public void AddProvider(ILoggerProvider provider) => inner.AddProvider(provider);

    public void Dispose() => inner.Dispose();
}

internal sealed class RedactingLogger(ILogger inner) : ILogger
{
    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull =>
        TrackingTokenRedaction.NeedsRedaction(state)
            ? inner.BeginScope(TrackingTokenRedaction.RedactState(state, state.ToString() ?? ""))
            : inner.BeginScope(state);

    public bool IsEnabled(LogLevel logLevel) => inner.IsEnabled(logLevel);

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        if (!inner.IsEnabled(logLevel))
        {
            return;
        }

        if (TrackingTokenRedaction.NeedsRedaction(state))
        {
            inner.Log(logLevel, eventId, TrackingTokenRedaction.RedactState(state, formatter(state, exception)), exception, static (s, _) => s.ToString());
        }
        else
        {
            inner.Log(logLevel, eventId, state, exception, formatter);
        }
    }
}
