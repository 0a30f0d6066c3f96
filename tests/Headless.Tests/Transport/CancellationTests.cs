using System.Data.Common;
using Headless.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection;

namespace Headless.Tests.Transport;

/// <summary>A client that disconnects cancels the work its request started.</summary>
public sealed class CancellationTests
{
    [Fact]
    public async Task Disconnecting_cancels_the_running_database_command()
    {
        var gate = new StallingInterceptor();
        await using var app = HeadlessApp.Sqlite(services: s => s.AddSingleton<IInterceptor>(gate));
        var t = await app.CreateTenantAsync("Cancel Org");

        gate.Armed = true;
        using var cts = new CancellationTokenSource();
        var request = t.Client.Http.PostAsync("/graphql", new StringContent("{\"query\":\"{ patients { totalCount } }\"}", System.Text.Encoding.UTF8, "application/json"), cts.Token);
        await gate.Stalled.Task.WaitAsync(TimeSpan.FromSeconds(30));
        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => request);
        Assert.True(await gate.Cancelled.Task.WaitAsync(TimeSpan.FromSeconds(30)));
    }

    [Fact]
    public async Task A_request_past_the_timeout_answers_504_and_stops_the_running_database_command()
    {
        var gate = new StallingInterceptor();
        await using var app = HeadlessApp.Sqlite(new Dictionary<string, string?> { ["Headless:GraphQL:TimeoutSeconds"] = "5" }, s => s.AddSingleton<IInterceptor>(gate));
        var t = await app.CreateTenantAsync("Timeout Org");

        gate.Armed = true;
        var request = t.Client.PostAsync("{ patients { totalCount } }");
        await gate.Stalled.Task.WaitAsync(TimeSpan.FromSeconds(30));
        app.Clock.Advance(TimeSpan.FromSeconds(4));
        Assert.False(request.IsCompleted);
        app.Clock.Advance(TimeSpan.FromSeconds(1));
        var r = await request.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(System.Net.HttpStatusCode.GatewayTimeout, r.Status);
        Assert.Equal("application/graphql-response+json; charset=utf-8", r.ContentType);
        Assert.Equal(["TIMEOUT"], r.ErrorCodes);
        Assert.False(r.Body.TryGetProperty("data", out _));
        Assert.True(await gate.Cancelled.Task.WaitAsync(TimeSpan.FromSeconds(30)));
    }

    /// <summary>Holds the first query until its cancellation token fires, and says when it did.</summary>
    private sealed class StallingInterceptor : DbCommandInterceptor
    {
        public volatile bool Armed;

        public TaskCompletionSource Stalled { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource<bool> Cancelled { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public override async ValueTask<InterceptionResult<DbDataReader>> ReaderExecutingAsync(DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result, CancellationToken cancellationToken = default)
        {
            if (Armed && command.CommandText.Contains("Patients", StringComparison.Ordinal))
            {
                Stalled.TrySetResult();
                try
                {
                    await Task.Delay(Timeout.Infinite, cancellationToken);
                }
                catch (OperationCanceledException)
                {
                    Cancelled.TrySetResult(true);
                    throw;
                }
            }

            return result;
        }
    }
}
