using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Headless.Tests.ScaleOut;

/// <summary>Wall-clock durations per operation, as the client saw them, and a table of throughput and percentiles.</summary>
public sealed class Latencies
{
    private readonly ConcurrentDictionary<string, ConcurrentQueue<(long Start, double Ms)>> _samples = new();
    private readonly ConcurrentDictionary<string, int> _retries = new();
    private readonly Stopwatch _clock = Stopwatch.StartNew();

    public long Now => _clock.ElapsedTicks;

    public void Record(string operation, long startTicks)
    {
        var ms = (_clock.ElapsedTicks - startTicks) * 1000.0 / Stopwatch.Frequency;
        _samples.GetOrAdd(operation, _ => new()).Enqueue((startTicks, ms));
    }

    /// <summary>An attempt that failed in a way the client retries (a 502 from the balancer while an instance died, say).</summary>
    public void Retry(string operation) => _retries.AddOrUpdate(operation, 1, (_, n) => n + 1);

    public int Count(string operation) => _samples.TryGetValue(operation, out var q) ? q.Count : 0;

    public int Retries => _retries.Values.Sum();

    /// <summary>
    /// One row per operation: completed count, throughput over the span from its first start to its last completion,
    /// p50, p99 and max in milliseconds, and the attempts that were retried.
    /// </summary>
    public string Table()
    {
        var text = new StringBuilder();
        text.AppendLine("| operation | count | per second | p50 ms | p99 ms | max ms | retried |");
        text.AppendLine("|---|---:|---:|---:|---:|---:|---:|");
        foreach (var (operation, queue) in _samples.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            var samples = queue.ToArray();
            var sorted = samples.Select(s => s.Ms).Order().ToArray();
            var first = samples.Min(s => s.Start);
            var last = samples.Max(s => s.Start + (long)(s.Ms * Stopwatch.Frequency / 1000.0));
            var seconds = Math.Max((last - first) / (double)Stopwatch.Frequency, 0.001);
            text.AppendLine(string.Create(CultureInfo.InvariantCulture,
                $"| {operation} | {sorted.Length} | {sorted.Length / seconds:0.0} | {Percentile(sorted, 0.50):0} | {Percentile(sorted, 0.99):0} | {sorted[^1]:0} | {_retries.GetValueOrDefault(operation)} |"));
        }

        return text.ToString();
    }

    private static double Percentile(double[] sorted, double p) => sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)];
}
