using System.Data.Common;
using Headless.Data;
using Headless.Tests.Infrastructure;
using Microsoft.AspNetCore.TestHost;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection;

namespace Headless.Tests.Carts;

/// <summary>
/// Two coordinators add the same patient and offering to one cart at the same moment. Both read the cart before
/// either writes, so both try to create the line; the database refuses the second (unique index on the merge key,
/// or the cart's version), the loser re-reads and merges. That race is normal: it must end in one line with the
/// summed quantity and must not write a single Error or Critical log entry.
/// </summary>
public abstract class CartMergeRaceTests(DatabaseProvider provider, PostgresServer? postgres) : ProviderTest(provider, postgres)
{
    private readonly CartLinesReadBarrier _barrier = new();
    private CartFixture _f = null!;

    protected override void ConfigureServices(IServiceCollection services)
    {
        services.AddSingleton<IInterceptor>(_barrier);

        // The barrier is armed by the test's execution context only, so background workers never reach it.
        services.Configure<TestServerOptions>(o => o.PreserveExecutionContext = true);
    }

    protected override async Task InitializeAppAsync() => _f = await CartData.CreateAsync(App, 1);

    [ProviderFact]
    public async Task Two_coordinators_creating_the_same_merged_line_get_one_line_with_the_summed_quantity_and_no_error_logs()
    {
        var client = _f.Tenant.Client;

        // The cart exists before the race, so the two adds race on the line and not on opening the cart.
        await client.DataAsync(CartData.Read, new { clinicId = _f.ClinicId });
        App.Logs.Clear();

        GraphQLResponse[] results;
        using (_barrier.Arm(participants: 2))
        {
            results = await Task.WhenAll(new[] { 1, 2 }.Select(quantity => client.PostAsync(CartData.Add, new
            {
                clinicId = _f.ClinicId,
                lines = new[] { CartData.GoodLine(_f.Patients[0], _f.Prescriber, _f.Catalog.SemaEast, quantity) },
            })));
        }

        Assert.All(results, r => Assert.Empty(r.Data.GetProperty("cartLinesAdd").UserErrorCodes()));
        Assert.True(_barrier.Released, "Both adds should have read the cart before either wrote.");
        Assert.True(_barrier.LostRaces >= 1, "One add should have lost the race to create the line and retried.");

        var cart = (await client.DataAsync(CartData.Read, new { clinicId = _f.ClinicId })).GetProperty("cart");
        Assert.Equal(1, cart.GetProperty("lineCount").GetInt32());
        Assert.Equal(3, cart.At("lines.nodes.0.quantity").GetInt32());
        Assert.True(App.Logs.Errors.Count == 0, "Error log entries for a handled race:\n" + string.Join("\n", App.Logs.Errors));
        Assert.True(!App.Logs.Entries.Any(e => e.Exception is not null), "Stack traces logged for a handled race:\n" + string.Join("\n", App.Logs.Entries.Where(e => e.Exception is not null)));
    }

    /// <summary>
    /// Holds each armed request right after it has read the cart's lines until every participant has read them too,
    /// so all of them decide to create the line from the same, empty cart. Counts the saves that then lost the race.
    /// </summary>
    private sealed class CartLinesReadBarrier : DbCommandInterceptor, ISaveChangesInterceptor
    {
        private readonly AsyncLocal<Round?> _armed = new();
        private Round? _round;
        private int _lostRaces;

        public bool Released => _round?.All.Task.IsCompletedSuccessfully == true;

        public int LostRaces => Volatile.Read(ref _lostRaces);

        public IDisposable Arm(int participants)
        {
            _round = new Round(participants);
            _armed.Value = _round;
            return new Disarm(this);
        }

        public override async ValueTask<DbDataReader> ReaderExecutedAsync(DbCommand command, CommandExecutedEventData eventData, DbDataReader result, CancellationToken cancellationToken = default)
        {
            if (_armed.Value is { } round && IsCartLinesRead(command.CommandText) && round.Arrive())
            {
                // Real time on purpose: this waits for the other request's thread, not for business time.
                await round.All.Task.WaitAsync(TimeSpan.FromSeconds(30), cancellationToken);
            }

            return result;
        }

        public Task SaveChangesFailedAsync(DbContextErrorEventData eventData, CancellationToken cancellationToken = default)
        {
            if (_armed.Value is not null && Contention.IsContention(eventData.Exception))
            {
                Interlocked.Increment(ref _lostRaces);
            }

            return Task.CompletedTask;
        }

        /// <summary>
        /// The read that brings the cart's lines: cartLinesAdd reads them with their patients (CartReferenceLoader), the
        /// only one of its SELECTs that names CartLines (the clinic's and the offerings' reads do not). Holding it means
        /// every participant has read the lines before any of them writes.
        /// </summary>
        private static bool IsCartLinesRead(string sql) =>
            sql.TrimStart().StartsWith("SELECT", StringComparison.OrdinalIgnoreCase)
            && sql.Contains("FROM \"CartLines\"", StringComparison.Ordinal);

        private sealed class Round(int participants)
        {
            private int _arrived;

            public TaskCompletionSource All { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

            /// <summary>True for the first <c>participants</c> arrivals, which wait; the last of them releases all.</summary>
            public bool Arrive()
            {
                var n = Interlocked.Increment(ref _arrived);
                if (n == participants)
                {
                    All.TrySetResult();
                }

                return n <= participants;
            }
        }

        private sealed class Disarm(CartLinesReadBarrier owner) : IDisposable
        {
            public void Dispose() => owner._armed.Value = null;
        }
    }
}

public sealed class CartMergeRaceTestsOnSqlite() : CartMergeRaceTests(DatabaseProvider.Sqlite, null);

[Collection(PostgresCollection.Name)]
public sealed class CartMergeRaceTestsOnPostgres(PostgresServer postgres) : CartMergeRaceTests(DatabaseProvider.Postgres, postgres);
