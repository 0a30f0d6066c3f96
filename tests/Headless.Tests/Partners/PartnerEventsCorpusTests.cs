using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Headless.Data;
using Headless.Partners;
using Headless.Shared;
using Headless.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using static Headless.Tests.Partners.PartnerCallbacks;

namespace Headless.Tests.Partners;

/// <summary>
/// Correctly signed partner callbacks that are not valid events. Each is built from one good callback (line.shipped
/// for a routed line of the signing pharmacy, which would apply) by breaking one thing.
/// </summary>
public static class PartnerEventsCorpus
{
    public const string EventId = "evt_corpus";

    private static readonly Dictionary<string, Func<string, byte[]>> Bodies = new(StringComparer.Ordinal)
    {
        ["not JSON"] = _ => Utf8("this is not json"),
        ["an empty body"] = _ => [],
        ["only whitespace"] = _ => Utf8(" \r\n "),
        ["a JSON array"] = _ => Utf8("[]"),
        ["an array holding the event"] = l => Utf8("[" + Good(l) + "]"),
        ["a JSON string"] = _ => Utf8("\"line.shipped\""),
        ["a JSON number"] = _ => Utf8("42"),
        ["JSON null"] = _ => Utf8("null"),
        ["JSON false"] = _ => Utf8("false"),
        ["an empty object"] = _ => Utf8("{}"),
        ["no id"] = l => Edit(l, e => e.Remove("id")),
        ["a null id"] = l => Edit(l, e => e["id"] = null),
        ["an id that is a number"] = l => Edit(l, e => e["id"] = 42),
        ["a negative number id"] = l => Edit(l, e => e["id"] = -1),
        ["an id that is an object"] = l => Edit(l, e => e["id"] = new JsonObject { ["value"] = "evt_1" }),
        ["a blank id"] = l => Edit(l, e => e["id"] = "   "),
        ["an id of 201 characters"] = l => Edit(l, e => e["id"] = new string('e', 201)),
        ["an id with a NUL"] = l => Edit(l, e => e["id"] = "evt_\u0000corpus"),
        ["an id with a lone surrogate"] = l => Utf8(Good(l).Replace($"\"{EventId}\"", "\"evt_\\udc00\"", StringComparison.Ordinal)),
        ["a type that is a number"] = l => Edit(l, e => e["type"] = 3),
        ["an unknown type"] = l => Edit(l, e => e["type"] = "line.teleported"),
        ["a type in capitals"] = l => Edit(l, e => e["type"] = "LINE.SHIPPED"),
        ["no lineNumber"] = l => Edit(l, e => e.Remove("lineNumber")),
        ["a lineNumber that is an array"] = l => Edit(l, e => e["lineNumber"] = new JsonArray(l)),
        ["a lineNumber that is a number"] = l => Edit(l, e => e["lineNumber"] = 1004201),
        ["a lineNumber with a bell character"] = l => Edit(l, e => e["lineNumber"] = l + "\u0007"),
        ["an occurredAt that is a number"] = l => Edit(l, e => e["occurredAt"] = 1764000000),
        ["an occurredAt that is not a time"] = l => Edit(l, e => e["occurredAt"] = "next tuesday"),
        ["a fixable that is text"] = l => Edit(l, e => e["fixable"] = "yes"),
        ["a fixable that is a number"] = l => Edit(l, e => e["fixable"] = 1),
        ["a fixable beyond any number"] = l => Utf8(Good(l).Replace("\"type\":", "\"fixable\":1e999,\"type\":", StringComparison.Ordinal)),
        ["an unknown reasonCode"] = l => Edit(l, e => e["reasonCode"] = "BAD_MOOD"),
        ["an unknown owner"] = l => Edit(l, e => e["owner"] = "PAYMENT"),
        ["a javascript: trackingUrl"] = l => Edit(l, e => e["trackingUrl"] = "javascript:alert(1)"),
        ["a relative trackingUrl"] = l => Edit(l, e => e["trackingUrl"] = "/track/1Z999"),
        ["a trackingUrl that is a number"] = l => Edit(l, e => e["trackingUrl"] = 5),
        ["a carrier with a line break"] = l => Edit(l, e => e["carrier"] = "UPS\nFedEx"),
        ["a trackingNumber with a NUL"] = l => Edit(l, e => e["trackingNumber"] = "1Z\u0000999"),
        ["a message that is an object"] = l => Edit(l, e => e["message"] = new JsonObject()),
        ["a message of 2001 characters"] = l => Edit(l, e => e["message"] = new string('m', 2001)),
        ["a message with a NUL"] = l => Edit(l, e => e["message"] = "Shipped\u0000"),
        ["nesting 20 deep"] = l => Utf8(Good(l).Replace("\"type\":", "\"extra\":" + new string('[', 20) + new string(']', 20) + ",\"type\":", StringComparison.Ordinal)),
        ["invalid UTF-8 in a string"] = l => Utf8(Good(l)).Select(b => b == (byte)'#' ? (byte)0xC3 : b).ToArray(),
        ["an overlong UTF-8 encoding"] = l => Utf8(Good(l)).SelectMany(b => b == (byte)'#' ? new byte[] { 0xC0, 0xAF } : [b]).ToArray(),
        ["the type given twice"] = l => Utf8(Good(l).Replace("\"type\":\"line.shipped\"", "\"type\":\"line.shipped\",\"type\":\"line.rejected\"", StringComparison.Ordinal)),
        ["the id given twice"] = l => Utf8(Good(l).Replace($"\"id\":\"{EventId}\"", $"\"id\":\"{EventId}\",\"id\":\"evt_other\"", StringComparison.Ordinal)),
        ["data after the event"] = l => Utf8(Good(l) + "{\"id\":\"evt_2\"}"),
        ["a trailing comma"] = l => Utf8(Good(l)[..^1] + ",}"),
        ["a byte order mark"] = l => [.. Encoding.UTF8.GetPreamble(), .. Utf8(Good(l))],
        ["single-quoted strings"] = l => Utf8(Good(l).Replace('"', '\'')),
    };

    public static IReadOnlyCollection<string> Names => Bodies.Keys;

    public static TheoryData<string> Cases => new(Bodies.Keys);

    public static byte[] Body(string name, string lineNumber) => Bodies[name](lineNumber);

    /// <summary>The good callback: the line shipped, with tracking and a '#' to break into invalid UTF-8.</summary>
    public static string Good(string lineNumber) =>
        PartnerCallbacks.Body("line.shipped", lineNumber, HeadlessApp.Now - TimeSpan.FromMinutes(1), EventId, new
        {
            carrier = "UPS",
            trackingNumber = "1Z999AA10123456784",
            trackingUrl = "https://www.ups.com/track?tracknum=1Z999AA10123456784",
            message = "Box #1 of 1",
        });

    private static byte[] Edit(string lineNumber, Action<JsonObject> change)
    {
        var e = JsonNode.Parse(Good(lineNumber))!.AsObject();
        change(e);
        return Utf8(e.ToJsonString());
    }

    private static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);
}

/// <summary>One app and routed order per provider, shared by the corpus (no case may change anything).</summary>
public sealed class PartnerCorpusFixture : IAsyncLifetime
{
    private readonly SemaphoreSlim _lock = new(1, 1);
    private bool _created;

    public HeadlessApp? App { get; private set; }

    public HttpClient Http { get; private set; } = null!;

    public CallbackOrder Order { get; private set; } = null!;

    /// <summary>Another order, for the one test that moves its line.</summary>
    public CallbackOrder Other { get; private set; } = null!;

    public OrderLineInfo Line => Order.Lines[0];

    public async Task EnsureAsync(DatabaseProvider provider, PostgresServer? postgres)
    {
        await _lock.WaitAsync();
        try
        {
            if (!_created)
            {
                _created = true;
                App = await HeadlessApp.CreateAsync(provider, postgres);
                if (App is not null)
                {
                    Http = App.CreateClient();
                    var f = await CartData.CreateAsync(App, 2);
                    Order = await CheckoutAsync(App, f, [f.Catalog.SemaEast], "corpus");
                    Other = await CheckoutAsync(App, f, [f.Catalog.SemaEast], "corpus-other", skipPatients: 1);
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

        _lock.Dispose();
    }
}

/// <summary>POST /partners/{pharmacyId}/events with correctly signed bodies that are not valid events: exactly 400, nothing recorded, nothing changed.</summary>
public abstract class PartnerEventsCorpusTests(DatabaseProvider provider, PostgresServer? postgres, PartnerCorpusFixture fixture)
{
    [Fact]
    public void The_corpus_has_at_least_twenty_bodies() => Assert.True(PartnerEventsCorpus.Names.Count >= 20, $"{PartnerEventsCorpus.Names.Count} bodies");

    [ProviderTheory]
    [MemberData(nameof(PartnerEventsCorpus.Cases), MemberType = typeof(PartnerEventsCorpus))]
    public async Task A_signed_body_that_is_not_a_valid_callback_is_400_and_changes_nothing(string name)
    {
        await fixture.EnsureAsync(provider, postgres);

        var before = await StateAsync();
        var body = PartnerEventsCorpus.Body(name, fixture.Line.Number);

        using var response = await PostSignedAsync(body, "msg_corpus");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.StartsWith("{\"error\":", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(before, await StateAsync());
    }

    [ProviderFact]
    public async Task The_good_callback_the_corpus_breaks_is_accepted()
    {
        await fixture.EnsureAsync(provider, postgres);

        // Under another id, so the corpus cases keep proving that theirs is never recorded.
        var body = Encoding.UTF8.GetBytes(PartnerEventsCorpus.Good(fixture.Line.Number).Replace(PartnerEventsCorpus.EventId, "evt_corpus_good", StringComparison.Ordinal));
        using var response = await PostSignedAsync(body, "msg_corpus_good");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("\"status\":\"SHIPPED\"", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [ProviderFact]
    public async Task A_long_message_is_cut_between_characters_never_inside_one()
    {
        await fixture.EnsureAsync(provider, postgres);

        // 499 letters then an emoji (two UTF-16 units) straddling the 500-character cut.
        var message = new string('m', 499) + "\U0001F4E6" + new string('m', 100);
        var other = fixture.Other.Lines[0];
        var body = Encoding.UTF8.GetBytes(PartnerCallbacks.Body("line.on_hold", other.Number, fixture.App!.Clock.GetUtcNow(), "evt_corpus_long", new { reasonCode = "OTHER", owner = "CLINIC", message }));
        using var response = await PostSignedAsync(body, "msg_corpus_long", fixture.Other, other);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var line = await ReadLineAsync(fixture.Other.Client, other.Id);
        Assert.Equal(new string('m', 499), line.At("statusReason.message").GetString());
    }

    private async Task<string> StateAsync()
    {
        Assert.True(PartnerEvent.TryParseLineNumber(fixture.Line.Number, out var orderId, out _));
        await using var db = fixture.App!.Database.CreatePlatformContext();
        var line = await db.OrderLines.IgnoreQueryFilters().AsNoTracking().SingleAsync(l => l.OrderId == orderId && l.Position == 1);
        var records = await db.Set<PartnerEventRecord>().CountAsync();
        var events = await db.OrderLineEvents.IgnoreQueryFilters().CountAsync(e => e.OrderLineId == line.Id);
        return string.Create(CultureInfo.InvariantCulture, $"{line.Status.ToWire()}|{line.Sequence}|{line.TrackingNumber}|{records}|{events}");
    }

    private async Task<HttpResponseMessage> PostSignedAsync(byte[] body, string messageId, CallbackOrder? order = null, OrderLineInfo? line = null)
    {
        (order, line) = (order ?? fixture.Order, line ?? fixture.Line);
        var now = fixture.App!.Clock.GetUtcNow();
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/partners/{line.PharmacyId}/events") { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Headers.TryAddWithoutValidation(StandardWebhookVerifier.IdHeader, messageId);
        request.Headers.TryAddWithoutValidation(StandardWebhookVerifier.TimestampHeader, now.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture));
        request.Headers.TryAddWithoutValidation(
            StandardWebhookVerifier.SignatureHeader,
            StandardWebhookVerifier.Sign(StandardWebhookVerifier.DecodeSecret(order.SecretOf(line))!, messageId, now.ToUnixTimeSeconds(), body));
        return await fixture.Http.SendAsync(request);
    }
}

public sealed class PartnerEventsCorpusTestsOnSqlite(PartnerCorpusFixture fixture)
    : PartnerEventsCorpusTests(DatabaseProvider.Sqlite, null, fixture), IClassFixture<PartnerCorpusFixture>;

[Collection(PostgresCollection.Name)]
public sealed class PartnerEventsCorpusTestsOnPostgres(PostgresServer postgres, PartnerCorpusFixture fixture)
    : PartnerEventsCorpusTests(DatabaseProvider.Postgres, postgres, fixture), IClassFixture<PartnerCorpusFixture>;
