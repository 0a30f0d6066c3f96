using System.Net;
using System.Net.Http.Headers;
using Headless.Tests.Infrastructure;
using Headless.Tests.Partners;

namespace Headless.Tests.Tracking;

/// <summary>
/// A checked-out order of four lines for four patients with sentinel names, the third line shipped with tracking, and
/// helpers to create links and open them as a browser or an API client would.
/// </summary>
public sealed record TrackingOrder(CallbackOrder Order, IReadOnlyList<(string First, string Last)> Names)
{
    public const string Brand = "Brightleaf & Co <Health>";

    public const string CreateLink = """
        mutation($lineId: ID!, $expiresIn: Int) {
          trackingLinkCreate(lineId: $lineId, expiresIn: $expiresIn) {
            url link { id createdAt expiresAt revokedAt active line { id number } } userErrors { code field message }
          }
        }
        """;

    public const string RevokeLink = """
        mutation($id: ID!) {
          trackingLinkRevoke(id: $id) { url link { id revokedAt active } userErrors { code field message } }
        }
        """;

    public const string BrowserAccept = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8";

    public static readonly (string First, string Last)[] Sentinels =
        [("Quorabel", "Vintravska"), ("Ulmeric", "Zandoviat"), ("Ferelith", "Oskarvane"), ("Tobiric", "Marlewyn")];

    public GraphQLClient Client => Order.Client;

    /// <summary>The line the tests open: the third, shipped by UPS.</summary>
    public OrderLineInfo Shipped => Order.Lines[2];

    public const string Carrier = "UPS";
    public const string TrackingNumber = "1Z999AA10123456784";
    public const string TrackingUrl = "https://www.ups.com/track?tracknum=1Z999AA10123456784&loc=en_US";

    public static async Task<TrackingOrder> CreateAsync(HeadlessApp app, string key = "tracking-order")
    {
        var f = await CartData.CreateAsync(app, 0, Brand);
        var patients = new List<string>();
        foreach (var (first, last) in Sentinels)
        {
            patients.Add(await TestData.CreateAsync(f.Tenant.Client, TestData.PatientCreate, "patientCreate", TestData.Patient(first, last, $"EXT-{last}")));
        }

        var order = await PartnerCallbacks.CheckoutAsync(app, f with { Patients = patients }, [f.Catalog.SemaEast, f.Catalog.SemaWest, f.Catalog.TestoEast, f.Catalog.NadWest], key);
        Assert.Equal(4, order.Lines.Count);
        using var http = app.CreateClient();
        var line = order.Lines[2];
        Assert.Equal(HttpStatusCode.OK, (await PartnerCallbacks.SendAsync(app, http, order, line, "line.received", app.Clock.GetUtcNow())).Status);
        app.Clock.Advance(TimeSpan.FromMinutes(30));
        var shipped = await PartnerCallbacks.SendAsync(app, http, order, line, "line.shipped", app.Clock.GetUtcNow(), new { carrier = Carrier, trackingNumber = TrackingNumber, trackingUrl = TrackingUrl });
        Assert.Equal(HttpStatusCode.OK, shipped.Status);
        return new TrackingOrder(order, Sentinels);
    }

    /// <summary>Creates a link and returns the payload (url, link, userErrors).</summary>
    public async Task<System.Text.Json.JsonElement> CreateLinkAsync(string lineId, int? expiresIn = null) =>
        (await Client.DataAsync(CreateLink, new { lineId, expiresIn })).GetProperty("trackingLinkCreate");

    /// <summary>GET a URL (absolute or a path) with no credential and the given Accept; returns status, headers and the exact bytes.</summary>
    public static async Task<TrackingResponse> OpenAsync(HeadlessApp app, string url, string? accept)
    {
        using var http = app.CreateClient();
        // A link on a configured public base (https://track.example/patients/track/…) reaches the app as /track/… behind its proxy.
        var path = url.StartsWith("http", StringComparison.Ordinal) ? new Uri(url).PathAndQuery[new Uri(url).PathAndQuery.IndexOf("/track/", StringComparison.Ordinal)..] : url;
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (accept is not null)
        {
            request.Headers.TryAddWithoutValidation("Accept", accept);
        }

        using var response = await http.SendAsync(request);
        var body = await response.Content.ReadAsByteArrayAsync();
        return new TrackingResponse(response.StatusCode, response.Content.Headers.ContentType, response.Headers, response.Content.Headers, body);
    }

    /// <summary>The token of a link URL: its last path segment.</summary>
    public static string TokenOf(string url) => new Uri(url).AbsolutePath.Split('/')[^1];
}

public sealed record TrackingResponse(HttpStatusCode Status, MediaTypeHeaderValue? ContentType, HttpResponseHeaders Headers, HttpContentHeaders ContentHeaders, byte[] Body)
{
    public string Text => System.Text.Encoding.UTF8.GetString(Body);

    public string Header(string name) =>
        Headers.TryGetValues(name, out var values) ? string.Join(", ", values) :
        ContentHeaders.TryGetValues(name, out var content) ? string.Join(", ", content) : "";
}
