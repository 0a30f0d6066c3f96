using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Headless.Tests.Infrastructure;
using Microsoft.Extensions.Options;

namespace Headless.Tests.Hosting;

/// <summary>The configurable CORS policy (README "Transport": browsers calling the API from a brand's own origin).</summary>
public sealed class CrossOriginPolicyTests
{
    private const string Allowed = "https://app.brand.example";

    private static HeadlessApp App(params string[] origins) => HeadlessApp.Sqlite(
        origins.Select((o, i) => new KeyValuePair<string, string?>($"Headless:Cors:AllowedOrigins:{i}", o)).ToDictionary());

    private static HttpRequestMessage Preflight(string origin) => new(HttpMethod.Options, "/graphql")
    {
        Headers =
        {
            { "Origin", origin },
            { "Access-Control-Request-Method", "POST" },
            { "Access-Control-Request-Headers", "authorization,content-type" },
        },
    };

    [Fact]
    public async Task A_preflight_from_an_allowed_origin_is_answered_without_a_credential()
    {
        await using var app = App(Allowed + "/", "http://localhost:5173");
        using var http = app.CreateClient();

        using var response = await http.SendAsync(Preflight(Allowed));

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Equal(Allowed, response.Headers.GetValues("Access-Control-Allow-Origin").Single());
        var headers = response.Headers.GetValues("Access-Control-Allow-Headers").Single().Split(',').Select(h => h.Trim().ToLowerInvariant()).Order();
        Assert.Equal("accept,authorization,content-type", string.Join(',', headers));
        Assert.Equal("GET,POST", response.Headers.GetValues("Access-Control-Allow-Methods").Single());
        Assert.Equal("600", response.Headers.GetValues("Access-Control-Max-Age").Single());
        Assert.False(response.Headers.Contains("Access-Control-Allow-Credentials"));
    }

    [Fact]
    public async Task Another_origin_and_the_default_configuration_get_no_cross_origin_headers()
    {
        await using var configured = App(Allowed);
        await using var unconfigured = App();

        using var other = await configured.CreateClient().SendAsync(Preflight("https://evil.example"));
        using var prefix = await configured.CreateClient().SendAsync(Preflight(Allowed + ".evil.example"));
        using var none = await unconfigured.CreateClient().SendAsync(Preflight(Allowed));

        foreach (var response in new[] { other, prefix, none })
        {
            Assert.False(response.Headers.Contains("Access-Control-Allow-Origin"));
        }
    }

    [Fact]
    public async Task A_cross_origin_request_and_its_401_carry_the_origin_so_the_page_can_read_the_answer()
    {
        await using var app = App(Allowed);
        var t = await app.CreateTenantAsync("Cors Org");
        using var http = app.CreateClient();

        async Task<HttpResponseMessage> Send(string? key)
        {
            var request = new HttpRequestMessage(HttpMethod.Post, "/graphql")
            {
                Content = new StringContent("{\"query\":\"{ viewer { organization { name } } }\"}", Encoding.UTF8, "application/json"),
                Headers = { { "Origin", Allowed } },
            };
            if (key is not null)
            {
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
            }

            return await http.SendAsync(request);
        }

        using var ok = await Send(t.ApiKey);
        using var refused = await Send(null);

        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        Assert.Contains("Cors Org", await ok.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(Allowed, ok.Headers.GetValues("Access-Control-Allow-Origin").Single());
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.Equal(Allowed, refused.Headers.GetValues("Access-Control-Allow-Origin").Single());
        Assert.Contains("WWW-Authenticate", refused.Headers.GetValues("Access-Control-Expose-Headers").Single(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("*")]
    [InlineData("https://*.brand.example")]
    [InlineData("https://app.brand.example/storefront")]
    [InlineData("app.brand.example")]
    [InlineData("ftp://app.brand.example")]
    public async Task A_setting_that_is_not_an_exact_origin_stops_the_start_up(string origin)
    {
        await using var app = App(origin);

        var error = Assert.Throws<OptionsValidationException>(() => app.CreateClient());

        Assert.Contains("Headless:Cors:AllowedOrigins", error.Message, StringComparison.Ordinal);
    }
}
