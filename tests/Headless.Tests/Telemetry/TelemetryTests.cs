using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;
using Headless.Outbox;
using Headless.Tests.Fulfillment;
using Headless.Tests.Infrastructure;
using Headless.Tests.Webhooks;
using Headless.Webhooks;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Headless.Tests.Telemetry;

/// <summary>
/// The service's traces and metrics, through the front door, exported in memory instead of over OTLP: what spans a
/// GraphQL request makes and that no request value reaches any of them, and the service's own metrics.
/// </summary>
[Collection(TelemetryCollection.Name)]
public sealed class TelemetryTests
{
    private const string First = "Zyxtrobelle";
    private const string Last = "Quorvandine";
    private const string Birth = "1958-02-19";
    private const string Street = "77 Wintermarsh Lane";
    private const string TrackingToken = "tok3nThatIsASecret9";

    private const string CreatePatient = """
        mutation CreatePatient($input: PatientInput!) { patientCreate(input: $input) { patient { id } userErrors { code } } }
        """;

    private const string Viewer = "query Viewer { viewer { organization { name } } }";

    private static HeadlessApp App(InMemoryTelemetry telemetry, Dictionary<string, string?>? settings = null) => HeadlessApp.Sqlite(settings, telemetry.Register);

    [Fact]
    public async Task A_graphql_request_makes_an_http_span_an_operation_span_and_ef_core_spans_and_no_span_holds_a_request_value()
    {
        var telemetry = new InMemoryTelemetry();
        await using var app = App(telemetry);
        var tenant = await app.CreateTenantAsync("Traced Org");
        var traceId = ActivityTraceId.CreateRandom();
        var patient = new
        {
            firstName = First,
            lastName = Last,
            dateOfBirth = Birth,
            address = new { line1 = Street, city = "Austin", state = "TX", zip = "78702" },
        };

        using var request = new HttpRequestMessage(HttpMethod.Post, "/graphql")
        {
            Content = new StringContent(JsonSerializer.Serialize(new { query = CreatePatient, variables = new { input = patient } }), Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("traceparent", $"00-{traceId}-{ActivitySpanId.CreateRandom()}-01");
        using var response = await tenant.Client.Http.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK && body.Contains("\"userErrors\":[]", StringComparison.Ordinal), body);

        var spans = await telemetry.WaitForSpansAsync(s => s.Any(a => a.TraceId == traceId && a.Kind == ActivityKind.Server));
        var trace = spans.Where(a => a.TraceId == traceId).ToList();
        var http = Assert.Single(trace, a => a.Kind == ActivityKind.Server);
        Assert.Equal("POST /graphql", http.DisplayName);
        Assert.Equal(200, http.GetTagItem("http.response.status_code"));

        var operation = Assert.Single(trace, a => a.Source.Name == "GraphQL");
        Assert.Equal("mutation CreatePatient", operation.DisplayName);
        Assert.Equal("CreatePatient", operation.GetTagItem("graphql.operation.name"));
        Assert.Equal("mutation", operation.GetTagItem("graphql.operation.type"));
        Assert.Null(operation.GetTagItem("graphql.document"));
        Assert.Equal(http.SpanId, operation.ParentSpanId);

        // The credential lookup runs before GraphQL, under the HTTP span; the insert under the operation's.
        var database = trace.Where(a => a.Source.Name.Contains("EntityFrameworkCore", StringComparison.Ordinal)).ToList();
        Assert.Contains(database, a => a.ParentSpanId == http.SpanId);
        Assert.True(
            database.Any(a => a.ParentSpanId == operation.SpanId && (a.GetTagItem("db.query.text") ?? a.GetTagItem("db.statement")) is string sql && sql.StartsWith("INSERT INTO \"Patients\"", StringComparison.Ordinal)),
            string.Join("\n", database.Select(a => $"{a.ParentSpanId == operation.SpanId}: {Describe(a)}")));
        Assert.All(database, a => Assert.Equal(ActivityKind.Client, a.Kind));

        // A tracking link (its token is the credential) and a GET with variables in the query string.
        using var anonymous = app.CreateClient();
        Assert.Equal(HttpStatusCode.NotFound, (await anonymous.GetAsync($"/track/{TrackingToken}")).StatusCode);
        var get = await tenant.Client.Http.GetAsync("/graphql?query=" + Uri.EscapeDataString("query Find($name: String) { viewer { organization { name } } }")
            + "&variables=" + Uri.EscapeDataString(JsonSerializer.Serialize(new { name = First })));
        Assert.NotEqual(HttpStatusCode.InternalServerError, get.StatusCode);
        spans = await telemetry.WaitForSpansAsync(s => s.Count(a => a.Kind == ActivityKind.Server) >= 3);
        var tracking = Assert.Single(spans, a => a.Kind == ActivityKind.Server && a.DisplayName == "GET /track/{token}");
        Assert.Equal("/track/[redacted]", tracking.GetTagItem("url.path"));

        var everything = string.Join("\n", telemetry.Spans.Select(Describe));
        foreach (var secret in new[] { First, Last, Birth, Street, TrackingToken, tenant.ApiKey })
        {
            Assert.DoesNotContain(secret, everything, StringComparison.OrdinalIgnoreCase);
        }
    }

    [Fact]
    public async Task A_refused_request_counts_one_refusal_and_each_operation_records_its_duration_by_name_and_type()
    {
        var telemetry = new InMemoryTelemetry();
        await using var app = App(telemetry, new()
        {
            ["Headless:RateLimits:Enabled"] = "true",
            ["Headless:RateLimits:RequestsBurst"] = "2",
            ["Headless:RateLimits:RequestsPerSecond"] = "1",
        });
        var tenant = await app.CreateTenantAsync("Counted Org");

        Assert.Equal(HttpStatusCode.OK, (await tenant.Client.PostAsync(Viewer)).Status);
        Assert.Equal(HttpStatusCode.OK, (await tenant.Client.PostAsync(Viewer)).Status);
        Assert.Equal(HttpStatusCode.TooManyRequests, (await tenant.Client.PostAsync(Viewer)).Status);

        var collected = telemetry.Collect(app);
        var refusals = InMemoryTelemetry.Points(collected, "headless.rate_limit.refusals");
        var refusal = Assert.Single(refusals);
        Assert.Equal("requests", refusal.Tags["headless.rate_limit"]);
        Assert.Equal(1, refusal.Point.GetSumLong());

        // The refused request never reached GraphQL: two operations.
        var durations = InMemoryTelemetry.Points(collected, "headless.graphql.operation.duration");
        var viewer = Assert.Single(durations);
        Assert.Equal("Viewer", viewer.Tags["graphql.operation.name"]);
        Assert.Equal("query", viewer.Tags["graphql.operation.type"]);
        Assert.Equal("ok", viewer.Tags["headless.graphql.outcome"]);
        Assert.Equal(2, viewer.Point.GetHistogramCount());
    }

    [Fact]
    public async Task Operation_names_past_the_limit_are_recorded_as_other()
    {
        var telemetry = new InMemoryTelemetry();
        await using var app = App(telemetry, new() { ["Headless:Telemetry:MaxOperationNames"] = "2" });
        var tenant = await app.CreateTenantAsync("Named Org");
        foreach (var name in new[] { "First", "Second", "Third", "Fourth", "First" })
        {
            Assert.Equal(HttpStatusCode.OK, (await tenant.Client.PostAsync($"query {name} {{ viewer {{ organization {{ name }} }} }}")).Status);
        }

        Assert.Equal(HttpStatusCode.OK, (await tenant.Client.PostAsync("{ viewer { organization { name } } }")).Status);

        var counts = InMemoryTelemetry.Points(telemetry.Collect(app), "headless.graphql.operation.duration")
            .ToDictionary(p => (string)p.Tags["graphql.operation.name"]!, p => p.Point.GetHistogramCount());
        Assert.Equal(new Dictionary<string, long> { ["First"] = 2, ["Second"] = 1, ["other"] = 2, ["anonymous"] = 1 }, counts);
    }

    [Fact]
    public async Task An_open_subscription_counts_one_until_it_completes()
    {
        var telemetry = new InMemoryTelemetry();
        await using var app = App(telemetry);
        var tenant = await app.CreateTenantAsync("Watching Org");

        long Open() => InMemoryTelemetry.Points(telemetry.Collect(app), "headless.graphql.subscriptions.open").Sum(p => p.Point.GetSumLong());

        await using var ws = await GraphQLWebSocketClient.ConnectAndInitAsync(app, tenant.ApiKey);
        await ws.SubscribeAsync("watch", "subscription Watch { orderEvents { type } }");
        await UntilAsync(() => Open() == 1);
        Assert.Equal(1, Open());

        await ws.SendAsync(new { id = "watch", type = "complete" });
        await UntilAsync(() => Open() == 0);
        Assert.Equal(0, Open());
    }

    [Fact]
    public async Task The_outbox_gauges_show_depth_parked_and_the_oldest_age_per_kind()
    {
        var telemetry = new InMemoryTelemetry();
        await using var app = App(telemetry);
        await OutboxTestSupport.EnqueueAsync(app, "telemetry.test", 3);

        var collected = telemetry.Collect(app);
        var depth = InMemoryTelemetry.Points(collected, "headless.outbox.depth").ToDictionary(p => (string)p.Tags["headless.outbox.kind"]!, p => p.Point.GetGaugeLastValueLong());
        Assert.Equal(3, depth["telemetry.test"]);
        Assert.Equal(0, depth[WebhookQueue.Kind]); // registered kinds show 0 rather than nothing
        Assert.Equal(0, Assert.Single(InMemoryTelemetry.Points(collected, "headless.outbox.oldest_age")).Point.GetGaugeLastValueDouble());

        await using (var db = app.Database.CreatePlatformContext())
        {
            var first = await db.OutboxMessages.Where(m => m.Kind == "telemetry.test").OrderBy(m => m.Id).Select(m => m.Id).FirstAsync();
            await db.OutboxMessages.Where(m => m.Id == first).ExecuteUpdateAsync(s => s.SetProperty(m => m.Status, OutboxStatus.Parked));
        }

        // Within the reading's lifetime the figures stand; after it, one new reading.
        app.Clock.Advance(TimeSpan.FromSeconds(5));
        Assert.Equal(3, Gauge(telemetry.Collect(app), "headless.outbox.depth"));
        app.Clock.Advance(TimeSpan.FromSeconds(85));
        collected = telemetry.Collect(app);
        Assert.Equal(2, Gauge(collected, "headless.outbox.depth"));
        Assert.Equal(1, Gauge(collected, "headless.outbox.parked"));
        Assert.Equal(90, Assert.Single(InMemoryTelemetry.Points(collected, "headless.outbox.oldest_age")).Point.GetGaugeLastValueDouble());

        static long Gauge(IReadOnlyList<OpenTelemetry.Metrics.MetricSnapshot> collected, string name) =>
            InMemoryTelemetry.Points(collected, name).Single(p => (string?)p.Tags["headless.outbox.kind"] == "telemetry.test").Point.GetGaugeLastValueLong();
    }

    [Fact]
    public async Task A_failed_webhook_delivery_is_an_outbox_span_over_an_outbound_http_span_and_counts_one_failure()
    {
        var telemetry = new InMemoryTelemetry();
        await using var app = App(telemetry);
        await using var receiver = await WebhookReceiver.StartAsync();
        receiver.Script = (_, _) => new ReceiverAnswer(500);
        var f = await CartData.CreateAsync(app, 1);
        await WebhookHarness.CreateEndpointAsync(f.Tenant.Client, receiver.Url("hooks/secret-path-token"), ["order.created"]);
        await WebhookHarness.CheckOutAsync(f, lines: 1);
        await WebhookHarness.DeliverAsync(app);
        Assert.Single(receiver.Received);

        var failures = Assert.Single(InMemoryTelemetry.Points(telemetry.Collect(app), "headless.webhook.delivery.failures"));
        Assert.Equal("HttpStatus", failures.Tags["error.type"]);
        Assert.Equal(1, failures.Point.GetSumLong());

        var spans = await telemetry.WaitForSpansAsync(s => s.Any(a => a.DisplayName == "outbox webhook.deliver"));
        var handling = Assert.Single(spans, a => a.DisplayName == "outbox webhook.deliver");
        Assert.Equal(WebhookQueue.Kind, handling.GetTagItem("headless.outbox.kind"));
        Assert.Equal(1, handling.GetTagItem("headless.outbox.attempt"));
        Assert.Equal("rescheduled", handling.GetTagItem("headless.outbox.outcome"));
        var post = Assert.Single(spans, a => a.Kind == ActivityKind.Client && a.ParentSpanId == handling.SpanId && a.Source.Name != "OpenTelemetry.Instrumentation.EntityFrameworkCore");
        Assert.Equal(receiver.BaseAddress.GetLeftPart(UriPartial.Authority) + "/", post.GetTagItem("url.full"));
        Assert.Equal(500, post.GetTagItem("http.response.status_code"));

        // The receiver runs in this process, so its own server span (under ours, through traceparent) is left out.
        var ours = telemetry.Spans.Where(a => !(a.Kind == ActivityKind.Server && a.ParentSpanId == post.SpanId));
        Assert.DoesNotContain("secret-path-token", string.Join("\n", ours.Select(Describe)), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_an_endpoint_or_an_exporter_no_pipeline_is_built()
    {
        await using var app = HeadlessApp.Sqlite();
        _ = app.Services;
        var pipeline = app.Services.GetRequiredService<Headless.Telemetry.TelemetryPipeline>();
        Assert.Null(pipeline.Tracing);
        Assert.Null(pipeline.Metrics);
    }

    private static async Task UntilAsync(Func<bool> condition)
    {
        using var patience = new CancellationTokenSource(GraphQLWebSocketClient.Patience);
        while (!condition())
        {
            await Task.Delay(20, patience.Token);
        }
    }

    /// <summary>Everything a span carries that an exporter would send.</summary>
    private static string Describe(Activity a) => string.Join(
        " | ",
        new[] { a.DisplayName, a.OperationName, a.StatusDescription ?? "" }
            .Concat(a.TagObjects.Select(t => $"{t.Key}={t.Value}"))
            .Concat(a.Baggage.Select(b => $"{b.Key}={b.Value}"))
            .Concat(a.Events.SelectMany(e => new[] { e.Name }.Concat(e.Tags.Select(t => $"{t.Key}={t.Value}"))))
            .Concat(a.Links.SelectMany(l => l.Tags?.Select(t => $"{t.Key}={t.Value}") ?? [])));
}
