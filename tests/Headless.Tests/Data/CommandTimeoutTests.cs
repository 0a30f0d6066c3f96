using System.Net;
using System.Text.Json;
using Headless.Data;
using Headless.Tests.Infrastructure;
using Npgsql;

namespace Headless.Tests.Data;

/// <summary>
/// Under load a write can wait in a lock queue until its command times out, typically on the organization's event
/// counter that every event-writing transaction takes last (README "Running several instances"). That is the database
/// short of capacity, not a bug: the client gets BUSY_RETRY with nothing changed, at the first timeout (a retry would
/// queue as long again), and the log has a warning, never an error.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class CommandTimeoutTests(PostgresServer postgres) : ProviderTest(DatabaseProvider.Postgres, postgres)
{
    private CartFixture _f = null!;

    protected override IDictionary<string, string?>? Settings => new Dictionary<string, string?> { ["Headless:Database:CommandTimeoutSeconds"] = "1" };

    protected override async Task InitializeAppAsync() => _f = await CartData.CreateAsync(App, 2);

    [ProviderFact]
    public async Task A_write_that_times_out_behind_the_event_counter_answers_BUSY_RETRY_and_changes_nothing()
    {
        // The first edit creates the organization's counter row; then another session holds it.
        var first = (await _f.Tenant.Client.DataAsync(CartData.Add, new { clinicId = _f.ClinicId, lines = new[] { CartData.GoodLine(_f.Patients[0], _f.Prescriber, _f.Catalog.SemaEast) } })).GetProperty("cartLinesAdd");
        Assert.Empty(first.UserErrorCodes());

        await using var holder = new NpgsqlConnection(App.ConnectionString);
        await holder.OpenAsync();
        await using var tx = await holder.BeginTransactionAsync();
        await using (var lockRow = new NpgsqlCommand($"SELECT \"LastPosition\" FROM \"EventStreams\" WHERE \"OrganizationId\" = {_f.Tenant.OrganizationId} FOR UPDATE", holder, tx))
        {
            Assert.NotNull(await lockRow.ExecuteScalarAsync());
        }

        var response = await _f.Tenant.Client.PostAsync(CartData.Add, new { clinicId = _f.ClinicId, lines = new[] { CartData.GoodLine(_f.Patients[1], _f.Prescriber, _f.Catalog.SemaEast) } });
        await tx.RollbackAsync();

        Assert.Equal(HttpStatusCode.OK, response.Status);
        Assert.False(response.HasErrors, response.Raw);
        var payload = response.Data.GetProperty("cartLinesAdd");
        Assert.Equal(["BUSY_RETRY"], payload.UserErrorCodes());
        Assert.Equal(JsonValueKind.Null, payload.GetProperty("cart").ValueKind);
        Assert.Equal(1, (await _f.Tenant.Client.DataAsync(CartData.Read, new { clinicId = _f.ClinicId })).At("cart.lineCount").GetInt32());
        Assert.Empty(App.Logs.Errors);
        Assert.Contains(App.Logs.Entries, e => e.Level == Microsoft.Extensions.Logging.LogLevel.Warning && e.Category == "Headless.Data");
    }
}
