using System.Data.Common;
using System.Net;
using System.Security.Claims;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using Headless.Audit;
using Headless.Auth;
using Headless.Data;
using Headless.Tests.Data;
using Headless.Tests.Infrastructure;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Headless.Tests.Audit;

/// <summary>
/// The writer behind the trail: batches on the flush interval or when full, requests that wait when the channel is
/// full (nothing dropped), retries with back-off on the app's clock, counts-only errors, and the flush on shutdown.
/// </summary>
public sealed class AuditWriterTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    private const string ReadPatient = "query($id: ID!) { node(id: $id) { ... on Patient { firstName lastName } } }";

    [Fact]
    public async Task A_burst_on_a_tiny_channel_makes_requests_wait_and_drops_nothing()
    {
        var gate = new AuditInsertGate();
        await using var app = HeadlessApp.Sqlite(
            new Dictionary<string, string?> { ["Headless:Audit:ChannelCapacity"] = "1", ["Headless:Audit:BatchSize"] = "1" },
            s => s.AddSingleton<IInterceptor>(gate));
        var t = await app.CreateTenantAsync("Burst Org");
        var patient = await TestData.CreateAsync(t.Client, TestData.PatientCreate, "patientCreate", TestData.Patient());
        await app.DrainAuditAsync();
        var trail = app.Services.GetRequiredService<AuditTrail>();

        // The writer takes the first row and is held in its insert; the second fills the one-row channel.
        gate.Armed = true;
        await t.Client.DataAsync(ReadPatient, new { id = patient });
        await gate.Entered.Task.WaitAsync(Patience);
        await t.Client.DataAsync(ReadPatient, new { id = patient });

        // The third has nowhere to go: its request waits, unanswered, until the writer makes room.
        var waiting = trail.WhenSomeoneWaitsAsync();
        var third = t.Client.DataAsync(ReadPatient, new { id = patient });
        await waiting.WaitAsync(Patience);
        Assert.False(third.IsCompleted);
        Assert.Equal(1, trail.Waiting);

        gate.Release();
        await third.WaitAsync(Patience);

        // Thirty at once through the same channel.
        await Task.WhenAll(Enumerable.Range(0, 30).Select(_ => t.Client.DataAsync(ReadPatient, new { id = patient }))).WaitAsync(Patience);
        await app.DrainAuditAsync();

        Assert.Equal(34, trail.Accepted);
        Assert.Equal(34, trail.Written);
        Assert.Equal(0, trail.Abandoned);
        Assert.Equal(0, trail.Waiting);
        await using var db = app.Database.CreatePlatformContext();
        Assert.Equal(33, await db.AuditEvents.IgnoreQueryFilters().CountAsync(e => e.OperationType == AuditOperationType.Query && e.ObjectType == "Patient"));
        Assert.Equal(34, await db.AuditEvents.IgnoreQueryFilters().Select(e => e.CorrelationId).Distinct().CountAsync());
    }

    [Fact]
    public async Task Rows_queued_just_before_shutdown_are_in_the_database_afterwards()
    {
        var file = Path.Combine(Path.GetTempPath(), $"headless-audit-{Guid.NewGuid():N}.db");
        var connectionString = $"Data Source={file};Pooling=False";
        try
        {
            long accepted;
            var app = HeadlessApp.On(DatabaseProvider.Sqlite, connectionString);
            await using (app)
            {
                var t = await app.CreateTenantAsync("Shutdown Org");
                var patient = await TestData.CreateAsync(t.Client, TestData.PatientCreate, "patientCreate", TestData.Patient());
                for (var i = 0; i < 3; i++)
                {
                    await t.Client.DataAsync(ReadPatient, new { id = patient });
                }

                var trail = app.Services.GetRequiredService<AuditTrail>();
                accepted = trail.Accepted;
                Assert.Equal(4, accepted);
                Assert.Equal(0, trail.Written); // the interval never passes on the test clock: nothing is written yet
            }

            await using var db = MigrationTests.CreateContext(DatabaseProvider.Sqlite, connectionString);
            Assert.Equal(accepted, await db.AuditEvents.IgnoreQueryFilters().CountAsync());
            Assert.Equal(3, await db.AuditEvents.IgnoreQueryFilters().CountAsync(e => e.OperationType == AuditOperationType.Query));
        }
        finally
        {
            foreach (var f in new[] { file, file + "-wal", file + "-shm" })
            {
                File.Delete(f);
            }
        }
    }

    [Fact]
    public async Task A_batch_is_written_when_the_flush_interval_passes_on_the_app_clock_or_when_it_is_full()
    {
        await using var app = HeadlessApp.Sqlite(new Dictionary<string, string?> { ["Headless:Audit:FlushInterval"] = "00:00:01", ["Headless:Audit:BatchSize"] = "2" });
        var t = await app.CreateTenantAsync("Interval Org");
        var trail = app.Services.GetRequiredService<AuditTrail>();
        var opened = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        trail.BatchOpened += () => opened.TrySetResult();

        var patient = await TestData.CreateAsync(t.Client, TestData.PatientCreate, "patientCreate", TestData.Patient());
        await opened.Task.WaitAsync(Patience);
        app.Clock.Advance(TimeSpan.FromMilliseconds(999));
        Assert.Equal(0, trail.Written);
        app.Clock.Advance(TimeSpan.FromMilliseconds(1));
        await trail.WhenSettledAsync(1).WaitAsync(Patience);
        Assert.Equal(1, trail.Written);

        // Two rows fill a batch: written at once, the clock standing still.
        await t.Client.DataAsync(ReadPatient, new { id = patient });
        await t.Client.DataAsync(ReadPatient, new { id = patient });
        await trail.WhenSettledAsync(3).WaitAsync(Patience);
        Assert.Equal(3, trail.Written);
    }

    [Fact]
    public async Task A_failed_write_is_retried_with_doubling_back_off_on_the_app_clock_and_loses_nothing()
    {
        var faults = new AuditInsertFaults();
        await using var app = HeadlessApp.Sqlite(services: s => s.AddSingleton<IInterceptor>(faults));
        var t = await app.CreateTenantAsync("Retry Org");
        var patient = await TestData.CreateAsync(t.Client, TestData.PatientCreate, "patientCreate", TestData.Patient());
        var trail = app.Services.GetRequiredService<AuditTrail>();
        var retries = Channel.CreateUnbounded<TimeSpan>();
        trail.RetryScheduled += wait => retries.Writer.TryWrite(wait);

        faults.InsertsToFail = 2;
        await t.Client.DataAsync(ReadPatient, new { id = patient });
        var drain = app.DrainAuditAsync();

        Assert.Equal(TimeSpan.FromSeconds(1), await retries.Reader.ReadAsync().AsTask().WaitAsync(Patience));
        Assert.False(drain.IsCompleted);
        app.Clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(TimeSpan.FromSeconds(2), await retries.Reader.ReadAsync().AsTask().WaitAsync(Patience));
        app.Clock.Advance(TimeSpan.FromSeconds(2));
        await drain;

        Assert.Equal(2, faults.Failed);
        Assert.Equal(2, trail.Written);
        Assert.Equal(0, trail.Abandoned);
        var warnings = app.Logs.Entries.Where(e => e.Category == typeof(AuditTrail).FullName).ToList();
        Assert.Equal(2, warnings.Count);
        Assert.All(warnings, w => Assert.Equal(LogLevel.Warning, w.Level));
        Assert.StartsWith("Audit trail could not write 2 audit events (attempt 1 of 10)", warnings[0].Message, StringComparison.Ordinal);
        Assert.DoesNotContain(app.Logs.Errors, e => e.Category.StartsWith("Headless", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_batch_that_cannot_be_written_is_given_up_with_an_error_that_has_counts_only()
    {
        var faults = new AuditInsertFaults();
        await using var app = HeadlessApp.Sqlite(
            new Dictionary<string, string?> { ["Headless:Audit:MaxWriteAttempts"] = "2" },
            s => s.AddSingleton<IInterceptor>(faults));
        var t = await app.CreateTenantAsync("Give Up Org");
        var trail = app.Services.GetRequiredService<AuditTrail>();
        var retries = Channel.CreateUnbounded<TimeSpan>();
        trail.RetryScheduled += wait => retries.Writer.TryWrite(wait);

        faults.InsertsToFail = int.MaxValue;
        var patient = await TestData.CreateAsync(t.Client, TestData.PatientCreate, "patientCreate", TestData.Patient("Sentinella", "Nomen"));
        await t.Client.DataAsync(ReadPatient, new { id = patient });
        var drain = app.DrainAuditAsync();
        app.Clock.Advance(await retries.Reader.ReadAsync().AsTask().WaitAsync(Patience));
        await drain;
        faults.InsertsToFail = 0;

        Assert.Equal(2, trail.Abandoned);
        Assert.Equal(0, trail.Written);
        var error = Assert.Single(app.Logs.Errors, e => e.Category == typeof(AuditTrail).FullName);
        Assert.Equal("Audit trail gave up writing 2 audit events after 2 attempts: DbUpdateException", error.Message);
        Assert.Null(error.Exception);
        Assert.DoesNotContain(app.Logs.Entries, e => e.Message.Contains("Sentinella", StringComparison.Ordinal) || e.Message.Contains("Nomen", StringComparison.Ordinal));

        // The trail goes on with the next rows.
        await t.Client.DataAsync(ReadPatient, new { id = patient });
        await app.DrainAuditAsync();
        Assert.Equal(1, trail.Written);
    }

    [Fact]
    public async Task A_row_keeps_at_most_the_configured_number_of_ids_and_says_how_many_there_were()
    {
        await using var app = HeadlessApp.Sqlite(new Dictionary<string, string?> { ["Headless:Audit:MaxObjectIdsPerEvent"] = "2" });
        var t = await app.CreateTenantAsync("Many Org");
        var ids = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            ids.Add(await TestData.CreateAsync(t.Client, TestData.PatientCreate, "patientCreate", TestData.Patient($"P{i}", "Many")));
        }

        await t.Client.DataAsync("{ patients { nodes { firstName } } }");
        await app.DrainAuditAsync();

        var row = (await AuditTrailTests.QueryAsync(t, new { operationType = "QUERY" })).Single();
        Assert.Equal(ids.Take(2), AuditTrailTests.Strings(row, "objectIds"));
        Assert.Equal(3, row.GetProperty("objectIdCount").GetInt32());
        Assert.True(row.GetProperty("objectIdsTruncated").GetBoolean());
    }

    [Theory]
    [InlineData("203.0.113.7", "203.0.113.7")]
    [InlineData("::ffff:198.51.100.4", "198.51.100.4")]
    [InlineData("2001:db8::1", "2001:db8::1")]
    public async Task The_client_address_is_recorded(string connectionAddress, string recorded)
    {
        await using var app = HeadlessApp.Sqlite();
        var t = await app.CreateTenantAsync("Address Org");
        var patient = await TestData.CreateAsync(t.Client, TestData.PatientCreate, "patientCreate", TestData.Patient());

        var context = await app.Server.SendAsync(c =>
        {
            var body = Encoding.UTF8.GetBytes(JsonSerializer.Serialize(new { query = ReadPatient, variables = new { id = patient } }));
            c.Request.Method = "POST";
            c.Request.Path = "/graphql";
            c.Request.ContentType = "application/json";
            c.Request.Headers.Authorization = "Bearer " + t.ApiKey;
            c.Connection.RemoteIpAddress = IPAddress.Parse(connectionAddress);
            c.Request.Body = new MemoryStream(body);
            c.Request.ContentLength = body.Length;
        });
        Assert.Equal(200, context.Response.StatusCode);
        await app.DrainAuditAsync();

        var rows = await AuditTrailTests.QueryAsync(t, null);
        Assert.Equal(recorded, rows.Single(r => r.GetProperty("operationType").GetString() == "QUERY").GetProperty("clientAddress").GetString());
    }

    [Theory]
    [InlineData("api_key:hk_3f9a1c2b", null, null, "api_key:hk_3f9a1c2b")]
    [InlineData("jwt", "user-42", null, "jwt:user-42")]
    [InlineData("jwt", null, null, "jwt")]
    [InlineData("introspection", "user-7", "brand-app", "introspection:user-7")]
    [InlineData("introspection", null, "brand-app", "introspection:brand-app")]
    public void The_credential_is_the_key_prefix_or_the_tokens_subject(string credential, string? sub, string? clientId, string expected)
    {
        var claims = new List<Claim> { new(HeadlessClaims.Credential, credential), new(HeadlessClaims.OrganizationId, "1") };
        if (sub is not null)
        {
            claims.Add(new Claim("sub", sub));
        }

        if (clientId is not null)
        {
            claims.Add(new Claim("client_id", clientId));
        }

        Assert.Equal(expected, AuditRecorder.CredentialOf(new ClaimsPrincipal(new ClaimsIdentity(claims, "test"))));
    }

    [Fact]
    public void Options_have_the_documented_defaults_bind_from_headless_audit_and_back_off_doubles_to_the_cap()
    {
        var o = new AuditOptions();
        Assert.Equal(10_000, o.ChannelCapacity);
        Assert.Equal(100, o.BatchSize);
        Assert.Equal(TimeSpan.FromSeconds(1), o.FlushInterval);
        Assert.Equal(10, o.MaxWriteAttempts);
        Assert.Equal(TimeSpan.FromSeconds(1), o.BaseBackOff);
        Assert.Equal(TimeSpan.FromSeconds(30), o.MaxBackOff);
        Assert.Equal(1000, o.MaxObjectIdsPerEvent);
        Assert.Equal([1, 2, 4, 8, 16, 30, 30], Enumerable.Range(1, 7).Select(n => o.BackOff(n).TotalSeconds));
        Assert.Equal(TimeSpan.FromSeconds(30), o.BackOff(1000));

        Assert.Equal(5, Bind(new() { ["Headless:Audit:ChannelCapacity"] = "5", ["Headless:Audit:FlushInterval"] = "00:00:00.250" }).ChannelCapacity);
        Assert.Equal(TimeSpan.FromMilliseconds(250), Bind(new() { ["Headless:Audit:FlushInterval"] = "00:00:00.250" }).FlushInterval);
        var failure = Assert.Throws<OptionsValidationException>(() => Bind(new() { ["Headless:Audit:BaseBackOff"] = "00:01:00", ["Headless:Audit:MaxBackOff"] = "00:00:10" }));
        Assert.Contains("MaxBackOff", failure.Message, StringComparison.Ordinal);
        Assert.Throws<OptionsValidationException>(() => Bind(new() { ["Headless:Audit:ChannelCapacity"] = "0" }));
    }

    private static AuditOptions Bind(Dictionary<string, string?> settings)
    {
        var services = new ServiceCollection()
            .AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(settings).Build());
        services.AddOptions<AuditOptions>().BindConfiguration(AuditOptions.Section).ValidateDataAnnotations();
        using var provider = services.BuildServiceProvider();
        return provider.GetRequiredService<IOptions<AuditOptions>>().Value;
    }

    /// <summary>Holds the first audit insert while armed, until released.</summary>
    private sealed class AuditInsertGate : DbCommandInterceptor
    {
        private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public volatile bool Armed;

        public TaskCompletionSource Entered { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Release() => _release.TrySetResult();

        public override async ValueTask<InterceptionResult<DbDataReader>> ReaderExecutingAsync(DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result, CancellationToken cancellationToken = default)
        {
            if (Armed && command.CommandText.Contains("INSERT INTO \"AuditEvents\"", StringComparison.Ordinal) && Entered.TrySetResult())
            {
                await _release.Task;
            }

            return result;
        }
    }

    /// <summary>Makes audit inserts fail as a locked SQLite database does, while <see cref="InsertsToFail"/> is above zero.</summary>
    private sealed class AuditInsertFaults : DbCommandInterceptor
    {
        private int _toFail;
        private int _failed;

        public int InsertsToFail
        {
            get => Volatile.Read(ref _toFail);
            set => Volatile.Write(ref _toFail, value);
        }

        public int Failed => Volatile.Read(ref _failed);

        public override ValueTask<InterceptionResult<DbDataReader>> ReaderExecutingAsync(DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result, CancellationToken cancellationToken = default)
        {
            if (command.CommandText.Contains("INSERT INTO \"AuditEvents\"", StringComparison.Ordinal))
            {
                var left = Volatile.Read(ref _toFail);
                if (left > 0 && (left == int.MaxValue || Interlocked.CompareExchange(ref _toFail, left - 1, left) == left))
                {
                    Interlocked.Increment(ref _failed);
                    throw new SqliteException("database is locked", 5);
                }
            }

            return ValueTask.FromResult(result);
        }
    }
}
