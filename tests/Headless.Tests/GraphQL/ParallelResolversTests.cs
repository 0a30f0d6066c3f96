using System.Data.Common;
using Headless.Data;
using Headless.Tests.Checkout;
using Headless.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection;

namespace Headless.Tests.GraphQL;

/// <summary>
/// Every resolver that reads the database opens its own connection, so a request runs at most
/// Headless:GraphQL:MaxParallelResolvers of them at once: one large query cannot take the whole connection pool.
/// (On SQLite the provider completes its calls synchronously, so resolvers hardly overlap there; PostgreSQL shows it.)
/// </summary>
public abstract class ParallelResolversTests(DatabaseProvider provider, PostgresServer? postgres) : ProviderTest(provider, postgres)
{
    private readonly ConnectionGauge _gauge = new();

    protected override IDictionary<string, string?>? Settings => new Dictionary<string, string?> { ["Headless:GraphQL:MaxParallelResolvers"] = "3" };

    protected override void ConfigureServices(IServiceCollection services) => services.AddSingleton<IInterceptor>(_gauge);

    [ProviderFact]
    public async Task A_query_over_many_lines_holds_at_most_the_configured_number_of_connections()
    {
        var f = await CartData.CreateAsync(App, 20);
        var lines = f.Patients.Select(p => CartData.GoodLine(p, f.Prescriber, f.Catalog.SemaEast)).ToArray();
        var cartId = (await f.Tenant.Client.DataAsync(CartData.Add, new { clinicId = f.ClinicId, lines })).At("cartLinesAdd.cart.id").GetString();
        var version = (await f.Tenant.Client.DataAsync(CartData.Validate, new { cartId })).At("cartValidate.cart.version").GetInt32();
        var number = (await f.Tenant.Client.DataAsync(CheckoutTests.Checkout, new { input = new { cartId, expectedVersion = version, paymentMethodId = "pm_card_visa", idempotencyKey = "parallel" } })).At("cartCheckout.order.number").GetString();

        _gauge.Reset();
        var order = (await f.Tenant.Client.DataAsync("query($n: String) { order(number: $n) { lines(first: 20) { nodes { number events(first: 5) { totalCount } } } } }", new { n = number })).GetProperty("order");

        Assert.Equal(20, order.At("lines.nodes").GetArrayLength());
        Assert.InRange(_gauge.MostOpen, 1, 3);
    }

    /// <summary>The most connections the service held open at the same moment since the last reset.</summary>
    private sealed class ConnectionGauge : DbConnectionInterceptor
    {
        private int _open;
        private int _most;

        public int MostOpen => Volatile.Read(ref _most);

        public void Reset()
        {
            Volatile.Write(ref _open, 0);
            Volatile.Write(ref _most, 0);
        }

        public override Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken = default)
        {
            var open = Interlocked.Increment(ref _open);
            int most;
            while (open > (most = Volatile.Read(ref _most)) && Interlocked.CompareExchange(ref _most, open, most) != most)
            {
            }

            return Task.CompletedTask;
        }

        public override Task ConnectionClosedAsync(DbConnection connection, ConnectionEndEventData eventData)
        {
            Interlocked.Decrement(ref _open);
            return Task.CompletedTask;
        }
    }
}

public sealed class ParallelResolversTestsOnSqlite() : ParallelResolversTests(DatabaseProvider.Sqlite, null);

[Collection(PostgresCollection.Name)]
public sealed class ParallelResolversTestsOnPostgres(PostgresServer postgres) : ParallelResolversTests(DatabaseProvider.Postgres, postgres);
