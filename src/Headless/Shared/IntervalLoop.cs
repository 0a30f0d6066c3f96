namespace Headless.Shared;

/// <summary>
/// Runs background work every so often on the service's <see cref="TimeProvider"/>. Each pause starts when the
/// previous run ends (a one-shot delay, not a periodic timer), so a run never overlaps the next and a clock that jumps
/// ahead (a test's fake clock moved by a month) causes one run, not one per interval that elapsed.
/// </summary>
public static class IntervalLoop
{
    public static async Task RunAsync(TimeSpan interval, TimeProvider clock, Func<CancellationToken, Task> work, Action<Exception> failed, CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(interval, clock, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            try
            {
                await work(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                failed(ex);
            }
        }
    }
}
