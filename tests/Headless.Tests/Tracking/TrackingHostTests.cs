using System.Net;
using Headless.Tests.Infrastructure;
using Microsoft.Extensions.Options;

namespace Headless.Tests.Tracking;

/// <summary>Settings and the HTTP frame around tracking links: the public base URL, its validation, and the guessing throttle.</summary>
public sealed class TrackingHostTests
{
    [Fact]
    public async Task Without_a_configured_base_the_url_is_built_from_the_request_scheme_and_host()
    {
        await using var app = HeadlessApp.Sqlite();
        var t = await TrackingOrder.CreateAsync(app);
        var url = (await t.CreateLinkAsync(t.Shipped.Id)).GetProperty("url").GetString()!;
        Assert.StartsWith("http://localhost/track/", url, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await TrackingOrder.OpenAsync(app, url, null)).Status);
    }

    [Theory]
    [InlineData("track.example.com")]
    [InlineData("ftp://track.example.com")]
    [InlineData("https://track.example.com/?a=1")]
    [InlineData("https://user:pw@track.example.com")]
    [InlineData("/relative")]
    public async Task A_public_base_url_that_is_not_an_absolute_http_url_stops_the_start(string value)
    {
        await using var app = HeadlessApp.Sqlite(new Dictionary<string, string?> { ["Headless:Tracking:PublicBaseUrl"] = value });
        var error = Assert.ThrowsAny<Exception>(() => app.CreateClient());
        Assert.Contains("Headless:Tracking:PublicBaseUrl", (error as OptionsValidationException ?? error.InnerException as OptionsValidationException ?? error).ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Guessed_tokens_count_as_failed_authentications_of_the_client_address()
    {
        await using var app = HeadlessApp.Sqlite(new Dictionary<string, string?>
        {
            ["Headless:RateLimits:Enabled"] = "true",
            ["Headless:RateLimits:FailedAuthenticationBurst"] = "3",
        });
        var t = await TrackingOrder.CreateAsync(app);
        var url = (await t.CreateLinkAsync(t.Shipped.Id)).GetProperty("url").GetString()!;

        // Opening a good link costs nothing; each 404 takes one from the address's bucket.
        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await TrackingOrder.OpenAsync(app, url, null)).Status);
        }

        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(HttpStatusCode.NotFound, (await TrackingOrder.OpenAsync(app, $"/track/guess{i}", null)).Status);
        }

        var throttled = await TrackingOrder.OpenAsync(app, "/track/guess-again", null);
        Assert.Equal(HttpStatusCode.TooManyRequests, throttled.Status);
        Assert.NotEmpty(throttled.Header("Retry-After"));
        Assert.Equal(HttpStatusCode.TooManyRequests, (await TrackingOrder.OpenAsync(app, url, null)).Status);

        app.Clock.Advance(TimeSpan.FromSeconds(30));
        Assert.Equal(HttpStatusCode.OK, (await TrackingOrder.OpenAsync(app, url, null)).Status);
    }
}
