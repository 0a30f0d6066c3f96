using System.Diagnostics.Metrics;
using Headless.Data;
using Headless.Outbox;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using OpenTelemetry;

namespace Headless.Telemetry;

/// <summary>
/// headless.outbox.depth and headless.outbox.parked per kind, and headless.outbox.oldest_age: read from the database
/// (the outbox is shared, so every instance reports the same figures; aggregate them with max, not sum). One reading
/// (two queries) serves every gauge for <see cref="TelemetryOptions.OutboxGaugeMaxAge"/>, on the app's clock.
/// Observable callbacks are synchronous, so the reading blocks the exporter's collection thread, never a request.
/// </summary>
internal sealed class OutboxGauges(
    HeadlessDatabase database,
    IServiceScopeFactory scopes,
    IOptions<TelemetryOptions> options,
    TimeProvider clock,
    ILogger<OutboxGauges> logger)
{
    private static readonly TimeSpan QueryTimeout = TimeSpan.FromSeconds(10);

    private readonly Lock _lock = new();
    private Reading? _last;
    private string[] _kinds = [];

    public void Register(Meter meter)
    {
        // Every registered kind is reported, with zero when none waits, so a drained queue shows 0 rather than no data.
        using (var scope = scopes.CreateScope())
        {
            _kinds = scope.ServiceProvider.GetServices<IOutboxHandler>().Select(h => h.Kind).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
        }

        meter.CreateObservableGauge(
            "headless.outbox.depth",
            () => PerKind(Read()?.Pending),
            "{message}",
            "Outbox messages waiting for delivery, now or after a back-off (tag headless.outbox.kind).");
        meter.CreateObservableGauge(
            "headless.outbox.parked",
            () => PerKind(Read()?.Parked),
            "{message}",
            "Outbox messages that failed too often and wait for someone to retry them (tag headless.outbox.kind).");
        meter.CreateObservableGauge<double>(
            "headless.outbox.oldest_age",
            () => Read() is { } r ? [new Measurement<double>(r.OldestPendingAge.TotalSeconds)] : Array.Empty<Measurement<double>>(),
            "s",
            "Age of the oldest pending outbox message; 0 when none is pending.");
    }

    private IEnumerable<Measurement<long>> PerKind(IReadOnlyDictionary<string, long>? counts)
    {
        if (counts is null)
        {
            yield break;
        }

        foreach (var kind in _kinds.Union(counts.Keys, StringComparer.Ordinal))
        {
            yield return new Measurement<long>(counts.GetValueOrDefault(kind), new KeyValuePair<string, object?>("headless.outbox.kind", kind));
        }
    }

    /// <summary>The current reading, or null when the database could not be read (the gauges then report nothing).</summary>
    internal Reading? Read()
    {
        lock (_lock)
        {
            var now = clock.GetUtcNow();
            if (_last is { } last && now - last.TakenAt < options.Value.OutboxGaugeMaxAge)
            {
                return last;
            }

            try
            {
                // The gauges' own queries are not traced: they would be a root span every collection.
                using var untraced = SuppressInstrumentationScope.Begin();
                _last = QueryAsync(now).GetAwaiter().GetResult();
            }
            catch (Exception ex)
            {
                logger.LogWarning("Could not read the outbox for its gauges: {ExceptionType}", ex.GetType().Name);
                _last = null;
            }

            return _last;
        }
    }

    private async Task<Reading> QueryAsync(DateTimeOffset now)
    {
        using var timeout = new CancellationTokenSource(QueryTimeout);
        await using var db = database.CreatePlatformContext();
        var groups = await db.OutboxMessages
            .Where(m => m.Status == OutboxStatus.Pending || m.Status == OutboxStatus.Parked)
            .GroupBy(m => new { m.Status, m.Kind })
            .Select(g => new { g.Key.Status, g.Key.Kind, Count = g.LongCount() })
            .ToListAsync(timeout.Token);
        var oldest = await db.OutboxMessages
            .Where(m => m.Status == OutboxStatus.Pending)
            .OrderBy(m => m.CreatedAt)
            .Select(m => (DateTimeOffset?)m.CreatedAt)
            .FirstOrDefaultAsync(timeout.Token);
        return new Reading(
            now,
            groups.Where(g => g.Status == OutboxStatus.Pending).ToDictionary(g => g.Kind, g => g.Count, StringComparer.Ordinal),
            groups.Where(g => g.Status == OutboxStatus.Parked).ToDictionary(g => g.Kind, g => g.Count, StringComparer.Ordinal),
            oldest is { } created && now > created ? now - created : TimeSpan.Zero);
    }

    internal sealed record Reading(DateTimeOffset TakenAt, IReadOnlyDictionary<string, long> Pending, IReadOnlyDictionary<string, long> Parked, TimeSpan OldestPendingAge);
}
