using System.Buffers.Text;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Headless.Audit;
using Headless.Data;
using Headless.GraphQL;
using Headless.Tests.Infrastructure;
using Headless.Tracking;
using Microsoft.EntityFrameworkCore;

namespace Headless.Tests.Tracking;

/// <summary>
/// Tracking links through the front door: trackingLinkCreate / trackingLinkRevoke over GraphQL, GET /track/{token}
/// anonymously as a browser (HTML) and as an API client (JSON), on a configured public base URL.
/// </summary>
public abstract partial class TrackingLinkTests(DatabaseProvider provider, PostgresServer? postgres) : ProviderTest(provider, postgres)
{
    private const string PublicBase = "https://track.brightleaf.example/patients";

    protected override IDictionary<string, string?>? Settings => new Dictionary<string, string?>
    {
        ["Headless:Tracking:PublicBaseUrl"] = PublicBase + "/",
    };

    [ProviderFact]
    public async Task The_page_for_one_line_of_a_four_patient_order_shows_that_line_and_nothing_about_anyone()
    {
        var t = await TrackingOrder.CreateAsync(App);
        var created = await t.CreateLinkAsync(t.Shipped.Id);
        Assert.Empty(created.UserErrorCodes());
        var url = created.GetProperty("url").GetString()!;

        var order = await Partners.PartnerCallbacks.ReadOrderAsync(t.Client, t.Order.Number);
        var full = (await t.Client.DataAsync(
            "query($n: String) { order(number: $n) { lines(first: 10) { nodes { number amount { amount } unitPrice { amount } product { name } prescriber { firstName lastName } } } } }",
            new { n = t.Order.Number })).At("order.lines.nodes");
        var forbidden = new List<string>();
        foreach (var (first, last) in t.Names)
        {
            forbidden.AddRange([first, last, $"EXT-{last}"]);
        }

        forbidden.AddRange(["Maya", "Okafor", "1980-04-12", "12 Oak Ave", "78702", "Semaglutide", "Testosterone", "NAD+", "Compounding", "$", "USD", "Inject"]);
        foreach (var line in full.EnumerateArray())
        {
            var number = line.GetProperty("number").GetString()!;
            if (number != t.Shipped.Number)
            {
                forbidden.Add(number);
            }

            foreach (var price in new[] { line.At("amount.amount").GetInt64(), line.At("unitPrice.amount").GetInt64() })
            {
                forbidden.Add(price.ToString(System.Globalization.CultureInfo.InvariantCulture));
                forbidden.Add((price / 100m).ToString("0.00", System.Globalization.CultureInfo.InvariantCulture));
            }
        }

        Assert.Equal(4, full.GetArrayLength());
        Assert.Equal(4, order.At("lines.nodes").GetArrayLength());

        var page = await TrackingOrder.OpenAsync(App, url, TrackingOrder.BrowserAccept);
        Assert.Equal(HttpStatusCode.OK, page.Status);
        Assert.Equal("text/html", page.ContentType?.MediaType);
        var html = page.Text;
        var inHtml = forbidden.Where(s => html.Contains(s, StringComparison.OrdinalIgnoreCase)).ToList();
        Assert.True(inHtml.Count == 0, "The page shows: " + string.Join(", ", inHtml));
        Assert.Contains(t.Shipped.Number, html, StringComparison.Ordinal);
        Assert.Contains("<dd>Shipped</dd>", html, StringComparison.Ordinal);
        Assert.Contains("<dd>UPS</dd>", html, StringComparison.Ordinal);
        Assert.Contains(TrackingOrder.TrackingNumber, html, StringComparison.Ordinal);
        Assert.Contains("href=\"https://www.ups.com/track?tracknum=1Z999AA10123456784&amp;loc=en_US\"", html, StringComparison.Ordinal);
        Assert.Contains("Brightleaf &amp; Co &lt;Health&gt;", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<Health>", html, StringComparison.Ordinal);

        // Accessible and inert: a language, a title, one heading, a description list, no script; its style allowed by hash.
        Assert.Contains("<html lang=\"en\">", html, StringComparison.Ordinal);
        Assert.Matches("<title>[^<]+</title>", html);
        Assert.Single(H1().Matches(html));
        Assert.Contains("<dl>", html, StringComparison.Ordinal);
        Assert.Contains("<time datetime=\"", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotMatch(@"<[^>]+\son\w+\s*=", html);
        var css = StyleBlock().Match(html).Groups[1].Value;
        var csp = page.Header("Content-Security-Policy");
        Assert.Equal($"default-src 'none'; style-src 'sha256-{Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(css)))}'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'", csp);
        AssertPrivateHeaders(page);

        var json = await TrackingOrder.OpenAsync(App, url, "application/json");
        Assert.Equal(HttpStatusCode.OK, json.Status);
        Assert.Equal("application/json", json.ContentType?.MediaType);
        var inJson = forbidden.Where(s => json.Text.Contains(s, StringComparison.OrdinalIgnoreCase)).ToList();
        Assert.True(inJson.Count == 0, "The JSON shows: " + string.Join(", ", inJson));
        AssertPrivateHeaders(json);
        var body = JsonDocument.Parse(json.Body).RootElement;
        Assert.Equal(["brand", "lineNumber", "status", "statusText", "statusSince", "lastUpdatedAt", "tracking"], body.EnumerateObject().Select(p => p.Name));
        Assert.Equal(TrackingOrder.Brand, body.GetProperty("brand").GetString());
        Assert.Equal(t.Shipped.Number, body.GetProperty("lineNumber").GetString());
        Assert.Equal("SHIPPED", body.GetProperty("status").GetString());
        Assert.Equal("Shipped", body.GetProperty("statusText").GetString());
        Assert.Equal(App.Clock.GetUtcNow(), body.GetProperty("lastUpdatedAt").GetDateTimeOffset());
        Assert.Equal(["carrier", "number", "url"], body.GetProperty("tracking").EnumerateObject().Select(p => p.Name));
        Assert.Equal(TrackingOrder.Carrier, body.At("tracking.carrier").GetString());
        Assert.Equal(TrackingOrder.TrackingNumber, body.At("tracking.number").GetString());
        Assert.Equal(TrackingOrder.TrackingUrl, body.At("tracking.url").GetString());

        // No Accept, or anything else, is JSON too.
        Assert.Equal(json.Body, (await TrackingOrder.OpenAsync(App, url, null)).Body);
        Assert.Equal(json.Body, (await TrackingOrder.OpenAsync(App, url, "*/*")).Body);
    }

    [ProviderFact]
    public async Task A_line_not_yet_shipped_shows_its_status_and_no_tracking()
    {
        var t = await TrackingOrder.CreateAsync(App);
        var url = (await t.CreateLinkAsync(t.Order.Lines[0].Id)).GetProperty("url").GetString()!;
        var json = JsonDocument.Parse((await TrackingOrder.OpenAsync(App, url, "application/json")).Body).RootElement;
        Assert.Equal(t.Order.Lines[0].Number, json.GetProperty("lineNumber").GetString());
        Assert.Equal("SUBMITTED", json.GetProperty("status").GetString());
        Assert.Equal(JsonValueKind.Null, json.GetProperty("tracking").ValueKind);
        var html = (await TrackingOrder.OpenAsync(App, url, TrackingOrder.BrowserAccept)).Text;
        Assert.Contains("<dd>Sent to the pharmacy</dd>", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<a ", html, StringComparison.Ordinal);
    }

    [ProviderFact]
    public async Task Expired_revoked_unknown_and_malformed_tokens_get_the_same_404_byte_for_byte()
    {
        var t = await TrackingOrder.CreateAsync(App);
        var expiring = (await t.CreateLinkAsync(t.Shipped.Id, 300)).GetProperty("url").GetString()!;
        var revokedPayload = await t.CreateLinkAsync(t.Shipped.Id);
        var revoked = revokedPayload.GetProperty("url").GetString()!;
        Assert.Equal(HttpStatusCode.OK, (await TrackingOrder.OpenAsync(App, expiring, null)).Status);
        Assert.Equal(HttpStatusCode.OK, (await TrackingOrder.OpenAsync(App, revoked, null)).Status);

        var revoke = (await t.Client.DataAsync(TrackingOrder.RevokeLink, new { id = revokedPayload.At("link.id").GetString() })).GetProperty("trackingLinkRevoke");
        Assert.Empty(revoke.UserErrorCodes());
        Assert.False(revoke.At("link.active").GetBoolean());
        Assert.Equal(JsonValueKind.Null, revoke.GetProperty("url").ValueKind);

        App.Clock.Advance(TimeSpan.FromSeconds(299));
        Assert.Equal(HttpStatusCode.OK, (await TrackingOrder.OpenAsync(App, expiring, null)).Status);
        App.Clock.Advance(TimeSpan.FromSeconds(1));

        var unknown = "/track/" + Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));
        string[] paths = [expiring, revoked, unknown, "/track/not-a-token", "/track/" + new string('A', 44), "/track/%3Cscript%3E", "/TRACK/" + TrackingOrder.TokenOf(revoked)];
        foreach (var accept in new string?[] { null, "application/json", TrackingOrder.BrowserAccept })
        {
            var reference = await TrackingOrder.OpenAsync(App, unknown, accept);
            Assert.Equal(HttpStatusCode.NotFound, reference.Status);
            AssertPrivateHeaders(reference);
            foreach (var path in paths)
            {
                var answer = await TrackingOrder.OpenAsync(App, path, accept);
                Assert.Equal(HttpStatusCode.NotFound, answer.Status);
                Assert.Equal(reference.ContentType?.ToString(), answer.ContentType?.ToString());
                Assert.Equal(reference.Body, answer.Body);
            }
        }

        var html = (await TrackingOrder.OpenAsync(App, unknown, TrackingOrder.BrowserAccept)).Text;
        Assert.Contains("<html lang=\"en\">", html, StringComparison.Ordinal);
        Assert.DoesNotContain("Brightleaf", html, StringComparison.Ordinal);
        Assert.Equal("""{"error":"NOT_FOUND","message":"This tracking link does not exist, has expired or was revoked. Ask your clinic for a new one."}""",
            (await TrackingOrder.OpenAsync(App, unknown, null)).Text);
    }

    [ProviderFact]
    public async Task The_url_is_absolute_on_the_configured_base_and_its_token_carries_256_random_bits_stored_only_as_a_hash()
    {
        var t = await TrackingOrder.CreateAsync(App);
        var first = (await t.CreateLinkAsync(t.Shipped.Id)).GetProperty("url").GetString()!;
        var second = (await t.CreateLinkAsync(t.Shipped.Id)).GetProperty("url").GetString()!;
        foreach (var url in new[] { first, second })
        {
            Assert.True(Uri.TryCreate(url, UriKind.Absolute, out var uri), url);
            Assert.StartsWith(PublicBase + "/track/", url, StringComparison.Ordinal);
            Assert.Equal("https", uri!.Scheme);
            var token = TrackingOrder.TokenOf(url);
            Assert.Matches("^[A-Za-z0-9_-]{43}$", token);
            Assert.True(Base64Url.DecodeFromChars(token).Length * 8 >= 128);
            Assert.Equal(32, Base64Url.DecodeFromChars(token).Length);
        }

        Assert.NotEqual(TrackingOrder.TokenOf(first), TrackingOrder.TokenOf(second));

        // Only the hash is stored: no column of any link row holds the token.
        await using var db = App.Database.CreatePlatformContext();
        var rows = await db.Set<TrackingLink>().IgnoreQueryFilters().ToListAsync();
        Assert.Equal(2, rows.Count);
        foreach (var url in new[] { first, second })
        {
            var token = TrackingOrder.TokenOf(url);
            Assert.DoesNotContain(rows, r => r.TokenHash.Contains(token, StringComparison.Ordinal));
            Assert.Single(rows, r => r.TokenHash == Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token))));
        }
    }

    [ProviderFact]
    public async Task Opening_a_link_writes_audit_rows_for_the_link_and_the_line_and_never_the_token()
    {
        var t = await TrackingOrder.CreateAsync(App);
        var created = await t.CreateLinkAsync(t.Shipped.Id, 600);
        var url = created.GetProperty("url").GetString()!;
        GlobalId.TryDecode(created.At("link.id").GetString(), "TrackingLink", out var linkId);
        GlobalId.TryDecode(t.Shipped.Id, "OrderLine", out var lineId);
        Assert.Equal(HttpStatusCode.OK, (await TrackingOrder.OpenAsync(App, url, TrackingOrder.BrowserAccept)).Status);
        App.Clock.Advance(TimeSpan.FromSeconds(600));
        Assert.Equal(HttpStatusCode.NotFound, (await TrackingOrder.OpenAsync(App, url, null)).Status);
        await App.DrainAuditAsync();

        await using var db = App.Database.CreatePlatformContext();
        var rows = await db.AuditEvents.IgnoreQueryFilters().Where(e => e.RootFields == "GET /track").OrderBy(e => e.Id).ToListAsync();
        Assert.Equal(4, rows.Count);
        Assert.All(rows, r =>
        {
            Assert.Equal(t.Order.Fixture.Tenant.OrganizationId, r.OrganizationId);
            Assert.Equal("tracking_link:" + created.At("link.id").GetString(), r.Credential);
            Assert.Equal(AuditOperationType.Query, r.OperationType);
            Assert.Equal(1, r.ObjectIdCount);
        });
        Assert.Equal(
            [("OrderLine", lineId, AuditOutcome.Ok), ("TrackingLink", linkId, AuditOutcome.Ok), ("OrderLine", lineId, AuditOutcome.NotFound), ("TrackingLink", linkId, AuditOutcome.NotFound)],
            rows.Select(r => (r.ObjectType!, r.ObjectKeys().Single(), r.Outcome)));
        var token = TrackingOrder.TokenOf(url);
        Assert.DoesNotContain(rows, r => string.Join("|", r.Credential, r.ClientAddress, r.OperationName, r.RootFields, r.ObjectType, r.ObjectIds, r.CorrelationId).Contains(token, StringComparison.Ordinal));

        // The brand reads them through its own trail.
        var trail = (await t.Client.DataAsync("{ auditEvents(filter: { rootField: \"GET /track\" }, first: 10) { totalCount nodes { actor objectType outcome } } }")).GetProperty("auditEvents");
        Assert.Equal(4, trail.GetProperty("totalCount").GetInt32());
    }

    [ProviderTheory]
    [InlineData(299)]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(7_776_001)]
    [InlineData(int.MaxValue)]
    public async Task ExpiresIn_out_of_range_is_an_INVALID_VALUE_userError_and_creates_nothing(int expiresIn)
    {
        var t = await TrackingOrder.CreateAsync(App);
        var payload = await t.CreateLinkAsync(t.Shipped.Id, expiresIn);
        Assert.Equal(["INVALID_VALUE"], payload.UserErrorCodes());
        Assert.Equal(["expiresIn"], payload.At("userErrors.0.field").EnumerateArray().Select(f => f.GetString()));
        Assert.Equal(JsonValueKind.Null, payload.GetProperty("url").ValueKind);
        Assert.Equal(JsonValueKind.Null, payload.GetProperty("link").ValueKind);
        await using var db = App.Database.CreatePlatformContext();
        Assert.Equal(0, await db.Set<TrackingLink>().IgnoreQueryFilters().CountAsync());
    }

    [ProviderFact]
    public async Task ExpiresIn_defaults_to_seven_days_and_accepts_five_minutes_to_ninety_days()
    {
        var t = await TrackingOrder.CreateAsync(App);
        var now = App.Clock.GetUtcNow();
        foreach (var (expiresIn, lifetime) in new (int?, TimeSpan)[] { (null, TimeSpan.FromDays(7)), (300, TimeSpan.FromMinutes(5)), (7_776_000, TimeSpan.FromDays(90)) })
        {
            var payload = await t.CreateLinkAsync(t.Shipped.Id, expiresIn);
            Assert.Empty(payload.UserErrorCodes());
            Assert.Equal(now + lifetime, payload.At("link.expiresAt").GetDateTimeOffset());
            Assert.Equal(now, payload.At("link.createdAt").GetDateTimeOffset());
            Assert.True(payload.At("link.active").GetBoolean());
            Assert.Equal(JsonValueKind.Null, payload.At("link.revokedAt").ValueKind);
            Assert.Equal(t.Shipped.Number, payload.At("link.line.number").GetString());
        }
    }

    [ProviderFact]
    public async Task Another_organizations_line_or_link_answers_NOT_FOUND_exactly_like_a_missing_one()
    {
        var t = await TrackingOrder.CreateAsync(App);
        var link = (await t.CreateLinkAsync(t.Shipped.Id)).At("link.id").GetString()!;
        var other = await App.CreateTenantAsync("Other Brand");

        var foreignLine = (await other.Client.DataAsync(TrackingOrder.CreateLink, new { lineId = t.Shipped.Id })).GetProperty("trackingLinkCreate");
        var missingLine = (await other.Client.DataAsync(TrackingOrder.CreateLink, new { lineId = GlobalId.Encode("OrderLine", 9_000_000) })).GetProperty("trackingLinkCreate");
        Assert.Equal(["NOT_FOUND"], foreignLine.UserErrorCodes());
        Assert.Equal(missingLine.GetRawText(), foreignLine.GetRawText());
        Assert.Equal(["lineId"], foreignLine.At("userErrors.0.field").EnumerateArray().Select(f => f.GetString()));

        var foreignLink = (await other.Client.DataAsync(TrackingOrder.RevokeLink, new { id = link })).GetProperty("trackingLinkRevoke");
        var missingLink = (await other.Client.DataAsync(TrackingOrder.RevokeLink, new { id = GlobalId.Encode("TrackingLink", 9_000_000) })).GetProperty("trackingLinkRevoke");
        Assert.Equal(["NOT_FOUND"], foreignLink.UserErrorCodes());
        Assert.Equal(missingLink.GetRawText(), foreignLink.GetRawText());

        // An ID of another type is not a line.
        Assert.Equal(["NOT_FOUND"], (await t.Client.DataAsync(TrackingOrder.CreateLink, new { lineId = t.Order.OrderId })).GetProperty("trackingLinkCreate").UserErrorCodes());

        var node = "query($id: ID!) { node(id: $id) { __typename ... on TrackingLink { active line { number } } } }";
        Assert.Equal(JsonValueKind.Null, (await other.Client.DataAsync(node, new { id = link })).GetProperty("node").ValueKind);
        var own = (await t.Client.DataAsync(node, new { id = link })).GetProperty("node");
        Assert.Equal("TrackingLink", own.GetProperty("__typename").GetString());
        Assert.Equal(t.Shipped.Number, own.At("line.number").GetString());

        await using var db = App.Database.CreatePlatformContext();
        Assert.Equal(1, await db.Set<TrackingLink>().IgnoreQueryFilters().CountAsync());
        Assert.Null((await db.Set<TrackingLink>().IgnoreQueryFilters().SingleAsync()).RevokedAt);
    }

    [ProviderFact]
    public async Task Revoking_is_idempotent_and_a_revoked_link_stays_revoked()
    {
        var t = await TrackingOrder.CreateAsync(App);
        var created = await t.CreateLinkAsync(t.Shipped.Id);
        var id = created.At("link.id").GetString();
        var url = created.GetProperty("url").GetString()!;
        var first = (await t.Client.DataAsync(TrackingOrder.RevokeLink, new { id })).GetProperty("trackingLinkRevoke");
        App.Clock.Advance(TimeSpan.FromHours(1));
        var second = (await t.Client.DataAsync(TrackingOrder.RevokeLink, new { id })).GetProperty("trackingLinkRevoke");
        Assert.Empty(second.UserErrorCodes());
        Assert.Equal(first.At("link.revokedAt").GetDateTimeOffset(), second.At("link.revokedAt").GetDateTimeOffset());
        Assert.False(second.At("link.active").GetBoolean());
        Assert.Equal(HttpStatusCode.NotFound, (await TrackingOrder.OpenAsync(App, url, null)).Status);

        // A new link for the same line is a new token; the revoked one still answers 404.
        var again = (await t.CreateLinkAsync(t.Shipped.Id)).GetProperty("url").GetString()!;
        Assert.Equal(HttpStatusCode.OK, (await TrackingOrder.OpenAsync(App, again, null)).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await TrackingOrder.OpenAsync(App, url, null)).Status);
    }

    private static void AssertPrivateHeaders(TrackingResponse response)
    {
        Assert.Equal("no-store", response.Header("Cache-Control"));
        Assert.Equal("no-referrer", response.Header("Referrer-Policy"));
        Assert.Contains("noindex", response.Header("X-Robots-Tag"), StringComparison.Ordinal);
        Assert.Equal("nosniff", response.Header("X-Content-Type-Options"));
    }

    [GeneratedRegex("<h1[ >]")]
    private static partial Regex H1();

    [GeneratedRegex("<style>(.*?)</style>", RegexOptions.Singleline)]
    private static partial Regex StyleBlock();
}

public sealed class TrackingLinkTestsOnSqlite() : TrackingLinkTests(DatabaseProvider.Sqlite, null);

[Collection(PostgresCollection.Name)]
public sealed class TrackingLinkTestsOnPostgres(PostgresServer postgres) : TrackingLinkTests(DatabaseProvider.Postgres, postgres);
