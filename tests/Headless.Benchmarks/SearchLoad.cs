using System.Data.Common;
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Headless.Data;
using Headless.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Headless.Benchmarks;

/// <summary>
/// orderLines(filter) at scale on PostgreSQL: the demo organization grown to <c>--lines</c> order lines (default a
/// million: 25,000 orders of 40 lines over 100,000 patients) with SQL, then 100 patient-name searches and a few other
/// filters through HTTP, timed one after the other, and the query plans of the page queries (EXPLAIN ANALYZE).
/// <para>Run: <c>HEADLESS_BENCH_POSTGRES="Host=...;Database=empty_db;..." dotnet run -c Release --project
/// tests/Headless.Benchmarks -- search</c>. The database must be empty; it is migrated and seeded here.</para>
/// </summary>
internal static class SearchLoad
{
    private const string DemoKey = "hk_5ea7c400_search-benchmark-key-not-secret";

    private static readonly string[] FirstNames =
    [
        "james", "mary", "robert", "patricia", "john", "jennifer", "michael", "linda", "david", "elizabeth", "william", "barbara",
        "richard", "susan", "joseph", "jessica", "thomas", "sarah", "charles", "karen", "christopher", "lisa", "daniel", "nancy",
        "matthew", "betty", "anthony", "margaret", "mark", "sandra", "donald", "ashley", "steven", "kimberly", "paul", "emily",
        "andrew", "donna", "joshua", "michelle", "kenneth", "carol", "kevin", "amanda", "brian", "dorothy", "george", "melissa",
        "timothy", "deborah", "ronald", "stephanie", "edward", "rebecca", "jason", "sharon", "jeffrey", "laura", "ryan", "cynthia",
        "jacob", "kathleen", "gary", "amy", "nicholas", "angela", "eric", "shirley", "jonathan", "anna", "stephen", "brenda",
        "larry", "pamela", "justin", "emma", "scott", "nicole", "brandon", "helen", "benjamin", "samantha", "samuel", "katherine",
        "gregory", "christine", "alexander", "debra", "frank", "rachel", "patrick", "carolyn", "raymond", "janet", "jack", "maria",
        "dennis", "heather", "jerry", "diane",
    ];

    private static readonly string[] LastNames =
    [
        "smith", "johnson", "williams", "brown", "jones", "garcia", "miller", "davis", "rodriguez", "martinez", "hernandez", "lopez",
        "gonzalez", "wilson", "anderson", "thomas", "taylor", "moore", "jackson", "martin", "lee", "perez", "thompson", "white",
        "harris", "sanchez", "clark", "ramirez", "lewis", "robinson", "walker", "young", "allen", "king", "wright", "scott",
        "torres", "nguyen", "hill", "flores", "green", "adams", "nelson", "baker", "hall", "rivera", "campbell", "mitchell",
        "carter", "roberts", "gomez", "phillips", "evans", "turner", "diaz", "parker", "cruz", "edwards", "collins", "reyes",
        "stewart", "morris", "morales", "murphy", "cook", "rogers", "gutierrez", "ortiz", "morgan", "cooper", "peterson", "bailey",
        "reed", "kelly", "howard", "ramos", "kim", "cox", "ward", "richardson", "watson", "brooks", "chavez", "wood", "james",
        "bennett", "gray", "mendoza", "ruiz", "hughes", "price", "alvarez", "castillo", "sanders", "patel", "myers", "long",
        "ross", "foster", "jimenez",
    ];

    public static async Task<int> RunAsync(string[] args)
    {
        var lineTarget = Option(args, "--lines", 1_000_000);
        var searches = Option(args, "--searches", 100);
        var connectionString = Environment.GetEnvironmentVariable("HEADLESS_BENCH_POSTGRES");
        if (string.IsNullOrEmpty(connectionString))
        {
            Console.Error.WriteLine("Set HEADLESS_BENCH_POSTGRES to an empty PostgreSQL database's connection string.");
            return 2;
        }

        var recorder = new PageQueryRecorder();
        var builder = HeadlessHost.CreateBuilder([]);
        builder.Environment.EnvironmentName = "Production";
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Headless:Database:Provider"] = "Postgres",
            ["Headless:Database:ConnectionString"] = connectionString,
            ["Headless:Database:MigrateOnStartup"] = "true",
            ["Headless:Demo:Seed"] = "true",
            ["Headless:Demo:ApiKey"] = DemoKey,
            ["Headless:RateLimits:Enabled"] = "false",
            ["Headless:Outbox:Enabled"] = "false",
        });
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.WebHost.UseKestrel(o => o.Listen(System.Net.IPAddress.Loopback, 0));
        builder.Services.AddHeadless();
        builder.Services.AddSingleton<IInterceptor>(recorder);
        await using var app = builder.Build();
        app.MapHeadless();
        await app.StartAsync();
        var address = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        using var http = new HttpClient { BaseAddress = address };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", DemoKey);
        http.DefaultRequestHeaders.Accept.ParseAdd("application/graphql-response+json");

        // The demo organization's clinics need open carts for orders to point to.
        var viewer = await GraphQLAsync(http, "{ viewer { organization { clinics(first: 10) { nodes { id } } } } }", null);
        foreach (var clinic in viewer.GetProperty("viewer").GetProperty("organization").GetProperty("clinics").GetProperty("nodes").EnumerateArray())
        {
            await GraphQLAsync(http, "query($c: ID!) { cart(clinicId: $c) { id } }", new { c = clinic.GetProperty("id").GetString() });
        }

        await using var sql = NpgsqlDataSource.Create(connectionString);
        var seedWatch = Stopwatch.StartNew();
        await using (var count = sql.CreateCommand("SELECT count(*) FROM \"OrderLines\""))
        {
            // A database seeded by an earlier run is reused as it is (seeding a million lines takes minutes).
            var existing = (long)(await count.ExecuteScalarAsync())!;
            var lines = existing >= lineTarget ? existing : await SeedAsync(sql, lineTarget);
            Console.WriteLine(existing >= lineTarget ? $"Reusing {existing:N0} order lines" : $"Seeded {lines:N0} order lines in {seedWatch.Elapsed.TotalSeconds:F0} s");
        }

        // Warm-up, then the timed searches: one at a time, so the figure is a request's latency, not a queue's.
        var random = new Random(7);
        string NextName() => (random.Next(3)) switch
        {
            0 => LastNames[random.Next(LastNames.Length)] is var last && last.Length > 4 ? last[..4] : last,
            1 => $"{FirstNames[random.Next(FirstNames.Length)]} {LastNames[random.Next(LastNames.Length)]}",
            _ => FirstNames[random.Next(FirstNames.Length)][..3] + " " + LastNames[random.Next(LastNames.Length)][..3],
        };

        const string Search = """
            query($filter: OrderLineFilter) {
              orderLines(filter: $filter, first: 20) { pageInfo { hasNextPage endCursor } nodes { id number status owner statusSince tracking { carrier number } patient { firstName lastName externalId } pharmacy { name } } }
            }
            """;
        for (var i = 0; i < 10; i++)
        {
            await GraphQLAsync(http, Search, new { filter = new { patientName = NextName() } });
        }

        var timings = new List<(string Name, double Ms, int Found)>();
        for (var i = 0; i < searches; i++)
        {
            var name = NextName();
            var watch = Stopwatch.StartNew();
            var data = await GraphQLAsync(http, Search, new { filter = new { patientName = name } });
            timings.Add((name, watch.Elapsed.TotalMilliseconds, data.GetProperty("orderLines").GetProperty("nodes").GetArrayLength()));
        }

        var sorted = timings.Select(t => t.Ms).Order().ToList();
        Console.WriteLine($"{searches} patient-name searches (first: 20, with patient, pharmacy and tracking): p50 {Percentile(sorted, 0.50):F1} ms, p95 {Percentile(sorted, 0.95):F1} ms, p99 {Percentile(sorted, 0.99):F1} ms, max {sorted[^1]:F1} ms; {timings.Count(t => t.Found == 20)} filled a page, {timings.Count(t => t.Found == 0)} found nothing");

        Console.WriteLine("Slowest: " + string.Join(", ", timings.OrderByDescending(t => t.Ms).Take(3).Select(t => $"\"{t.Name}\" {t.Ms:F1} ms")));

        var others = new (string Label, object Filter)[]
        {
            ("no filter (most recent changes)", new { }),
            ("status ON_HOLD", new { status = new[] { "ON_HOLD" } }),
            ("stuckForMinutes 1440", new { stuckForMinutes = 1440 }),
            ("patientExternalId", new { patientExternalId = "B-123456" }),
            ("lineNumber", new { lineNumber = "HX-20000-07" }),
            ("owner CLINIC + stuck 60", new { owner = new[] { "CLINIC" }, stuckForMinutes = 60 }),
        };
        foreach (var (label, filter) in others)
        {
            var runs = new List<double>();
            for (var i = 0; i < 11; i++)
            {
                var watch = Stopwatch.StartNew();
                await GraphQLAsync(http, Search, new { filter });
                runs.Add(watch.Elapsed.TotalMilliseconds);
            }

            runs.Sort();
            Console.WriteLine($"orderLines({label}): median of 11 {runs[5]:F1} ms, max {runs[^1]:F1} ms");
        }

        // The plans of the page queries EF sent, re-run with the same parameters under EXPLAIN ANALYZE.
        foreach (var (label, filter) in new (string, object)[]
        {
            ("patientName \"john smi\"", new { patientName = "john smi" }),
            ("patientName \"garc\"", new { patientName = "garc" }),
            ("no filter", new { }),
            ("stuckForMinutes 1440", new { stuckForMinutes = 1440 }),
        })
        {
            recorder.Clear();
            await GraphQLAsync(http, Search, new { filter });
            var page = recorder.Commands.First(c => c.Text.Contains("ORDER BY o.\"ChangedAt\" DESC", StringComparison.Ordinal));
            Console.WriteLine($"\n-- orderLines({label}) page query plan:");
            Console.WriteLine(await ExplainAsync(sql, page));
        }

        recorder.Clear();
        await GraphQLAsync(http, "{ queueHealth { lines { status count overdue } pharmacies { count overdue } } }", null);
        foreach (var command in recorder.Commands.Where(c => c.Text.Contains("GROUP BY", StringComparison.Ordinal)).Take(1))
        {
            Console.WriteLine("\n-- queueHealth line groups plan:");
            Console.WriteLine(await ExplainAsync(sql, command));
        }

        var healthRuns = new List<double>();
        for (var i = 0; i < 11; i++)
        {
            var watch = Stopwatch.StartNew();
            await GraphQLAsync(http, "{ queueHealth { lines { status count oldestAgeMinutes overdue owners { owner count overdue } } pharmacies { pharmacy { name } count overdue } } }", null);
            healthRuns.Add(watch.Elapsed.TotalMilliseconds);
        }

        healthRuns.Sort();
        Console.WriteLine($"queueHealth (organization, every status and pharmacy): median of 11 {healthRuns[5]:F1} ms, max {healthRuns[^1]:F1} ms");
        await app.StopAsync();
        return 0;
    }

    private static async Task<long> SeedAsync(NpgsqlDataSource sql, int lineTarget)
    {
        const int linesPerOrder = 40;
        var orders = Math.Max(1, lineTarget / linesPerOrder);
        var patients = Math.Max(100, orders * 4);
        await using var connection = await sql.OpenConnectionAsync();
        async Task<T> ScalarAsync<T>(string text)
        {
            await using var command = new NpgsqlCommand(text, connection) { CommandTimeout = 0 };
            return (T)(await command.ExecuteScalarAsync())!;
        }

        async Task ExecuteAsync(string text)
        {
            await using var command = new NpgsqlCommand(text, connection) { CommandTimeout = 0 };
            await command.ExecuteNonQueryAsync();
        }

        var org = await ScalarAsync<long>("""SELECT "Id" FROM "Organizations" ORDER BY "Id" LIMIT 1""");
        var template = await ScalarAsync<long>($"""SELECT min("Id") FROM "Patients" WHERE "OrganizationId" = {org}""");
        var prescriber = await ScalarAsync<long>($"""SELECT min("Id") FROM "Prescribers" WHERE "OrganizationId" = {org}""");
        var offering = await ScalarAsync<long>("""SELECT min("Id") FROM "Offerings" """);
        var firsts = string.Join(",", FirstNames.Select(n => $"'{n}'"));
        var lasts = string.Join(",", LastNames.Select(n => $"'{n}'"));

        await ExecuteAsync("SELECT setseed(0.42)");

        // Patients: copies of a demo patient with generated names (every first-last pair about 10 times per 100,000).
        await ExecuteAsync(await InsertSelectAsync(connection, "Patients", new()
        {
            ["ExternalId"] = "'B-' || g",
            ["FirstName"] = $"initcap((ARRAY[{firsts}])[1 + (g % {FirstNames.Length})])",
            ["LastName"] = $"initcap((ARRAY[{lasts}])[1 + ((g / {FirstNames.Length}) % {LastNames.Length})])",
            ["SearchName"] = $"(ARRAY[{firsts}])[1 + (g % {FirstNames.Length})] || ' ' || (ARRAY[{lasts}])[1 + ((g / {FirstNames.Length}) % {LastNames.Length})]",
        }, $"""FROM "Patients" t, generate_series(1, {patients}) g WHERE t."Id" = {template}"""));
        var firstPatient = await ScalarAsync<long>("""SELECT min("Id") FROM "Patients" WHERE "ExternalId" LIKE 'B-%'""");

        // Orders over the last 90 days, alternating the demo clinics, each pointing at its clinic's cart.
        await ExecuteAsync(await InsertSelectAsync(connection, "Orders", new()
        {
            ["OrganizationId"] = "c.\"OrganizationId\"",
            ["ClinicId"] = "c.\"ClinicId\"",
            ["CartId"] = "c.\"Id\"",
            ["IdempotencyKey"] = "'bench-' || g",
            ["PaymentMethodId"] = "'pm_card_visa'",
            ["Status"] = "'SUBMITTED'",
            ["PaymentStatus"] = "'CAPTURED'",
            ["Currency"] = "'USD'",
            ["Gateway"] = "'sandbox'",
            ["Total"] = "40 * 18900",
            ["CapturedAmount"] = "40 * 18900",
            ["PlacedAt"] = $"now() - make_interval(secs => ({orders} - g) * (90 * 86400.0 / {orders}))",
            ["Version"] = "1",
        }, $"""FROM generate_series(1, {orders}) g JOIN LATERAL (SELECT * FROM "Carts" WHERE "OrganizationId" = {org} ORDER BY "Id" OFFSET (g % (SELECT count(*) FROM "Carts" WHERE "OrganizationId" = {org})) LIMIT 1) c ON true"""));

        // Lines: mostly delivered, some still moving, a few held, rejected or cancelled; each changed some hours after placing.
        // Orders of the last two weeks are still moving; older ones have settled (delivered, cancelled or rejected for good),
        // which is what a real log looks like: a few percent of the lines are open at any time.
        const string status = """(CASE WHEN o."PlacedAt" < now() - interval '14 days' THEN (CASE WHEN r < 0.95 THEN 'DELIVERED' WHEN r < 0.98 THEN 'CANCELLED' ELSE 'REJECTED' END) WHEN r < 0.40 THEN 'DELIVERED' WHEN r < 0.60 THEN 'SHIPPED' WHEN r < 0.70 THEN 'COMPOUNDING' WHEN r < 0.80 THEN 'RECEIVED' WHEN r < 0.88 THEN 'SUBMITTED' WHEN r < 0.93 THEN 'ON_HOLD' WHEN r < 0.97 THEN 'CANCELLED' ELSE 'REJECTED' END)""";
        const string owner = """(CASE WHEN o."PlacedAt" < now() - interval '14 days' THEN 'NONE' WHEN r < 0.60 THEN 'NONE' WHEN r < 0.88 THEN 'PHARMACY' WHEN r < 0.93 THEN 'CLINIC' WHEN r < 0.97 THEN 'NONE' ELSE 'CLINIC' END)""";
        await ExecuteAsync(await InsertSelectAsync(connection, "OrderLines", new()
        {
            ["OrganizationId"] = "o.\"OrganizationId\"",
            ["OrderId"] = "o.\"Id\"",
            ["ClinicId"] = "o.\"ClinicId\"",
            ["Position"] = "p",
            ["PatientId"] = $"{firstPatient} + floor(random() * {patients})::bigint",
            ["ProductId"] = $"(SELECT \"ProductId\" FROM \"Offerings\" WHERE \"Id\" = {offering})",
            ["PharmacyId"] = $"(SELECT \"PharmacyId\" FROM \"Offerings\" WHERE \"Id\" = {offering})",
            ["OfferingId"] = offering.ToString(CultureInfo.InvariantCulture),
            ["PrescriberId"] = prescriber.ToString(CultureInfo.InvariantCulture),
            ["Quantity"] = "1",
            ["Sig"] = "'Inject 0.25 mg subcutaneously once weekly'",
            ["DaysSupply"] = "28",
            ["ShipTo_State"] = "'TX'",
            ["RoutingReason"] = "'Benchmark'",
            ["UnitPrice"] = "18900",
            ["LineTotal"] = "18900",
            ["Amount"] = "18900",
            ["CapturedAmount"] = "18900",
            ["Status"] = status,
            ["Owner"] = owner,
            ["PaymentStatus"] = "'CAPTURED'",
            ["StatusSince"] = "o.\"PlacedAt\" + make_interval(hours => (p % 48))",
            ["ChangedAt"] = "o.\"PlacedAt\" + make_interval(hours => (p % 48))",
            ["Sequence"] = "1",
        }, $"""FROM "Orders" o, generate_series(1, {linesPerOrder}) p, LATERAL (SELECT random() + 0 * p AS r) x WHERE o."IdempotencyKey" LIKE 'bench-%'"""));
        await ExecuteAsync("VACUUM ANALYZE");
        return await ScalarAsync<long>("""SELECT count(*) FROM "OrderLines" """);
    }

    /// <summary>INSERT ... SELECT over every non-null column of the table: the given expressions, else the column's type's zero.</summary>
    private static async Task<string> InsertSelectAsync(NpgsqlConnection connection, string table, Dictionary<string, string> values, string from)
    {
        var columns = new List<(string Name, string Type, bool Nullable, bool Generated)>();
        await using (var command = new NpgsqlCommand(
            "SELECT column_name, data_type, is_nullable = 'YES', (column_default IS NOT NULL OR is_identity = 'YES') FROM information_schema.columns WHERE table_name = @t ORDER BY ordinal_position", connection))
        {
            command.Parameters.AddWithValue("t", table);
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                columns.Add((reader.GetString(0), reader.GetString(1), reader.GetBoolean(2), reader.GetBoolean(3)));
            }
        }

        var template = from.Contains(" t,", StringComparison.Ordinal) || from.Contains(" t ", StringComparison.Ordinal);
        var chosen = columns.Where(c => c.Name != "Id" && (values.ContainsKey(c.Name) || template || (!c.Nullable && !c.Generated))).ToList();
        var select = chosen.Select(c => values.TryGetValue(c.Name, out var v) ? v : template ? $"t.\"{c.Name}\"" : c.Type switch
        {
            "bigint" or "integer" or "smallint" or "numeric" => "0",
            "boolean" => "false",
            "timestamp with time zone" => "now()",
            "date" => "current_date",
            _ => "''",
        });
        return $"INSERT INTO \"{table}\" ({string.Join(", ", chosen.Select(c => $"\"{c.Name}\""))}) SELECT {string.Join(", ", select)} {from}";
    }

    private static async Task<string> ExplainAsync(NpgsqlDataSource sql, RecordedCommand page)
    {
        await using var connection = await sql.OpenConnectionAsync();
        await using var command = new NpgsqlCommand("EXPLAIN (ANALYZE, BUFFERS) " + page.Text, connection);
        foreach (var (name, value) in page.Parameters)
        {
            command.Parameters.Add(new NpgsqlParameter(name, value));
        }

        var plan = new StringBuilder();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            plan.AppendLine(reader.GetString(0));
        }

        return plan.ToString();
    }

    private static async Task<JsonElement> GraphQLAsync(HttpClient http, string query, object? variables)
    {
        using var response = await http.PostAsync("/graphql", new StringContent(JsonSerializer.Serialize(new { query, variables }), Encoding.UTF8, "application/json"));
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        if (!response.IsSuccessStatusCode || body.TryGetProperty("errors", out _))
        {
            throw new InvalidOperationException($"{(int)response.StatusCode}: {body}");
        }

        return body.GetProperty("data").Clone();
    }

    private static double Percentile(List<double> sorted, double p) => sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Count) - 1, 0, sorted.Count - 1)];

    private static int Option(string[] args, string name, int fallback)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], CultureInfo.InvariantCulture) : fallback;
    }

    private sealed record RecordedCommand(string Text, IReadOnlyList<(string Name, object Value)> Parameters);

    /// <summary>Keeps the SQL EF sends, with its parameters, so the page queries can be explained as they ran.</summary>
    private sealed class PageQueryRecorder : DbCommandInterceptor
    {
        private readonly List<RecordedCommand> _commands = [];

        public IReadOnlyList<RecordedCommand> Commands
        {
            get
            {
                lock (_commands)
                {
                    return _commands.ToList();
                }
            }
        }

        public void Clear()
        {
            lock (_commands)
            {
                _commands.Clear();
            }
        }

        public override ValueTask<InterceptionResult<DbDataReader>> ReaderExecutingAsync(DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result, CancellationToken cancellationToken = default)
        {
            var parameters = command.Parameters.Cast<DbParameter>().Select(p => (p.ParameterName, p.Value ?? DBNull.Value)).ToList();
            lock (_commands)
            {
                _commands.Add(new RecordedCommand(command.CommandText, parameters));
            }

            return ValueTask.FromResult(result);
        }
    }
}
