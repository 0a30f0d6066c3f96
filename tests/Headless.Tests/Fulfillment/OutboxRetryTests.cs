using System.Text.Json;
using GraphQL.Types;
using Headless.Fulfillment;
using Headless.GraphQL;
using Headless.Outbox;
using Headless.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Headless.Tests.Fulfillment;

/// <summary>Back-off, parking, queueHealth and outboxMessageRetry, with the fake clock on SQLite.</summary>
public sealed class OutboxRetryTests : IAsyncLifetime
{
    private const string Kind = "test.retry";

    private const string HealthQuery = """
        query($first: Int, $after: String) {
          queueHealth {
            pending
            parked
            oldestPendingAge
            parkedMessages(first: $first, after: $after) {
              totalCount
              nodes { id kind status attempts lastError nextAttemptAt createdAt }
              pageInfo { hasNextPage endCursor }
            }
          }
        }
        """;

    private const string RetryMutation = """
        mutation($id: ID!) {
          outboxMessageRetry(id: $id) {
            outboxMessage { id status attempts }
            userErrors { code field message }
          }
        }
        """;

    private readonly RecordingHandler _handler = new(Kind);
    private HeadlessApp _app = null!;

    public Task InitializeAsync()
    {
        _app = HeadlessApp.Sqlite(
            new Dictionary<string, string?>
            {
                ["Headless:Outbox:Enabled"] = "false",
                ["Headless:Outbox:MaxAttempts"] = "3",
            },
            services =>
            {
                services.AddOutbox();
                services.AddSingleton<IOutboxHandler>(_handler);
            });
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _app.DisposeAsync();

    private OutboxProcessor Processor => _app.Services.GetRequiredService<OutboxProcessor>();

    private Task<int> DrainAsync() => Processor.DrainOnceAsync("test-worker", CancellationToken.None);

    [Fact]
    public async Task A_failing_message_backs_off_is_parked_shows_in_queue_health_and_can_be_retried()
    {
        var clinic = await _app.CreateTenantAsync("Outbox Clinic");
        var other = await _app.CreateTenantAsync("Other Org");
        var id = (await OutboxTestSupport.EnqueueAsync(_app, Kind, 1, clinic.OrganizationId))[0];
        _handler.Behaviour = (_, _, _) => throw new HttpRequestException("partner down");

        // Attempt 1 fails: back off 5 s ± 20%.
        var t0 = _app.Clock.GetUtcNow();
        Assert.Equal(1, await DrainAsync());
        var row = await OutboxTestSupport.LoadAsync(_app, id);
        Assert.Equal(OutboxStatus.Pending, row.Status);
        Assert.Equal(1, row.Attempts);
        Assert.Equal(nameof(HttpRequestException), row.LastError);
        Assert.InRange(row.NextAttemptAt, t0 + TimeSpan.FromSeconds(4), t0 + TimeSpan.FromSeconds(6));
        Assert.Null(row.LeaseOwner);

        var health = await HealthAsync(clinic);
        Assert.Equal(1, health.GetProperty("pending").GetInt32());
        Assert.Equal(0, health.GetProperty("parked").GetInt32());
        Assert.Equal(0, health.GetProperty("oldestPendingAge").GetInt32());

        // Not retried before it is due.
        _app.Clock.Advance(TimeSpan.FromSeconds(3.9));
        Assert.Equal(0, await DrainAsync());
        Assert.Equal(1, _handler.Calls);

        // Retried once due: attempt 2 fails, back off 10 s ± 20%.
        _app.Clock.Advance(TimeSpan.FromSeconds(2.2));
        var t1 = _app.Clock.GetUtcNow();
        Assert.Equal(1, await DrainAsync());
        row = await OutboxTestSupport.LoadAsync(_app, id);
        Assert.Equal(2, row.Attempts);
        Assert.InRange(row.NextAttemptAt, t1 + TimeSpan.FromSeconds(8), t1 + TimeSpan.FromSeconds(12));
        Assert.Equal(6, (await HealthAsync(clinic)).GetProperty("oldestPendingAge").GetInt32());

        // Attempt 3 of 3 fails: parked, and never picked up again on its own.
        _app.Clock.Advance(TimeSpan.FromSeconds(12.5));
        Assert.Equal(1, await DrainAsync());
        row = await OutboxTestSupport.LoadAsync(_app, id);
        Assert.Equal(OutboxStatus.Parked, row.Status);
        Assert.Equal(3, row.Attempts);
        _app.Clock.Advance(TimeSpan.FromDays(2));
        Assert.Equal(0, await DrainAsync());
        Assert.Equal(3, _handler.Calls);

        // Visible to its organization...
        health = await HealthAsync(clinic);
        Assert.Equal(0, health.GetProperty("pending").GetInt32());
        Assert.Equal(1, health.GetProperty("parked").GetInt32());
        Assert.Equal(JsonValueKind.Null, health.GetProperty("oldestPendingAge").ValueKind);
        var parked = health.GetProperty("parkedMessages");
        Assert.Equal(1, parked.GetProperty("totalCount").GetInt32());
        var node = parked.GetProperty("nodes")[0];
        var globalId = node.GetProperty("id").GetString();
        Assert.Equal(GlobalId.Encode("OutboxMessage", id), globalId);
        Assert.Equal(Kind, node.GetProperty("kind").GetString());
        Assert.Equal("PARKED", node.GetProperty("status").GetString());
        Assert.Equal(3, node.GetProperty("attempts").GetInt32());
        Assert.Equal(nameof(HttpRequestException), node.GetProperty("lastError").GetString());
        Assert.Equal(t0, node.GetProperty("createdAt").GetDateTimeOffset());

        // ...and to node(id), but not to another organization.
        var fetched = await clinic.Client.DataAsync("query($id: ID!) { node(id: $id) { id ... on OutboxMessage { status } } }", new { id = globalId });
        Assert.Equal("PARKED", fetched.At("node.status").GetString());
        var otherHealth = await HealthAsync(other);
        Assert.Equal(0, otherHealth.GetProperty("parked").GetInt32());
        Assert.Equal(0, otherHealth.GetProperty("parkedMessages").GetProperty("totalCount").GetInt32());
        Assert.Equal(JsonValueKind.Null, (await other.Client.DataAsync("query($id: ID!) { node(id: $id) { id } }", new { id = globalId })).GetProperty("node").ValueKind);

        // Another organization cannot retry it.
        var refused = (await other.Client.DataAsync(RetryMutation, new { id = globalId })).GetProperty("outboxMessageRetry");
        Assert.Equal(JsonValueKind.Null, refused.GetProperty("outboxMessage").ValueKind);
        Assert.Equal("NOT_FOUND", refused.GetProperty("userErrors")[0].GetProperty("code").GetString());
        Assert.Equal(OutboxStatus.Parked, (await OutboxTestSupport.LoadAsync(_app, id)).Status);

        // Its own organization can: back in line, attempts reset, delivered by the next drain.
        var retried = (await clinic.Client.DataAsync(RetryMutation, new { id = globalId })).GetProperty("outboxMessageRetry");
        Assert.Equal(0, retried.GetProperty("userErrors").GetArrayLength());
        Assert.Equal("PENDING", retried.At("outboxMessage.status").GetString());
        Assert.Equal(0, retried.At("outboxMessage.attempts").GetInt32());

        _handler.Behaviour = (_, _, _) => Task.CompletedTask;
        Assert.Equal(1, await DrainAsync());
        Assert.Equal(1, _handler.Delivered["k-1"]);
        row = await OutboxTestSupport.LoadAsync(_app, id);
        Assert.Equal(OutboxStatus.Done, row.Status);
        Assert.Equal(_app.Clock.GetUtcNow(), row.CompletedAt);

        health = await HealthAsync(clinic);
        Assert.Equal(0, health.GetProperty("parked").GetInt32());
        Assert.Equal(0, health.GetProperty("pending").GetInt32());

        // A message that is not parked (any more) cannot be retried.
        var again = (await clinic.Client.DataAsync(RetryMutation, new { id = globalId })).GetProperty("outboxMessageRetry");
        Assert.Equal("NOT_FOUND", again.GetProperty("userErrors")[0].GetProperty("code").GetString());
        Assert.Equal(["id"], again.GetProperty("userErrors")[0].GetProperty("field").EnumerateArray().Select(f => f.GetString()));
    }

    [Fact]
    public async Task Parked_messages_page_by_cursor_and_ids_of_other_types_are_not_found()
    {
        var clinic = await _app.CreateTenantAsync("Paging Clinic");
        await OutboxTestSupport.EnqueueAsync(_app, "test.unhandled", 3, clinic.OrganizationId);
        for (var attempt = 0; attempt < 3; attempt++)
        {
            Assert.Equal(3, await DrainAsync());
            _app.Clock.Advance(TimeSpan.FromMinutes(1));
        }

        var page1 = (await HealthAsync(clinic, first: 2)).GetProperty("parkedMessages");
        Assert.Equal(3, page1.GetProperty("totalCount").GetInt32());
        Assert.Equal(2, page1.GetProperty("nodes").GetArrayLength());
        Assert.True(page1.At("pageInfo.hasNextPage").GetBoolean());
        var page2 = (await HealthAsync(clinic, first: 2, after: page1.At("pageInfo.endCursor").GetString())).GetProperty("parkedMessages");
        Assert.Equal(1, page2.GetProperty("nodes").GetArrayLength());
        Assert.False(page2.At("pageInfo.hasNextPage").GetBoolean());
        Assert.Equal(OutboxProcessor.UnknownKindError, page2.GetProperty("nodes")[0].GetProperty("lastError").GetString());

        var wrongType = (await clinic.Client.DataAsync(RetryMutation, new { id = GlobalId.Encode("Clinic", 1) })).GetProperty("outboxMessageRetry");
        Assert.Equal("NOT_FOUND", wrongType.GetProperty("userErrors")[0].GetProperty("code").GetString());
        var garbage = (await clinic.Client.DataAsync(RetryMutation, new { id = "not-an-id" })).GetProperty("outboxMessageRetry");
        Assert.Equal("NOT_FOUND", garbage.GetProperty("userErrors")[0].GetProperty("code").GetString());
    }

    [Fact]
    public void Every_outbox_type_field_argument_and_enum_value_has_a_description()
    {
        var schema = _app.Services.GetRequiredService<ISchema>();
        schema.Initialize();
        var names = new[] { "QueueHealth", "OutboxMessage", "OutboxMessageStatus", "OutboxMessagePayload", "OutboxMessageConnection", "OutboxMessageEdge" };
        var types = schema.AllTypes.Where(t => names.Contains(t.Name)).ToList();
        Assert.Equal(names.Length, types.Count);
        var roots = new IComplexGraphType[] { schema.Query, schema.Mutation! };
        var missing = new List<string>();
        foreach (var root in roots)
        {
            foreach (var field in root.Fields.Where(f => f.Name is "queueHealth" or "outboxMessageRetry"))
            {
                missing.AddRange(Undescribed(root.Name, field));
            }
        }

        foreach (var type in types)
        {
            if (string.IsNullOrWhiteSpace(type.Description))
            {
                missing.Add(type.Name);
            }

            if (type is IComplexGraphType complex)
            {
                missing.AddRange(complex.Fields.SelectMany(f => Undescribed(type.Name, f)));
            }

            if (type is EnumerationGraphType e)
            {
                missing.AddRange(e.Values.Where(v => string.IsNullOrWhiteSpace(v.Description)).Select(v => $"{type.Name}.{v.Name}"));
            }
        }

        Assert.Empty(missing);
        Assert.Equal(2, roots.Sum(r => r.Fields.Count(f => f.Name is "queueHealth" or "outboxMessageRetry")));

        static IEnumerable<string> Undescribed(string type, FieldType field) =>
            (string.IsNullOrWhiteSpace(field.Description) ? [$"{type}.{field.Name}"] : Array.Empty<string>())
                .Concat((field.Arguments ?? []).Where(a => string.IsNullOrWhiteSpace(a.Description)).Select(a => $"{type}.{field.Name}({a.Name})"));
    }

    private static async Task<JsonElement> HealthAsync(TestTenant tenant, int? first = null, string? after = null) =>
        (await tenant.Client.DataAsync(HealthQuery, new { first, after })).GetProperty("queueHealth");
}
