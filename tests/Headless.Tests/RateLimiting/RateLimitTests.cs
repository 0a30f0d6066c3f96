using System.Net;
using System.Text;
using System.Text.Json;
using Headless.Tests.Infrastructure;
using Microsoft.AspNetCore.Http;

namespace Headless.Tests.RateLimiting;

/// <summary>The three request limits, each on the app's fake clock: time only passes when the test moves it.</summary>
public sealed class RateLimitTests
{
    private const string Viewer = "{ viewer { organization { name } } }";

    // patients 1 + nodes 1 + 100 × (id + firstName) = 202 points.
    private const string Patients = "{ patients(first: 100) { nodes { id firstName } } }";

    private static HeadlessApp App(params (string Key, string Value)[] settings)
    {
        var all = new Dictionary<string, string?> { ["Headless:RateLimits:Enabled"] = "true" };
        foreach (var (key, value) in settings)
        {
            all["Headless:RateLimits:" + key] = value;
        }

        return HeadlessApp.Sqlite(all);
    }

    /// <summary>POST /graphql from a given client address (the test server lets the test set the connection).</summary>
    private static async Task<Answer> SendAsync(HeadlessApp app, string address, string? bearer, string query = Viewer, string accept = GraphQLClient.Accept, Action<HttpContext>? more = null)
    {
        var context = await app.Server.SendAsync(c =>
        {
            var body = Encoding.UTF8.GetBytes(JsonSerializer.Serialize(new { query }));
            c.Request.Method = "POST";
            c.Request.Path = "/graphql";
            c.Request.ContentType = "application/json";
            c.Request.Headers.Accept = accept;
            if (bearer is not null)
            {
                c.Request.Headers.Authorization = "Bearer " + bearer;
            }

            c.Connection.RemoteIpAddress = IPAddress.Parse(address);
            c.Request.Body = new MemoryStream(body);
            c.Request.ContentLength = body.Length;
            more?.Invoke(c);
        });
        var raw = await new StreamReader(context.Response.Body).ReadToEndAsync();
        return new Answer(context.Response.StatusCode, context.Response.Headers.RetryAfter.ToString(), context.Response.ContentType ?? "", raw.Length == 0 ? default : JsonDocument.Parse(raw).RootElement.Clone());
    }

    private sealed record Answer(int Status, string RetryAfter, string ContentType, JsonElement Body)
    {
        public string? Code => Body.TryGetProperty("errors", out var e) ? e[0].GetProperty("extensions").GetProperty("code").GetString() : null;
    }

    [Fact]
    public async Task Failed_authentications_from_one_address_get_429_after_a_burst_before_the_credential_is_checked()
    {
        await using var app = App(("FailedAuthenticationBurst", "3"), ("FailedAuthenticationRefillSeconds", "60"));
        var t = await app.CreateTenantAsync("Auth Limit Org");
        const string attacker = "203.0.113.7";

        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(401, (await SendAsync(app, attacker, "hk_00000000_guessing-a-key-" + i)).Status);
        }

        app.Commands.Reset();
        var blocked = await SendAsync(app, attacker, "hk_00000000_guessing-a-key-x");
        var blockedEvenWithTheRightKey = await SendAsync(app, attacker, t.ApiKey);
        var lookups = app.Commands.Count;
        var otherAddress = await SendAsync(app, "198.51.100.4", t.ApiKey);

        Assert.Equal(429, blocked.Status);
        Assert.Equal("THROTTLED", blocked.Code);
        Assert.Equal("60", blocked.RetryAfter);
        Assert.StartsWith("application/graphql-response+json", blocked.ContentType, StringComparison.Ordinal);
        Assert.Equal(429, blockedEvenWithTheRightKey.Status);
        Assert.Equal(0, lookups); // no key lookup for a throttled address
        Assert.Equal(200, otherAddress.Status);

        app.Clock.Advance(TimeSpan.FromSeconds(59));
        Assert.Equal("1", (await SendAsync(app, attacker, t.ApiKey)).RetryAfter);

        app.Clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(200, (await SendAsync(app, attacker, t.ApiKey)).Status);
        Assert.Equal(401, (await SendAsync(app, attacker, "hk_00000000_guessing-a-key-y")).Status);
        Assert.Equal(429, (await SendAsync(app, attacker, t.ApiKey)).Status);
    }

    [Fact]
    public async Task Behind_a_configured_proxy_the_forwarded_client_address_is_limited()
    {
        await using var app = HeadlessApp.Sqlite(new Dictionary<string, string?>
        {
            ["Headless:RateLimits:Enabled"] = "true",
            ["Headless:RateLimits:FailedAuthenticationBurst"] = "2",
            ["Headless:Http:KnownProxies:0"] = "10.0.0.1",
        });
        var t = await app.CreateTenantAsync("Proxy Org");
        void From(HttpContext c, string client) => c.Request.Headers["X-Forwarded-For"] = client;

        await SendAsync(app, "10.0.0.1", "hk_00000000_guessing-a-key-1", more: c => From(c, "203.0.113.7"));
        await SendAsync(app, "10.0.0.1", "hk_00000000_guessing-a-key-2", more: c => From(c, "203.0.113.7"));

        Assert.Equal(429, (await SendAsync(app, "10.0.0.1", t.ApiKey, more: c => From(c, "203.0.113.7"))).Status);
        Assert.Equal(200, (await SendAsync(app, "10.0.0.1", t.ApiKey, more: c => From(c, "198.51.100.4"))).Status);
    }

    [Fact]
    public async Task Requests_are_limited_per_credential()
    {
        await using var app = App(("RequestsBurst", "3"), ("RequestsPerSecond", "1"));
        var a = await app.CreateTenantAsync("Busy Org");
        var b = await app.CreateTenantAsync("Quiet Org");

        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(200, (await SendAsync(app, "198.51.100.4", a.ApiKey)).Status);
        }

        app.Commands.Reset();
        var throttled = await SendAsync(app, "198.51.100.4", a.ApiKey);
        var jsonClient = await SendAsync(app, "198.51.100.4", a.ApiKey, accept: "application/json");

        Assert.Equal(429, throttled.Status);
        Assert.Equal("THROTTLED", throttled.Code);
        Assert.Equal("1", throttled.RetryAfter);
        Assert.Equal(429, jsonClient.Status);
        Assert.StartsWith("application/json", jsonClient.ContentType, StringComparison.Ordinal);
        Assert.Equal(0, app.Commands.Count); // nothing executed, and the key authenticated within the second (ApiKeyCache)
        Assert.Equal(200, (await SendAsync(app, "198.51.100.4", b.ApiKey)).Status);

        app.Clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(200, (await SendAsync(app, "198.51.100.4", a.ApiKey)).Status);
        Assert.Equal(429, (await SendAsync(app, "198.51.100.4", a.ApiKey)).Status);
    }

    [Fact]
    public async Task Each_organization_spends_a_cost_budget_that_refills_per_second_and_a_request_over_it_executes_nothing()
    {
        await using var app = App(("CostBucketSize", "1000"), ("CostRestorePerSecond", "100"));
        var a = await app.CreateTenantAsync("Costly Org");
        var b = await app.CreateTenantAsync("Thrifty Org");

        Answer last = null!;
        for (var i = 0; i < 4; i++)
        {
            last = await SendAsync(app, "198.51.100.4", a.ApiKey, Patients);
            Assert.Equal(200, last.Status);
        }

        Assert.Equal(202, last.Body.At("extensions.cost.requestedQueryCost").GetDouble());
        Assert.Equal(1000, last.Body.At("extensions.cost.throttleStatus.maximumAvailable").GetInt32());
        Assert.Equal(192, last.Body.At("extensions.cost.throttleStatus.currentlyAvailable").GetInt32());
        Assert.Equal(100, last.Body.At("extensions.cost.throttleStatus.restoreRate").GetDouble());

        app.Commands.Reset();
        var throttled = await SendAsync(app, "198.51.100.4", a.ApiKey, Patients);

        Assert.Equal(429, throttled.Status);
        Assert.Equal("THROTTLED", throttled.Code);
        Assert.Equal("1", throttled.RetryAfter);
        Assert.StartsWith("application/graphql-response+json", throttled.ContentType, StringComparison.Ordinal);
        Assert.False(throttled.Body.TryGetProperty("data", out _));
        Assert.Equal(192, throttled.Body.At("extensions.cost.throttleStatus.currentlyAvailable").GetInt32());
        Assert.Equal(0, app.Commands.Count); // nothing: the key authenticated within the second (ApiKeyCache)

        // A cheaper request still fits; another organization has its own bucket.
        Assert.Equal(200, (await SendAsync(app, "198.51.100.4", a.ApiKey, Viewer)).Status);
        Assert.Equal(200, (await SendAsync(app, "198.51.100.4", b.ApiKey, Patients)).Status);

        app.Clock.Advance(TimeSpan.FromSeconds(1));
        var refilled = await SendAsync(app, "198.51.100.4", a.ApiKey, Patients);
        Assert.Equal(200, refilled.Status);
        Assert.Equal(1000 - (4 * 202) - 3 + 100 - 202, refilled.Body.At("extensions.cost.throttleStatus.currentlyAvailable").GetInt32());
    }

    [Fact]
    public async Task A_legacy_application_json_client_is_throttled_with_429_too()
    {
        await using var app = App(("CostBucketSize", "300"), ("CostRestorePerSecond", "10"));
        var a = await app.CreateTenantAsync("Legacy Org");

        Assert.Equal(200, (await SendAsync(app, "198.51.100.4", a.ApiKey, Patients, accept: "application/json")).Status);
        var throttled = await SendAsync(app, "198.51.100.4", a.ApiKey, Patients, accept: "application/json");

        Assert.Equal(429, throttled.Status);
        Assert.Equal("THROTTLED", throttled.Code);
        Assert.Equal("11", throttled.RetryAfter); // (202 - 98) points at 10 per second
        Assert.StartsWith("application/json", throttled.ContentType, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_default_limits_let_a_40_patient_refill_day_through_without_the_clock_moving()
    {
        await using var app = App();
        var f = await CartData.CreateAsync(app, patientCount: 40);
        var c = f.Tenant.Client;

        var lines = f.Patients.Select(p => CartData.GoodLine(p, f.Prescriber, f.Catalog.SemaWest)).ToArray();
        var added = await c.DataAsync(CartData.Add, new { clinicId = f.ClinicId, lines });
        var cartId = added.At("cartLinesAdd.cart.id").GetString();
        await c.DataAsync(CartData.Validate, new { cartId });
        await c.DataAsync(CartData.Read, new { clinicId = f.ClinicId });
        await c.DataAsync(CartData.Validate, new { cartId });
        var read = await c.PostAsync(CartData.Read, new { clinicId = f.ClinicId });

        Assert.Equal(HttpStatusCode.OK, read.Status);
        Assert.Equal(40, read.Data.At("cart.lineCount").GetInt32());
        Assert.True(read.Body.At("extensions.cost.throttleStatus.currentlyAvailable").GetInt32() > 25_000, read.Raw);
    }
}
