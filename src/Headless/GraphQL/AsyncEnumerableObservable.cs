namespace Headless.GraphQL;

/// <summary>
/// An <see cref="IObservable{T}"/> over an async sequence, for subscription fields: GraphQL.NET's code-first stream
/// resolvers take observables only. Each subscriber enumerates the sequence on its own task; disposing the subscription
/// cancels the enumeration, which ends the sequence (and so releases what it holds).
/// </summary>
public sealed class AsyncEnumerableObservable<T>(IAsyncEnumerable<T> source) : IObservable<T>
{
    public IDisposable Subscribe(IObserver<T> observer)
    {
        var cancel = new CancellationTokenSource();
        _ = Task.Run(async () =>
        {
            try
            {
                await foreach (var item in source.WithCancellation(cancel.Token))
                {
                    observer.OnNext(item);
                }

                observer.OnCompleted();
            }
            catch (OperationCanceledException) when (cancel.IsCancellationRequested)
            {
                // Unsubscribed: nobody is listening any more.
            }
            catch (Exception ex)
            {
                observer.OnError(ex);
            }
            finally
            {
                lock (cancel)
                {
                    cancel.Dispose();
                }
            }
        });
        return new Unsubscriber(cancel);
    }

    private sealed class Unsubscriber(CancellationTokenSource cancel) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                // The enumeration may have ended (and disposed the source) already.
                lock (cancel)
                {
                    try
                    {
                        cancel.Cancel();
                    }
                    catch (ObjectDisposedException)
                    {
                    }
                }
            }
        }
    }
}
