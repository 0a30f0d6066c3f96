using System.Collections;
using System.Diagnostics;
using Headless.Telemetry;
using Headless.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace Headless.Tests.Telemetry;

/// <summary>
/// The service's telemetry pipeline with OpenTelemetry's in-memory exporter in place of OTLP: every span as it ends, and
/// metric snapshots whenever the test collects them (<see cref="Collect"/>; the periodic export never fires).
/// </summary>
public sealed class InMemoryTelemetry : ITelemetryExport
{
    private readonly LockedList<Activity> _spans = new();
    private readonly LockedList<MetricSnapshot> _metrics = new();

    public IReadOnlyList<Activity> Spans => _spans.ToList();

    public void ConfigureTracing(TracerProviderBuilder tracing) => tracing.AddInMemoryExporter(_spans);

    public void ConfigureMetrics(MeterProviderBuilder metrics) =>
        metrics.AddInMemoryExporter(_metrics, r => r.PeriodicExportingMetricReaderOptions.ExportIntervalMilliseconds = 3_600_000);

    public void Register(IServiceCollection services) => services.AddSingleton<ITelemetryExport>(this);

    /// <summary>Collects every instrument now and returns what was exported (cumulative values).</summary>
    public IReadOnlyList<MetricSnapshot> Collect(HeadlessApp app)
    {
        _metrics.Clear();
        Assert.True(app.Services.GetRequiredService<TelemetryPipeline>().Metrics!.ForceFlush(10_000));
        return _metrics.ToList();
    }

    /// <summary>The points of one metric in a collection, each with its tags.</summary>
    public static IReadOnlyList<(IReadOnlyDictionary<string, object?> Tags, MetricPoint Point)> Points(IReadOnlyList<MetricSnapshot> collected, string name)
    {
        var points = new List<(IReadOnlyDictionary<string, object?>, MetricPoint)>();
        foreach (var metric in collected.Where(m => m.Name == name))
        {
            foreach (var point in metric.MetricPoints)
            {
                var tags = new Dictionary<string, object?>(StringComparer.Ordinal);
                foreach (var tag in point.Tags)
                {
                    tags[tag.Key] = tag.Value;
                }

                points.Add((tags, point));
            }
        }

        return points;
    }

    /// <summary>Spans end on the server's threads, possibly just after the client has its answer: waits for one to match.</summary>
    public async Task<IReadOnlyList<Activity>> WaitForSpansAsync(Func<IReadOnlyList<Activity>, bool> done)
    {
        using var patience = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (true)
        {
            var spans = Spans;
            if (done(spans))
            {
                return spans;
            }

            await Task.Delay(10, patience.Token);
        }
    }

    private sealed class LockedList<T> : ICollection<T>
    {
        private readonly List<T> _items = [];

        public int Count
        {
            get
            {
                lock (_items)
                {
                    return _items.Count;
                }
            }
        }

        public bool IsReadOnly => false;

        public void Add(T item)
        {
            lock (_items)
            {
                _items.Add(item);
            }
        }

        public void Clear()
        {
            lock (_items)
            {
                _items.Clear();
            }
        }

        public bool Contains(T item)
        {
            lock (_items)
            {
                return _items.Contains(item);
            }
        }

        public void CopyTo(T[] array, int arrayIndex)
        {
            lock (_items)
            {
                _items.CopyTo(array, arrayIndex);
            }
        }

        public bool Remove(T item)
        {
            lock (_items)
            {
                return _items.Remove(item);
            }
        }

        public List<T> ToList()
        {
            lock (_items)
            {
                return [.. _items];
            }
        }

        public IEnumerator<T> GetEnumerator() => ToList().GetEnumerator();

        IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
    }
}
