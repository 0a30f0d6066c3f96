using System.Net;
using System.Text;
using System.Text.Json;
using Headless.Catalog;
using Headless.Data;
using Headless.GraphQL;
using Headless.Partners;
using Headless.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using static Headless.Tests.Partners.PartnerCallbacks;

namespace Headless.Tests.Partners;

/// <summary>POST /partners/{pharmacyId}/events over HTTP: signatures, addressing, exactly-once application, and the payment policy's reaction.</summary>
public abstract class PartnerEventsTests(DatabaseProvider provider, PostgresServer? postgres) : ProviderTest(provider, postgres)
{
    private CartFixture _f = null!;
    private HttpClient _http = null!;

    protected override async Task InitializeAppAsync()
    {
        _f = await CartData.CreateAsync(App, 8);
        _http = App.CreateClient();
    }

    private DateTimeOffset Now => App.Clock.GetUtcNow();

    private Task<CallbackOrder> OrderAsync(string key, params string[] offerings) => CheckoutAsync(App, _f, offerings, key);

    private async Task<int> RecordedEventsAsync()
    {
        await using var db = App.Database.CreatePlatformContext();
        return await db.Set<PartnerEventRecord>().CountAsync();
    }

    private static void AssertUntouched(OrderLineInfo before, JsonElement line)
    {
        Assert.Equal("SUBMITTED", line.GetProperty("status").GetString());
        Assert.Equal(before.Sequence, line.GetProperty("sequence").GetInt32());
        Assert.DoesNotContain(line.At("events.nodes").EnumerateArray(), e => e.GetProperty("source").GetString() == "PHARMACY");
    }

    [ProviderFact]
    public async Task A_bad_signature_a_wrong_secret_or_a_stale_timestamp_is_401_and_changes_nothing()
    {
        var order = await OrderAsync("sig", _f.Catalog.SemaEast, _f.Catalog.SemaWest);
        var line = order.Lines[0];
        var secret = order.SecretOf(line);
        var body = Body("line.received", line.Number, Now);
        var id = MessageId(body);

        var attempts = new (string Name, Func<Task<HttpResponseMessage>> Send)[]
        {
            ("tampered signature", () => PostAsync(_http, line.PharmacyId, secret, body, Now, "v1," + Convert.ToBase64String(new byte[32]))),
            ("wrong secret", () => PostAsync(_http, line.PharmacyId, secret, body, Now, Sign(NewSecret(), id, Now, body))),
            ("another pharmacy's secret", () => PostAsync(_http, line.PharmacyId, secret, body, Now, Sign(order.Secrets[_f.Catalog.WestPharmacy], id, Now, body))),
            ("body changed after signing", () => PostAsync(_http, line.PharmacyId, secret, body.Replace("line.received", "line.shipped"), Now, Sign(secret, id, Now, body))),
            ("another webhook-id", () => PostAsync(_http, line.PharmacyId, secret, body, Now, Sign(secret, id, Now, body), messageId: "evt_other")),
            ("stale timestamp", () => PostAsync(_http, line.PharmacyId, secret, body, Now - TimeSpan.FromMinutes(6))),
            ("timestamp from the future", () => PostAsync(_http, line.PharmacyId, secret, body, Now + TimeSpan.FromMinutes(6))),
            ("only v1a", () => PostAsync(_http, line.PharmacyId, secret, body, Now, "v1a," + Sign(secret, id, Now, body)[3..])),
            ("no signature", () => UnsignedAsync(line.PharmacyId, body)),
        };

        foreach (var (name, send) in attempts)
        {
            using var response = await send();
            Assert.True(response.StatusCode == HttpStatusCode.Unauthorized, $"{name}: {(int)response.StatusCode}");
        }

        AssertUntouched(line, await ReadLineAsync(order.Client, line.Id));
        Assert.Equal(0, await RecordedEventsAsync());

        // Four minutes old is within the tolerance: the very same event then applies.
        using var late = await PostAsync(_http, line.PharmacyId, secret, body, Now - TimeSpan.FromMinutes(4));
        Assert.Equal(HttpStatusCode.OK, late.StatusCode);
        Assert.Equal("RECEIVED", (await ReadLineAsync(order.Client, line.Id)).GetProperty("status").GetString());
    }

    private async Task<HttpResponseMessage> UnsignedAsync(string pharmacyId, string body)
    {
        using var content = new StringContent(body, Encoding.UTF8, "application/json");
        return await _http.PostAsync($"/partners/{pharmacyId}/events", content);
    }

    [ProviderFact]
    public async Task A_valid_received_moves_the_line_and_the_capture_policy_reacts()
    {
        var order = await OrderAsync("received", _f.Catalog.SemaEast, _f.Catalog.SemaWest);
        var (first, second) = (order.Lines[0], order.Lines[1]);
        Assert.NotEqual(first.PharmacyId, second.PharmacyId);

        var (status, body) = await SendAsync(App, _http, order, first, "line.received", Now);

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.False(body.GetProperty("duplicate").GetBoolean());
        Assert.True(body.GetProperty("changed").GetBoolean());
        Assert.Equal("RECEIVED", body.GetProperty("status").GetString());
        var line = await ReadLineAsync(order.Client, first.Id);
        Assert.Equal("RECEIVED", line.GetProperty("status").GetString());
        Assert.Equal("PHARMACY", line.GetProperty("owner").GetString());
        Assert.Equal(first.Sequence + 1, line.GetProperty("sequence").GetInt32());
        var received = line.At("events.nodes").EnumerateArray().Last();
        Assert.Equal(("PHARMACY", "SUBMITTED", "RECEIVED"), (received.GetProperty("source").GetString(), received.GetProperty("from").GetString(), received.GetProperty("to").GetString()));
        Assert.Equal(first.Sequence + 1, received.GetProperty("sequence").GetInt32());

        // One line decided: the order keeps its hold. Both decided: the accepted lines are captured, once.
        Assert.Equal("AUTHORIZED", (await ReadOrderAsync(order.Client, order.Number)).GetProperty("paymentStatus").GetString());
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(App, _http, order, second, "line.received", Now)).Status);
        var after = await ReadOrderAsync(order.Client, order.Number);
        Assert.Equal("CAPTURED", after.GetProperty("paymentStatus").GetString());
        Assert.Equal(after.At("total.amount").GetInt64(), after.At("capturedAmount.amount").GetInt64());
        Assert.All(after.At("lines.nodes").EnumerateArray(), l => Assert.Equal("CAPTURED", l.GetProperty("paymentStatus").GetString()));
    }

    [ProviderFact]
    public async Task The_same_callback_replayed_five_times_concurrently_changes_the_line_once()
    {
        var order = await OrderAsync("replay", _f.Catalog.SemaEast, _f.Catalog.TestoEast, _f.Catalog.SemaWest);
        var line = order.Lines[0];
        var body = Body("line.compounding", line.Number, Now);

        var responses = await Task.WhenAll(Enumerable.Range(0, 5).Select(async _ =>
        {
            using var r = await PostAsync(_http, line.PharmacyId, order.SecretOf(line), body, Now);
            return (r.StatusCode, Body: JsonDocument.Parse(await r.Content.ReadAsStringAsync()).RootElement.Clone());
        }));

        Assert.All(responses, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        Assert.Equal(4, responses.Count(r => r.Body.GetProperty("duplicate").GetBoolean()));
        var applied = Assert.Single(responses, r => !r.Body.GetProperty("duplicate").GetBoolean());
        Assert.Equal(line.Sequence + 1, applied.Body.GetProperty("sequence").GetInt32());
        var read = await ReadLineAsync(order.Client, line.Id);
        Assert.Equal("COMPOUNDING", read.GetProperty("status").GetString());
        Assert.Equal(line.Sequence + 1, read.GetProperty("sequence").GetInt32());
        Assert.Single(read.At("events.nodes").EnumerateArray(), e => e.GetProperty("source").GetString() == "PHARMACY");
        Assert.Equal(1, await RecordedEventsAsync());

        // Three days later the sender retries with a fresh, valid timestamp: still a duplicate.
        App.Clock.Advance(TimeSpan.FromHours(72));
        using var retry = await PostAsync(_http, line.PharmacyId, order.SecretOf(line), body, Now);
        Assert.Equal(HttpStatusCode.OK, retry.StatusCode);
        Assert.Equal("""{"duplicate":true}""", await retry.Content.ReadAsStringAsync());
        var later = await ReadLineAsync(order.Client, line.Id);
        Assert.Single(later.At("events.nodes").EnumerateArray(), e => e.GetProperty("source").GetString() == "PHARMACY");
        Assert.Equal(1, await RecordedEventsAsync());
    }

    [ProviderFact]
    public async Task A_multi_signature_header_with_the_valid_signature_last_is_accepted()
    {
        var order = await OrderAsync("rotation", _f.Catalog.SemaEast, _f.Catalog.SemaWest);
        var line = order.Lines[0];
        var secret = order.SecretOf(line);
        var body = Body("line.received", line.Number, Now);
        var id = MessageId(body);
        var good = Sign(secret, id, Now, body);
        var old = Sign(NewSecret(), id, Now, body);

        using var wrongOnly = await PostAsync(_http, line.PharmacyId, secret, body, Now, $"{old} {Sign(NewSecret(), id, Now, body)}");
        Assert.Equal(HttpStatusCode.Unauthorized, wrongOnly.StatusCode);

        using var lastOfThree = await PostAsync(_http, line.PharmacyId, secret, body, Now, $"v1a,AAAA {old} {good}");
        Assert.Equal(HttpStatusCode.OK, lastOfThree.StatusCode);
        Assert.Equal("RECEIVED", (await ReadLineAsync(order.Client, line.Id)).GetProperty("status").GetString());
    }

    [ProviderFact]
    public async Task A_line_of_another_pharmacy_or_an_unknown_line_is_404_and_changes_nothing()
    {
        var order = await OrderAsync("addressing", _f.Catalog.SemaEast, _f.Catalog.SemaWest);
        var (east, west) = (order.Lines[0], order.Lines[1]);
        var westSecret = order.Secrets[_f.Catalog.WestPharmacy];

        // West signs correctly, but the line is East's.
        var body = Body("line.received", east.Number, Now);
        using var foreign = await PostAsync(_http, _f.Catalog.WestPharmacy, westSecret, body, Now);
        Assert.Equal(HttpStatusCode.NotFound, foreign.StatusCode);

        var missing = LineNumber(order.Number, 99);
        foreach (var number in new[] { missing, "HX-99999-01", "not-a-line", order.Number })
        {
            using var response = await PostAsync(_http, _f.Catalog.WestPharmacy, westSecret, Body("line.received", number, Now), Now);
            Assert.True(response.StatusCode == HttpStatusCode.NotFound, $"{number}: {(int)response.StatusCode}");
        }

        AssertUntouched(east, await ReadLineAsync(order.Client, east.Id));
        AssertUntouched(west, await ReadLineAsync(order.Client, west.Id));
        Assert.Equal(0, await RecordedEventsAsync());

        static string LineNumber(string number, int position) => $"{number}-{position:00}";
    }

    [ProviderFact]
    public async Task An_unknown_pharmacy_or_one_without_a_secret_is_404()
    {
        var order = await OrderAsync("no-secret", _f.Catalog.SemaEast);
        var line = order.Lines[0];
        long plainId;
        await using (var db = App.Database.CreatePlatformContext())
        {
            var plain = new Pharmacy("Plain Compounding", 4, 900, ["TX"]);
            db.Pharmacies.Add(plain);
            await db.SaveChangesAsync();
            plainId = plain.Id;
        }

        var body = Body("line.received", line.Number, Now);
        foreach (var route in new[] { GlobalId.Encode("Pharmacy", plainId), GlobalId.Encode("Pharmacy", 987654), GlobalId.Encode("Product", 1), "1", "garbage" })
        {
            using var response = await PostAsync(_http, route, order.SecretOf(line), body, Now);
            Assert.True(response.StatusCode == HttpStatusCode.NotFound, $"{route}: {(int)response.StatusCode}");
        }

        AssertUntouched(line, await ReadLineAsync(order.Client, line.Id));
    }

    [ProviderFact]
    public async Task A_signed_but_malformed_body_is_400_and_an_oversized_one_413()
    {
        var order = await OrderAsync("malformed", _f.Catalog.SemaEast);
        var line = order.Lines[0];
        var bodies = new[]
        {
            "not json",
            "[]",
            """{"id":"evt_1","type":"line.received"}""",
            Body("line.teleported", line.Number, Now),
            Body("line.rejected", line.Number, Now, extra: new { reasonCode = "BAD_MOOD" }),
            Body("line.on_hold", line.Number, Now, extra: new { owner = "PAYMENT" }),
            Body("line.shipped", line.Number, Now, extra: new { trackingUrl = "javascript:alert(1)" }),
            Body("line.rejected", line.Number, Now, extra: new { fixable = "yes" }),
            Body("line.received", line.Number, Now).Replace("\"occurredAt\":\"", "\"occurredAt\":\"yesterday "),
        };

        foreach (var body in bodies)
        {
            using var response = await PostAsync(_http, line.PharmacyId, order.SecretOf(line), body, Now, messageId: "evt_malformed");
            Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{body}: {(int)response.StatusCode}");
        }

        var huge = Body("line.received", line.Number, Now, extra: new { message = new string('x', 70_000) });
        using var tooLarge = await PostAsync(_http, line.PharmacyId, order.SecretOf(line), huge, Now);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, tooLarge.StatusCode);

        AssertUntouched(line, await ReadLineAsync(order.Client, line.Id));
        Assert.Equal(0, await RecordedEventsAsync());
    }

    [ProviderFact]
    public async Task A_fixable_rejection_gives_the_line_to_the_clinic_and_the_others_are_captured_once_all_are_decided()
    {
        var order = await OrderAsync("rejection", _f.Catalog.SemaEast, _f.Catalog.TestoEast, _f.Catalog.SemaWest);
        var (rejected, east, west) = (order.Lines[0], order.Lines[1], order.Lines[2]);

        var (status, _) = await SendAsync(App, _http, order, rejected, "line.rejected", Now,
            new { reasonCode = "SIG_CLARIFICATION", message = "Directions do not state the dose.", fixable = true });
        Assert.Equal(HttpStatusCode.OK, status);

        var line = await ReadLineAsync(order.Client, rejected.Id);
        Assert.Equal("REJECTED", line.GetProperty("status").GetString());
        Assert.Equal("CLINIC", line.GetProperty("owner").GetString());
        Assert.Equal("SIG_CLARIFICATION", line.At("statusReason.code").GetString());
        Assert.Equal("Directions do not state the dose.", line.At("statusReason.message").GetString());
        Assert.True(line.At("statusReason.fixable").GetBoolean());
        var evt = line.At("events.nodes").EnumerateArray().Last();
        Assert.Equal(("REJECTED", "SIG_CLARIFICATION"), (evt.GetProperty("to").GetString(), evt.GetProperty("reasonCode").GetString()));

        // A rejected line is final: a later status does not revive it.
        Assert.False((await SendAsync(App, _http, order, rejected, "line.received", Now)).Body.GetProperty("changed").GetBoolean());

        await SendAsync(App, _http, order, east, "line.received", Now);
        Assert.Equal("AUTHORIZED", (await ReadOrderAsync(order.Client, order.Number)).GetProperty("paymentStatus").GetString());
        await SendAsync(App, _http, order, west, "line.compounding", Now);

        var after = await ReadOrderAsync(order.Client, order.Number);
        var lines = after.At("lines.nodes").EnumerateArray().ToList();
        Assert.Equal("CAPTURED", after.GetProperty("paymentStatus").GetString());
        Assert.Equal(east.Amount + west.Amount, after.At("capturedAmount.amount").GetInt64());
        Assert.Equal(["VOIDED", "CAPTURED", "CAPTURED"], lines.Select(l => l.GetProperty("paymentStatus").GetString()));

        // A non-fixable rejection belongs to nobody.
        var other = await CheckoutAsync(App, _f, [_f.Catalog.SemaEast], "rejection-2", skipPatients: 3);
        await SendAsync(App, _http, other, other.Lines[0], "line.rejected", Now, new { reasonCode = "LICENSE", fixable = false });
        var final = await ReadLineAsync(other.Client, other.Lines[0].Id);
        Assert.Equal(("REJECTED", "NONE", false), (final.GetProperty("status").GetString(), final.GetProperty("owner").GetString(), final.At("statusReason.fixable").GetBoolean()));
        Assert.Equal("CANCELED", (await ReadOrderAsync(other.Client, other.Number)).GetProperty("paymentStatus").GetString());
    }
}

public sealed class PartnerEventsTestsOnSqlite() : PartnerEventsTests(DatabaseProvider.Sqlite, null);

[Collection(PostgresCollection.Name)]
public sealed class PartnerEventsTestsOnPostgres(PostgresServer postgres) : PartnerEventsTests(DatabaseProvider.Postgres, postgres);
