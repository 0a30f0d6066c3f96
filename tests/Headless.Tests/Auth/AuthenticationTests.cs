using System.Net;
using System.Net.Http.Headers;
using System.Security.Claims;
using System.Text;
using System.Text.Json;
using Headless.Auth;
using Headless.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Headless.Tests.Auth;

/// <summary>API keys, JWT bearer tokens and introspected opaque tokens, each mapped to exactly one organization.</summary>
public sealed class AuthenticationTests : IAsyncLifetime
{
    private const string SigningKey = "test-signing-key-of-at-least-32-bytes!!";
    private const string Query = "{ viewer { organization { id name } } }";
    private readonly FakeIntrospection _introspection = new();
    private HeadlessApp _app = null!;
    private TestTenant _tenant = null!;

    public async Task InitializeAsync()
    {
        _app = HeadlessApp.Sqlite(
            new Dictionary<string, string?>
            {
                ["Headless:Auth:Jwt:Issuer"] = "https://id.brand.test",
                ["Headless:Auth:Jwt:Audience"] = "headless",
                ["Headless:Auth:Jwt:SigningKey"] = SigningKey,
                ["Headless:Auth:Introspection:Endpoint"] = "https://id.brand.test/introspect",
                ["Headless:Auth:Introspection:ClientId"] = "headless",
                ["Headless:Auth:Introspection:ClientSecret"] = "s3cret",
            },
            s => s.AddHttpClient(IntrospectionAuthenticationHandler.HttpClientName).ConfigurePrimaryHttpMessageHandler(() => _introspection));
        _tenant = await _app.CreateTenantAsync("Auth Org");
    }

    public async Task DisposeAsync() => await _app.DisposeAsync();

    private async Task<GraphQLResponse> SendAsync(string? bearer)
    {
        var client = new GraphQLClient(_app.CreateClient(), bearer);
        return await client.PostAsync(Query);
    }

    [Fact]
    public async Task An_api_key_authenticates_its_organization()
    {
        var r = await SendAsync(_tenant.ApiKey);

        Assert.Equal(HttpStatusCode.OK, r.Status);
        Assert.Equal(_tenant.OrganizationGlobalId, r.Data.At("viewer.organization.id").GetString());
    }

    [Theory]
    [InlineData("hk_00000000_not-a-real-key-at-all")]
    [InlineData("hk_zz")]
    [InlineData("garbage")]
    public async Task Unknown_or_malformed_keys_get_401(string bearer)
    {
        var r = await SendAsync(bearer);

        Assert.Equal(HttpStatusCode.Unauthorized, r.Status);
        Assert.Equal(["UNAUTHENTICATED"], r.ErrorCodes);
    }

    [Fact]
    public async Task A_key_with_a_changed_secret_gets_401()
    {
        var tampered = _tenant.ApiKey[..^1] + (_tenant.ApiKey[^1] == 'A' ? 'B' : 'A');

        Assert.Equal(HttpStatusCode.Unauthorized, (await SendAsync(tampered)).Status);
    }

    [Fact]
    public async Task Api_keys_are_stored_hashed_never_in_plain_text()
    {
        await using var db = _app.Database.CreatePlatformContext();
        var stored = db.ApiKeys.Single(k => k.OrganizationId == _tenant.OrganizationId);

        Assert.DoesNotContain(_tenant.ApiKey[12..], stored.SecretHash, StringComparison.Ordinal);
        Assert.StartsWith(stored.Prefix + "_", _tenant.ApiKey, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_revoked_key_gets_401()
    {
        await using (var db = _app.Database.CreatePlatformContext())
        {
            db.ApiKeys.Single(k => k.OrganizationId == _tenant.OrganizationId).Revoke(HeadlessApp.Now);
            await db.SaveChangesAsync();
        }

        Assert.Equal(HttpStatusCode.Unauthorized, (await SendAsync(_tenant.ApiKey)).Status);
    }

    [Fact]
    public async Task An_open_websocket_is_closed_with_4403_within_a_second_of_its_key_being_revoked_elsewhere()
    {
        await using var ws = await GraphQLWebSocketClient.ConnectAndInitAsync(_app, _tenant.ApiKey);
        await ws.SubscribeAsync("events", "subscription { orderEvents { type } }");

        // A check with the key still valid keeps the connection.
        _app.Clock.Advance(ApiKeyCache.Lifetime);
        await AssertAnswersPingAsync(ws);

        // Revoked in the database only, as another instance or the CLI does: this instance learns it at its next check.
        await using (var db = _app.Database.CreatePlatformContext())
        {
            db.ApiKeys.Single(k => k.OrganizationId == _tenant.OrganizationId).Revoke(_app.Clock.GetUtcNow());
            await db.SaveChangesAsync();
        }

        _app.Clock.Advance(ApiKeyCache.Lifetime);
        Assert.Equal(4403, await ws.ClosedWithAsync());
    }

    [Fact]
    public async Task An_open_websocket_on_an_introspected_token_is_closed_with_4403_when_the_token_expires()
    {
        var expires = _app.Clock.GetUtcNow().AddSeconds(30);
        _introspection.Respond = new { active = true, sub = "coordinator-7", org_id = _tenant.OrganizationGlobalId, exp = expires.ToUnixTimeSeconds() };
        await using var ws = await GraphQLWebSocketClient.ConnectAndInitAsync(_app, "opaque-token-of-the-brand");

        _app.Clock.Advance(TimeSpan.FromSeconds(29));
        await AssertAnswersPingAsync(ws);

        _app.Clock.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal(4403, await ws.ClosedWithAsync());
    }

    private static async Task AssertAnswersPingAsync(GraphQLWebSocketClient ws)
    {
        await ws.SendAsync(new { type = "ping" });
        JsonElement message;
        do
        {
            message = await ws.ReceiveAsync();
        }
        while (message.GetProperty("type").GetString() == "ping");

        Assert.Equal("pong", message.GetProperty("type").GetString());
    }

    [Fact]
    public async Task A_jwt_with_the_organization_claim_authenticates_that_organization()
    {
        var r = await SendAsync(Jwt(_tenant.OrganizationGlobalId));

        Assert.Equal(HttpStatusCode.OK, r.Status);
        Assert.Equal(_tenant.OrganizationGlobalId, r.Data.At("viewer.organization.id").GetString());
    }

    [Fact]
    public async Task Jwts_that_are_expired_wrongly_signed_for_another_audience_or_without_a_known_organization_get_401()
    {
        Assert.Equal(HttpStatusCode.Unauthorized, (await SendAsync(Jwt(_tenant.OrganizationGlobalId, expires: HeadlessApp.Now.AddHours(-1).UtcDateTime.AddYears(-1)))).Status);
        Assert.Equal(HttpStatusCode.Unauthorized, (await SendAsync(Jwt(_tenant.OrganizationGlobalId, key: "another-signing-key-of-32-bytes-or-more"))).Status);
        Assert.Equal(HttpStatusCode.Unauthorized, (await SendAsync(Jwt(_tenant.OrganizationGlobalId, audience: "someone-else"))).Status);
        Assert.Equal(HttpStatusCode.Unauthorized, (await SendAsync(Jwt(Headless.GraphQL.GlobalId.Encode("Organization", 999_999)))).Status);
        Assert.Equal(HttpStatusCode.Unauthorized, (await SendAsync(Jwt(null))).Status);
    }

    [Fact]
    public async Task An_active_introspected_token_authenticates_the_organization_it_names()
    {
        _introspection.Respond = new { active = true, sub = "coordinator-7", org_id = _tenant.OrganizationGlobalId };

        var r = await SendAsync("opaque-token-123");

        Assert.Equal(HttpStatusCode.OK, r.Status);
        Assert.Equal(_tenant.OrganizationGlobalId, r.Data.At("viewer.organization.id").GetString());
        Assert.Contains("token=opaque-token-123", _introspection.LastBody, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_inactive_introspected_token_gets_401()
    {
        _introspection.Respond = new { active = false };

        Assert.Equal(HttpStatusCode.Unauthorized, (await SendAsync("opaque-token-456")).Status);
    }

    [Fact]
    public async Task The_tenant_never_comes_from_a_header()
    {
        var other = await _app.CreateTenantAsync("Other Org");
        var client = new GraphQLClient(_app.CreateClient(), _tenant.ApiKey);
        client.Http.DefaultRequestHeaders.Add("X-Organization-Id", other.OrganizationGlobalId);

        var data = await client.DataAsync(Query);

        Assert.Equal(_tenant.OrganizationGlobalId, data.At("viewer.organization.id").GetString());
    }

    [Fact]
    public async Task A_jwt_without_a_scope_writes_and_one_with_headless_admin_administers()
    {
        const string CreateKey = "mutation { apiKeyCreate(input: { name: \"From a token\", scope: READ }) { key userErrors { code } } }";
        var writer = new GraphQLClient(_app.CreateClient(), Jwt(_tenant.OrganizationGlobalId));
        var patient = await writer.DataAsync(TestData.PatientCreate, new { input = TestData.Patient("Jo", "Token", "JWT-1") });
        Assert.Empty(patient.GetProperty("patientCreate").UserErrorCodes());

        var refused = await writer.PostAsync(CreateKey);
        Assert.Equal(HttpStatusCode.OK, refused.Status);
        Assert.Equal(["FORBIDDEN"], refused.ErrorCodes);
        Assert.Equal("This operation needs scope ADMIN; this token has WRITE.", refused.Body.GetProperty("errors")[0].GetProperty("message").GetString());

        var admin = new GraphQLClient(_app.CreateClient(), Jwt(_tenant.OrganizationGlobalId, scope: "openid headless:admin"));
        Assert.Empty((await admin.DataAsync(CreateKey)).GetProperty("apiKeyCreate").UserErrorCodes());
    }

    [Fact]
    public async Task An_introspected_token_with_headless_read_only_reads()
    {
        _introspection.Respond = new { active = true, sub = "dashboard", org_id = _tenant.OrganizationGlobalId, scope = "headless:read" };

        var client = new GraphQLClient(_app.CreateClient(), "opaque-reader");
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsync(Query)).Status);
        var refused = await client.PostAsync(TestData.PatientCreate, new { input = TestData.Patient("Jo", "Token", "INTRO-1") });
        Assert.Equal(["FORBIDDEN"], refused.ErrorCodes);
        Assert.Equal("This operation needs scope WRITE; this token has READ.", refused.Body.GetProperty("errors")[0].GetProperty("message").GetString());
    }

    private static string Jwt(string? orgId, DateTime? expires = null, string key = SigningKey, string audience = "headless", string? scope = null)
    {
        var claims = new Dictionary<string, object> { ["sub"] = "coordinator-1" };
        if (scope is not null)
        {
            claims["scope"] = scope;
        }

        if (orgId is not null)
        {
            claims["org_id"] = orgId;
        }

        // Real clock here: JwtBearer validates lifetimes against the system clock, not the app's TimeProvider.
        var now = DateTime.UtcNow;
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = "https://id.brand.test",
            Audience = audience,
            Claims = claims,
            NotBefore = expires is null ? now.AddMinutes(-1) : expires.Value.AddHours(-2),
            IssuedAt = expires is null ? now.AddMinutes(-1) : expires.Value.AddHours(-2),
            Expires = expires ?? now.AddHours(1),
            SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(Encoding.UTF8.GetBytes(key)), SecurityAlgorithms.HmacSha256),
        });
    }

    private sealed class FakeIntrospection : HttpMessageHandler
    {
        public object Respond { get; set; } = new { active = false };

        public string LastBody { get; private set; } = "";

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            LastBody = await request.Content!.ReadAsStringAsync(cancellationToken);
            return new HttpResponseMessage(HttpStatusCode.OK)
            {
                Content = new StringContent(JsonSerializer.Serialize(Respond), Encoding.UTF8, "application/json"),
            };
        }
    }
}
