using System.Net;
using System.Text.Json;
using Headless.Auth;
using Headless.Data;
using Headless.Events;
using Headless.GraphQL;
using Headless.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Headless.Tests.Auth;

/// <summary>apiKeys, apiKeyCreate and apiKeyRevoke, and what each scope may do, through the front door.</summary>
public abstract class ApiKeyTests(DatabaseProvider provider, PostgresServer? postgres) : ProviderTest(provider, postgres)
{
    private const string KeyFields = "id prefix name scope createdAt lastUsedAt revokedAt";

    private const string Create = $$"""
        mutation($input: ApiKeyInput!) { apiKeyCreate(input: $input) { key apiKey { {{KeyFields}} } userErrors { code field message } } }
        """;

    private const string Revoke = $$"""
        mutation($id: ID!) { apiKeyRevoke(id: $id) { apiKey { {{KeyFields}} } userErrors { code field message } } }
        """;

    private const string List = $$"""{ apiKeys(first: 100) { totalCount nodes { {{KeyFields}} } } }""";

    private const string Viewer = "{ viewer { organization { id } } }";

    private TestTenant _t = null!;

    protected override async Task InitializeAppAsync() => _t = await App.CreateTenantAsync("Key Org");

    private GraphQLClient ClientFor(string key) => new(App.CreateClient(), key);

    private async Task<(string Key, string Id, JsonElement ApiKey)> CreateKeyAsync(string scope, string name = "CRM sync", GraphQLClient? client = null)
    {
        var payload = (await (client ?? _t.Client).DataAsync(Create, new { input = new { name, scope } })).GetProperty("apiKeyCreate");
        Assert.Empty(payload.UserErrorCodes());
        return (payload.GetProperty("key").GetString()!, payload.At("apiKey.id").GetString()!, payload.GetProperty("apiKey"));
    }

    private async Task<int> PatientCountAsync() => (await _t.Client.DataAsync("{ patients(first: 1) { totalCount } }")).At("patients.totalCount").GetInt32();

    private static void AssertForbidden(GraphQLResponse r, string message)
    {
        Assert.Equal(HttpStatusCode.OK, r.Status);
        Assert.Equal(["FORBIDDEN"], r.ErrorCodes);
        Assert.Equal(message, r.Body.GetProperty("errors")[0].GetProperty("message").GetString());
        Assert.Equal(JsonValueKind.Null, r.Data.ValueKind);
    }

    [ProviderFact]
    public async Task Create_returns_the_key_once_and_the_key_works_with_its_scope()
    {
        var (key, id, apiKey) = await CreateKeyAsync("WRITE", "  CRM sync  ");

        Assert.StartsWith(apiKey.GetProperty("prefix").GetString() + "_", key, StringComparison.Ordinal);
        Assert.Equal("CRM sync", apiKey.GetProperty("name").GetString());
        Assert.Equal("WRITE", apiKey.GetProperty("scope").GetString());
        Assert.Equal(HeadlessApp.Now, apiKey.GetProperty("createdAt").GetDateTimeOffset());
        Assert.Equal(JsonValueKind.Null, apiKey.GetProperty("lastUsedAt").ValueKind);
        Assert.Equal(JsonValueKind.Null, apiKey.GetProperty("revokedAt").ValueKind);
        Assert.True(GlobalId.TryDecode(id, "ApiKey", out _));

        var r = await ClientFor(key).PostAsync(Viewer);
        Assert.Equal(HttpStatusCode.OK, r.Status);
        Assert.Equal(_t.OrganizationGlobalId, r.Data.At("viewer.organization.id").GetString());
        var node = await _t.Client.DataAsync("query($id: ID!) { node(id: $id) { ... on ApiKey { prefix scope } } }", new { id });
        Assert.Equal("WRITE", node.At("node.scope").GetString());
    }

    [ProviderFact]
    public async Task ApiKeys_lists_every_key_of_the_organization_and_never_a_secret()
    {
        var (key, id, _) = await CreateKeyAsync("READ", "Dashboard");
        var other = await App.CreateTenantAsync("Other Key Org");
        await CreateKeyAsync("ADMIN", "Other's key", other.Client);

        var r = await _t.Client.PostAsync(List);

        var nodes = r.Data.At("apiKeys.nodes").EnumerateArray().ToList();
        Assert.Equal(2, r.Data.At("apiKeys.totalCount").GetInt32());
        Assert.Equal(["test", "Dashboard"], nodes.Select(n => n.GetProperty("name").GetString()));
        Assert.Equal(["ADMIN", "READ"], nodes.Select(n => n.GetProperty("scope").GetString()));
        Assert.Equal(id, nodes[1].GetProperty("id").GetString());
        Assert.DoesNotContain(key[12..], r.Raw, StringComparison.Ordinal);
        Assert.DoesNotContain(_t.ApiKey[12..], r.Raw, StringComparison.Ordinal);

        // There is no field that could return the secret or its hash.
        var probe = await _t.Client.PostAsync("{ apiKeys { nodes { key secretHash } } }");
        Assert.False(probe.Body.TryGetProperty("data", out _));
    }

    [ProviderFact]
    public async Task LastUsedAt_is_recorded_at_most_once_a_minute()
    {
        var (key, id, _) = await CreateKeyAsync("READ");
        var client = ClientFor(key);
        async Task<DateTimeOffset?> LastUsedAsync()
        {
            var node = (await _t.Client.DataAsync("query($id: ID!) { node(id: $id) { ... on ApiKey { lastUsedAt } } }", new { id })).At("node.lastUsedAt");
            return node.ValueKind == JsonValueKind.Null ? null : node.GetDateTimeOffset();
        }

        await client.DataAsync(Viewer);
        Assert.Equal(HeadlessApp.Now, await LastUsedAsync());

        App.Clock.Advance(TimeSpan.FromSeconds(59));
        await client.DataAsync(Viewer);
        Assert.Equal(HeadlessApp.Now, await LastUsedAsync());

        App.Clock.Advance(TimeSpan.FromSeconds(1));
        await client.DataAsync(Viewer);
        Assert.Equal(HeadlessApp.Now.AddMinutes(1), await LastUsedAsync());
    }

    [ProviderFact]
    public async Task A_revoked_key_gets_401_on_its_next_request_and_a_key_may_revoke_itself()
    {
        var (other, otherId, _) = await CreateKeyAsync("WRITE", "Old integration");
        var (self, selfId, _) = await CreateKeyAsync("ADMIN", "Rotating admin");
        Assert.Equal(HttpStatusCode.OK, (await ClientFor(other).PostAsync(Viewer)).Status);

        App.Clock.Advance(TimeSpan.FromMinutes(5));
        var revoked = (await _t.Client.DataAsync(Revoke, new { id = otherId })).GetProperty("apiKeyRevoke");
        Assert.Empty(revoked.UserErrorCodes());
        Assert.Equal(HeadlessApp.Now.AddMinutes(5), revoked.At("apiKey.revokedAt").GetDateTimeOffset());
        var next = await ClientFor(other).PostAsync(Viewer);
        Assert.Equal(HttpStatusCode.Unauthorized, next.Status);
        Assert.Equal(["UNAUTHENTICATED"], next.ErrorCodes);

        // Revoking the key the request came with: the answer still arrives, the next request does not get in.
        var own = await ClientFor(self).PostAsync(Revoke, new { id = selfId });
        Assert.Equal(HttpStatusCode.OK, own.Status);
        Assert.Empty(own.Data.GetProperty("apiKeyRevoke").UserErrorCodes());
        Assert.Equal(HttpStatusCode.Unauthorized, (await ClientFor(self).PostAsync(Viewer)).Status);

        // Again: nothing changes, the first revokedAt stays.
        App.Clock.Advance(TimeSpan.FromMinutes(5));
        var again = (await _t.Client.DataAsync(Revoke, new { id = otherId })).GetProperty("apiKeyRevoke");
        Assert.Empty(again.UserErrorCodes());
        Assert.Equal(HeadlessApp.Now.AddMinutes(5), again.At("apiKey.revokedAt").GetDateTimeOffset());
        Assert.Equal(HttpStatusCode.OK, (await _t.Client.PostAsync(Viewer)).Status);
    }

    /// <summary>
    /// Several instances share one database and no Redis: instance B revokes a key that instance A has just used. A
    /// trusts its copy of the key row for less than a second by its clock (ApiKeyCache.Lifetime), never longer.
    /// </summary>
    [ProviderFact]
    public async Task A_key_revoked_on_another_instance_fails_here_within_a_second()
    {
        var (key, id, _) = await CreateKeyAsync("READ", "Shared integration");
        await using var b = HeadlessApp.On(App.Provider, App.ConnectionString);
        var onA = ClientFor(key);
        Assert.Equal(HttpStatusCode.OK, (await onA.PostAsync(Viewer)).Status);

        var revoked = (await new GraphQLClient(b.CreateClient(), _t.ApiKey).DataAsync(Revoke, new { id })).GetProperty("apiKeyRevoke");
        Assert.Empty(revoked.UserErrorCodes());
        Assert.Equal(HttpStatusCode.Unauthorized, (await new GraphQLClient(b.CreateClient(), key).PostAsync(Viewer)).Status);

        App.Clock.Advance(ApiKeyCache.Lifetime - TimeSpan.FromMilliseconds(1));
        Assert.Equal(HttpStatusCode.OK, (await onA.PostAsync(Viewer)).Status);
        App.Clock.Advance(TimeSpan.FromMilliseconds(1));
        var after = await onA.PostAsync(Viewer);
        Assert.Equal(HttpStatusCode.Unauthorized, after.Status);
        Assert.Equal(["UNAUTHENTICATED"], after.ErrorCodes);
        App.Clock.Advance(TimeSpan.FromMinutes(5));
        Assert.Equal(HttpStatusCode.Unauthorized, (await onA.PostAsync(Viewer)).Status);
    }

    /// <summary>Within the second a key is trusted, authenticating it sends no SQL command; after it, one lookup.</summary>
    [ProviderFact]
    public async Task A_key_used_within_the_last_second_costs_no_SQL_command()
    {
        var (key, _, _) = await CreateKeyAsync("READ");
        var client = ClientFor(key);
        const string typename = "{ __typename }";
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsync(typename)).Status);

        async Task<int> CommandsAsync()
        {
            App.Commands.Reset();
            var r = await client.PostAsync(typename);
            Assert.Equal(HttpStatusCode.OK, r.Status);
            return App.Commands.Count;
        }

        Assert.Equal(0, await CommandsAsync());
        App.Clock.Advance(ApiKeyCache.Lifetime - TimeSpan.FromMilliseconds(1));
        Assert.Equal(0, await CommandsAsync());
        App.Clock.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal(1, await CommandsAsync());
        Assert.Equal(0, await CommandsAsync());

        // A wrong secret with the key's prefix is never answered from the cache, and does not evict the key.
        var wrong = key[..(ApiKey.KeyPrefix.Length + 9)] + new string('x', 43);
        App.Commands.Reset();
        Assert.Equal(HttpStatusCode.Unauthorized, (await ClientFor(wrong).PostAsync(typename)).Status);
        Assert.Equal(1, App.Commands.Count);
        Assert.Equal(0, await CommandsAsync());
    }

    /// <summary>lastUsedAt is written by a request answered from the cache too, once its minute has passed.</summary>
    [ProviderFact]
    public async Task LastUsedAt_is_recorded_when_the_minute_passes_while_the_key_is_cached()
    {
        var (key, id, _) = await CreateKeyAsync("READ");
        var client = ClientFor(key);
        await client.DataAsync(Viewer);
        App.Clock.Advance(TimeSpan.FromMilliseconds(59_500));
        await client.DataAsync(Viewer);

        App.Clock.Advance(TimeSpan.FromMilliseconds(700));
        App.Commands.Reset();
        await client.DataAsync("{ __typename }");
        Assert.Equal(1, App.Commands.Count); // the conditional UPDATE, no lookup
        App.Commands.Reset();
        await client.DataAsync("{ __typename }");
        Assert.Equal(0, App.Commands.Count);

        var lastUsed = (await _t.Client.DataAsync("query($id: ID!) { node(id: $id) { ... on ApiKey { lastUsedAt } } }", new { id })).At("node.lastUsedAt").GetDateTimeOffset();
        Assert.Equal(HeadlessApp.Now.AddMilliseconds(60_200), lastUsed);
    }

    [ProviderFact]
    public async Task Revoking_another_organizations_key_or_an_unknown_id_is_the_same_not_found()
    {
        var other = await App.CreateTenantAsync("Other Key Org");
        var (theirKey, theirId, _) = await CreateKeyAsync("WRITE", "Theirs", other.Client);

        var foreign = await _t.Client.PostAsync(Revoke, new { id = theirId });
        var missing = await _t.Client.PostAsync(Revoke, new { id = GlobalId.Encode("ApiKey", 9_000_000_000) });
        var wrongType = await _t.Client.PostAsync(Revoke, new { id = _t.OrganizationGlobalId });

        Assert.Equal(missing.Data.GetRawText(), foreign.Data.GetRawText());
        Assert.Equal(missing.Data.GetRawText(), wrongType.Data.GetRawText());
        var errors = missing.Data.GetProperty("apiKeyRevoke");
        Assert.Equal(["NOT_FOUND"], errors.UserErrorCodes());
        Assert.Equal(["id"], errors.UserErrorFields());
        Assert.Equal(JsonValueKind.Null, errors.GetProperty("apiKey").ValueKind);
        Assert.Equal(HttpStatusCode.OK, (await ClientFor(theirKey).PostAsync(Viewer)).Status);
        Assert.Equal(JsonValueKind.Null, (await _t.Client.DataAsync("query($id: ID!) { node(id: $id) { id } }", new { id = theirId })).GetProperty("node").ValueKind);
    }

    [ProviderFact]
    public async Task A_read_key_can_query_and_subscribe_but_not_mutate()
    {
        var (key, _, _) = await CreateKeyAsync("READ");
        var read = ClientFor(key);

        Assert.Equal(HttpStatusCode.OK, (await read.PostAsync(Viewer)).Status);
        var before = await PatientCountAsync();
        AssertForbidden(
            await read.PostAsync(TestData.PatientCreate, new { input = TestData.Patient("Rae", "Reader", "READ-1") }),
            "This operation needs an API key with scope WRITE; this key has READ.");
        Assert.Equal(before, await PatientCountAsync());

        // A refused operation is not charged to the cost budget and not half-run: no root field of it executes.
        AssertForbidden(await read.PostAsync("mutation { __typename }"), "This operation needs an API key with scope WRITE; this key has READ.");

        await using var ws = await GraphQLWebSocketClient.ConnectAndInitAsync(App, key);
        await ws.SubscribeAsync("events", "subscription { orderEvents { type } }");
        var feed = App.Services.GetRequiredService<EventFeed>();
        using var patience = new CancellationTokenSource(GraphQLWebSocketClient.Patience);
        while (feed.SubscriberCount < 1)
        {
            await Task.Delay(10, patience.Token);
        }

        // A mutation over the socket is refused the same way, as an error message for that operation.
        await ws.SubscribeAsync("m", TestData.PatientCreate, new { input = TestData.Patient("Rae", "Reader", "READ-2") });
        var refusal = await ws.ReceiveSkippingPingsAsync();
        Assert.Equal("error", refusal.GetProperty("type").GetString());
        Assert.Equal("m", refusal.GetProperty("id").GetString());
        Assert.Equal("FORBIDDEN", refusal.GetProperty("payload")[0].At("extensions.code").GetString());
        Assert.Equal(before, await PatientCountAsync());
    }

    [ProviderFact]
    public async Task A_write_key_mutates_but_cannot_administer_keys_or_webhooks()
    {
        var (key, _, _) = await CreateKeyAsync("WRITE");
        var write = ClientFor(key);
        const string Needs = "This operation needs an API key with scope ADMIN; this key has WRITE.";

        var created = (await write.DataAsync(TestData.PatientCreate, new { input = TestData.Patient("Wes", "Writer", "WRITE-1") })).GetProperty("patientCreate");
        Assert.Empty(created.UserErrorCodes());

        AssertForbidden(await write.PostAsync(Create, new { input = new { name = "Escalate", scope = "ADMIN" } }), Needs);
        AssertForbidden(await write.PostAsync(Revoke, new { id = GlobalId.Encode("ApiKey", 1) }), Needs);
        AssertForbidden(
            await write.PostAsync(
                "mutation($input: WebhookEndpointCreateInput!) { webhookEndpointCreate(input: $input) { secret userErrors { code } } }",
                new { input = new { url = "https://crm.example.com/hooks", eventTypes = new[] { "order.created" } } }),
            Needs);

        // The whole operation is refused, whether the admin field is first, last, or behind a fragment.
        var before = await PatientCountAsync();
        AssertForbidden(
            await write.PostAsync(
                "mutation($input: PatientInput!) { p: patientCreate(input: $input) { userErrors { code } } ...Keys } fragment Keys on Mutation { apiKeyCreate(input: { name: \"x\", scope: READ }) { key } }",
                new { input = TestData.Patient("Wes", "Writer", "WRITE-2") }),
            Needs);
        Assert.Equal(before, await PatientCountAsync());
        Assert.Equal(2, (await _t.Client.DataAsync(List)).At("apiKeys.totalCount").GetInt32());
        Assert.Equal(0, (await _t.Client.DataAsync("{ webhookEndpoints { totalCount } }")).At("webhookEndpoints.totalCount").GetInt32());
    }

    [ProviderFact]
    public async Task Names_must_be_1_to_100_characters_and_the_scope_one_of_the_three()
    {
        foreach (var (name, code) in new[] { ("", "REQUIRED"), ("   ", "REQUIRED"), (new string('k', 101), "TOO_LONG") })
        {
            var payload = (await _t.Client.DataAsync(Create, new { input = new { name, scope = "READ" } })).GetProperty("apiKeyCreate");
            Assert.Equal([code], payload.UserErrorCodes());
            Assert.Equal(["input.name"], payload.UserErrorFields());
            Assert.Equal(JsonValueKind.Null, payload.GetProperty("key").ValueKind);
        }

        var unknownScope = await _t.Client.PostAsync(Create, new { input = new { name = "Super", scope = "SUPERUSER" } });
        Assert.Equal(HttpStatusCode.BadRequest, unknownScope.Status);
        Assert.False(unknownScope.Body.TryGetProperty("data", out _));

        await CreateKeyAsync("READ", new string('k', 100));
        Assert.Equal(2, (await _t.Client.DataAsync(List)).At("apiKeys.totalCount").GetInt32());
    }
}

public sealed class ApiKeyTestsOnSqlite() : ApiKeyTests(DatabaseProvider.Sqlite, null);

[Collection(PostgresCollection.Name)]
public sealed class ApiKeyTestsOnPostgres(PostgresServer postgres) : ApiKeyTests(DatabaseProvider.Postgres, postgres);
