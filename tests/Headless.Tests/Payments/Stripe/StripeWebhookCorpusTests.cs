using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Headless.Data;
using Headless.Payments;
using Headless.Tests.Infrastructure;
using static Headless.Tests.Payments.Stripe.StripeOrders;

namespace Headless.Tests.Payments.Stripe;

/// <summary>
/// Correctly signed bodies that are not well-formed Stripe events. Each is built from one good event (a refund of a
/// captured Stripe order, which would apply) by breaking one thing.
/// </summary>
public static class StripeWebhookCorpus
{
    public const string EventId = "evt_corpus";

    private static readonly Dictionary<string, Func<PaidOrder, byte[]>> Bodies = new(StringComparer.Ordinal)
    {
        ["not JSON"] = _ => Utf8("this is not json"),
        ["an empty body"] = _ => [],
        ["only whitespace"] = _ => Utf8("  \n\t "),
        ["a JSON array"] = _ => Utf8("[]"),
        ["an array holding the event"] = o => Utf8("[" + Good(o) + "]"),
        ["a JSON string"] = _ => Utf8("\"evt_1\""),
        ["a JSON number"] = _ => Utf8("42"),
        ["JSON null"] = _ => Utf8("null"),
        ["JSON true"] = _ => Utf8("true"),
        ["an empty object"] = _ => Utf8("{}"),
        ["an object that is not an event"] = o => Edit(o, e => e["object"] = "charge"),
        ["a thin v2 event notification"] = o => Edit(o, e => e["object"] = "v2.core.event"),
        ["no id"] = o => Edit(o, e => e.Remove("id")),
        ["an id that is a number"] = o => Edit(o, e => e["id"] = 42),
        ["an id with a NUL"] = o => Edit(o, e => e["id"] = "evt_\u0000corpus"),
        ["an id with a lone surrogate"] = o => Utf8(Good(o).Replace($"\"{EventId}\"", "\"evt_\\ud800\"", StringComparison.Ordinal)),
        ["an id of 300 characters"] = o => Edit(o, e => e["id"] = "evt_" + new string('a', 296)),
        ["a type that is a number"] = o => Edit(o, e => e["type"] = 7),
        ["a null type"] = o => Edit(o, e => e["type"] = null),
        ["an api_version that is a number"] = o => Edit(o, e => e["api_version"] = 20240620),
        ["a created time that is text"] = o => Edit(o, e => e["created"] = "yesterday"),
        ["no data"] = o => Edit(o, e => e.Remove("data")),
        ["null data"] = o => Edit(o, e => e["data"] = null),
        ["data that is an array"] = o => Edit(o, e => e["data"] = new JsonArray()),
        ["no data.object"] = o => Edit(o, e => e["data"]!.AsObject().Remove("object")),
        ["a null data.object"] = o => Edit(o, e => e["data"]!["object"] = null),
        ["a data.object that is a string"] = o => Edit(o, e => e["data"]!["object"] = "ch_1"),
        ["a PaymentIntent under charge.refunded"] = o => Edit(o, e => e["data"]!["object"] = Intent(o)),
        ["a charge under payment_intent.canceled"] = o => Edit(o, e => e["type"] = "payment_intent.canceled"),
        ["a data.object of an unknown kind"] = o => EditObject(o, c => c["object"] = "banana"),
        ["a data.object without its kind"] = o => EditObject(o, c => c.Remove("object")),
        ["amount_refunded as a string"] = o => EditObject(o, c => c["amount_refunded"] = "2500"),
        ["amount_refunded as a fraction"] = o => EditObject(o, c => c["amount_refunded"] = 2500.5),
        ["a negative amount_refunded"] = o => EditObject(o, c => c["amount_refunded"] = -2500),
        ["amount_refunded beyond 64 bits"] = o => Utf8(Good(o).Replace("\"amount_refunded\":2500", "\"amount_refunded\":99999999999999999999999", StringComparison.Ordinal)),
        ["amount_refunded in exponent form"] = o => Utf8(Good(o).Replace("\"amount_refunded\":2500", "\"amount_refunded\":2.5e3", StringComparison.Ordinal)),
        ["a null amount_refunded"] = o => EditObject(o, c => c["amount_refunded"] = null),
        ["amount_refunded as a boolean"] = o => EditObject(o, c => c["amount_refunded"] = true),
        ["no amount"] = o => EditObject(o, c => c.Remove("amount")),
        ["amount_captured as an object"] = o => EditObject(o, c => c["amount_captured"] = new JsonObject { ["value"] = 1 }),
        ["a currency that is a number"] = o => EditObject(o, c => c["currency"] = 840),
        ["a currency that is not three letters"] = o => EditObject(o, c => c["currency"] = "usdollars"),
        ["a payment_intent that is a number"] = o => EditObject(o, c => c["payment_intent"] = 12),
        ["a payment_intent with a NUL"] = o => EditObject(o, c => c["payment_intent"] = o.PaymentIntentId + "\u0000"),
        ["metadata that is a string"] = o => EditObject(o, c => c["metadata"] = "order HX-1"),
        ["a metadata value that is a number"] = o => EditObject(o, c => c["metadata"]!["order_number"] = 10042),
        ["nesting 200 deep"] = o => Utf8(Good(o).Replace("\"status\":", "\"deep\":" + new string('[', 200) + new string(']', 200) + ",\"status\":", StringComparison.Ordinal)),
        ["invalid UTF-8 in a string"] = o => Utf8(Good(o)).Select(b => b == (byte)'#' ? (byte)0xFF : b).ToArray(),
        ["the id given twice"] = o => Utf8(Good(o).Replace($"\"id\":\"{EventId}\"", $"\"id\":\"{EventId}\",\"id\":\"evt_other\"", StringComparison.Ordinal)),
        ["amount_refunded given twice"] = o => Utf8(Good(o).Replace("\"amount_refunded\":2500", "\"amount_refunded\":2500,\"amount_refunded\":99999999", StringComparison.Ordinal)),
        ["data after the event"] = o => Utf8(Good(o) + "{}"),
        ["a comment after the event"] = o => Utf8(Good(o) + "/* more */"),
        ["a byte order mark"] = o => [.. Encoding.UTF8.GetPreamble(), .. Utf8(Good(o))],
        ["amount_capturable as a string on amount_capturable_updated"] = o => Utf8(StripeWebhookTests.Event(EventId, "payment_intent.amount_capturable_updated", With(Intent(o), "amount_capturable", o.Total.ToString(CultureInfo.InvariantCulture)))),
        ["last_payment_error as a string on payment_failed"] = o => Utf8(StripeWebhookTests.Event(EventId, "payment_intent.payment_failed", With(Intent(o, "requires_payment_method", capturable: 0), "last_payment_error", "declined"))),
        ["cancellation_reason as a number on canceled"] = o => Utf8(StripeWebhookTests.Event(EventId, "payment_intent.canceled", With(Intent(o, "canceled", capturable: 0), "cancellation_reason", 3))),
    };

    public static IReadOnlyCollection<string> Names => Bodies.Keys;

    public static TheoryData<string> Cases => new(Bodies.Keys);

    public static byte[] Body(string name, PaidOrder order) => Bodies[name](order);

    /// <summary>The good event: a refund of 25.00 reported for the captured order, with a '#' to break into invalid UTF-8.</summary>
    public static string Good(PaidOrder order)
    {
        var charge = Charge(order, order.Total, 2_500);
        charge["description"] = "Refund #1";
        return StripeWebhookTests.Event(EventId, "charge.refunded", charge);
    }

    private static byte[] Edit(PaidOrder order, Action<JsonObject> change)
    {
        var e = JsonNode.Parse(Good(order))!.AsObject();
        change(e);
        return Utf8(e.ToJsonString());
    }

    private static byte[] EditObject(PaidOrder order, Action<JsonObject> change) => Edit(order, e => change(e["data"]!["object"]!.AsObject()));

    private static JsonObject With(JsonObject obj, string property, JsonNode? value)
    {
        obj[property] = value;
        return obj;
    }

    private static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);
}

/// <summary>One app, fake Stripe and captured Stripe order per provider, shared by the corpus (no case may change anything).</summary>
public sealed class StripeCorpusFixture : IAsyncLifetime
{
    private readonly SemaphoreSlim _lock = new(1, 1);
    private bool _created;

    public HeadlessApp? App { get; private set; }

    public FakeStripeServer? Stripe { get; private set; }

    public HttpClient Http { get; private set; } = null!;

    public PaidOrder Order { get; private set; } = null!;

    /// <summary>Creates the app on first use (tests that call this are skipped where their provider is unavailable).</summary>
    public async Task EnsureAsync(DatabaseProvider provider, PostgresServer? postgres)
    {
        await _lock.WaitAsync();
        try
        {
            if (!_created)
            {
                _created = true;
                Stripe = await FakeStripeServer.StartAsync();
                App = await HeadlessApp.CreateAsync(provider, postgres, Settings(Stripe));
                if (App is not null)
                {
                    Http = App.CreateClient();
                    var f = await CartData.CreateAsync(App, 2);
                    Order = await CheckoutAsync(App, f, [f.Catalog.SemaEast, f.Catalog.SemaWest], "corpus");
                    await DecideAsync(App, Http, Order);
                }
            }

            _ = App ?? throw new InvalidOperationException("No app: PostgreSQL is unavailable here. " + PostgresServer.SkipReason);
        }
        finally
        {
            _lock.Release();
        }
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        Http?.Dispose();
        if (App is not null)
        {
            await App.DisposeAsync();
        }

        if (Stripe is not null)
        {
            await Stripe.DisposeAsync();
        }

        _lock.Dispose();
    }
}

/// <summary>POST /webhooks/stripe with correctly signed bodies that are not well-formed events: exactly 400, nothing recorded, nothing changed.</summary>
public abstract class StripeWebhookCorpusTests(DatabaseProvider provider, PostgresServer? postgres, StripeCorpusFixture fixture)
{
    [Fact]
    public void The_corpus_has_at_least_twenty_bodies() => Assert.True(StripeWebhookCorpus.Names.Count >= 20, $"{StripeWebhookCorpus.Names.Count} bodies");

    [ProviderTheory]
    [MemberData(nameof(StripeWebhookCorpus.Cases), MemberType = typeof(StripeWebhookCorpus))]
    public async Task A_signed_body_that_is_not_a_well_formed_event_is_400_and_changes_nothing(string name)
    {
        await fixture.EnsureAsync(provider, postgres);

        var app = fixture.App!;
        var before = (await SnapshotAsync(app, fixture.Order.Id), await RecordCountAsync(app));
        var body = StripeWebhookCorpus.Body(name, fixture.Order);

        using var response = await PostSignedAsync(fixture.Http, body, Sign(body));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.StartsWith("{\"error\":", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(before, (await SnapshotAsync(app, fixture.Order.Id), await RecordCountAsync(app)));
    }

    [ProviderFact]
    public async Task The_good_event_the_corpus_breaks_is_accepted()
    {
        await fixture.EnsureAsync(provider, postgres);

        // Under another id, so the corpus cases keep proving that their id is never recorded.
        var body = Encoding.UTF8.GetBytes(StripeWebhookCorpus.Good(fixture.Order).Replace(StripeWebhookCorpus.EventId, "evt_corpus_good", StringComparison.Ordinal));
        using var response = await PostSignedAsync(fixture.Http, body, Sign(body));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var record = await RecordAsync(fixture.App!, "evt_corpus_good");
        Assert.True(record?.Outcome is PaymentEventResult.Applied or PaymentEventResult.Unchanged, record?.Outcome);
    }

    [ProviderTheory]
    [InlineData("t={t}x,v1={sig}", "{t}x")]
    [InlineData("t=99999999999999,v1={sig}", "99999999999999")]
    [InlineData("t=,v1={sig}", "")]
    [InlineData("v1={sig}", "")]
    [InlineData("t={t},v1={sig},junk", "{t}")]
    public async Task A_malformed_signature_header_is_400_even_when_its_mac_matches(string header, string signedTimestamp)
    {
        await fixture.EnsureAsync(provider, postgres);

        // The MAC covers whatever the header's t says, so only the header's form is wrong.
        var body = Encoding.UTF8.GetBytes(StripeWebhookCorpus.Good(fixture.Order).Replace(StripeWebhookCorpus.EventId, "evt_corpus_header", StringComparison.Ordinal));
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        var t = signedTimestamp.Replace("{t}", now, StringComparison.Ordinal);
        var mac = Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(StripeWebhookTests.Secret), Concat(Encoding.UTF8.GetBytes(t + "."), body)));
        var before = await RecordCountAsync(fixture.App!);

        using var response = await PostSignedAsync(fixture.Http, body, header.Replace("{t}", now, StringComparison.Ordinal).Replace("{sig}", mac, StringComparison.Ordinal));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(before, await RecordCountAsync(fixture.App!));
    }

    /// <summary>Stripe's scheme over raw bytes (which may not be UTF-8): v1 = hex HMAC-SHA256 of "{t}." + body.</summary>
    private static string Sign(byte[] body)
    {
        var t = DateTimeOffset.UtcNow.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        var mac = HMACSHA256.HashData(Encoding.UTF8.GetBytes(StripeWebhookTests.Secret), Concat(Encoding.UTF8.GetBytes(t + "."), body));
        return $"t={t},v1={Convert.ToHexStringLower(mac)}";
    }

    private static byte[] Concat(byte[] first, byte[] second) => [.. first, .. second];

    private static async Task<HttpResponseMessage> PostSignedAsync(HttpClient http, byte[] body, string signature)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/webhooks/stripe") { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Headers.TryAddWithoutValidation("Stripe-Signature", signature);
        return await http.SendAsync(request);
    }
}

public sealed class StripeWebhookCorpusTestsOnSqlite(StripeCorpusFixture fixture)
    : StripeWebhookCorpusTests(DatabaseProvider.Sqlite, null, fixture), IClassFixture<StripeCorpusFixture>;

[Collection(PostgresCollection.Name)]
public sealed class StripeWebhookCorpusTestsOnPostgres(PostgresServer postgres, StripeCorpusFixture fixture)
    : StripeWebhookCorpusTests(DatabaseProvider.Postgres, postgres, fixture), IClassFixture<StripeCorpusFixture>;
