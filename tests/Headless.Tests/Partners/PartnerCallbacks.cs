using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Headless.GraphQL;
using Headless.Partners;
using Headless.Tests.Checkout;
using Headless.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Headless.Tests.Partners;

/// <summary>A checked-out order whose pharmacies have webhook secrets, ready for signed callbacks.</summary>
public sealed record CallbackOrder(CartFixture Fixture, string Number, string OrderId, IReadOnlyList<OrderLineInfo> Lines, IReadOnlyDictionary<string, string> Secrets)
{
    public GraphQLClient Client => Fixture.Tenant.Client;

    public string SecretOf(OrderLineInfo line) => Secrets[line.PharmacyId];
}

/// <summary>One line of a <see cref="CallbackOrder"/> as checkout returned it.</summary>
public sealed record OrderLineInfo(string Id, string Number, string PharmacyId, long Amount, int Sequence);

/// <summary>Builds orders and posts Standard Webhooks signed partner callbacks, the way the partner simulator does.</summary>
public static class PartnerCallbacks
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };

    public const string LineScalars = """
        id number status statusSince sequence owner paymentStatus capturedAmount { amount } amount { amount }
        statusReason { code message fixable } tracking { carrier number url }
        """;

    public const string LineFields = LineScalars + "events(first: 20) { totalCount nodes { time source from to reasonCode message sequence } }";

    public const string PageLineFields = LineScalars + "events(first: 8) { totalCount nodes { time source from to reasonCode message sequence } }";

    public static readonly string OrderQuery = $$"""
        query($n: String) { order(number: $n) { number paymentStatus total { amount } capturedAmount { amount } refundedAmount { amount }
          lines(first: 25) { nodes { {{PageLineFields}} } } } }
        """;

    public static string NewSecret() => "whsec_" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    /// <summary>
    /// Checks out one order whose lines use <paramref name="offerings"/> (one line per offering, each for its own
    /// patient) and gives every pharmacy in the catalog a webhook secret.
    /// </summary>
    public static async Task<CallbackOrder> CheckoutAsync(HeadlessApp app, CartFixture f, IReadOnlyList<string> offerings, string key, int skipPatients = 0)
    {
        var client = f.Tenant.Client;
        var lines = offerings.Select((o, i) => CartData.GoodLine(f.Patients[skipPatients + i], f.Prescriber, o)).ToArray();
        var cartId = (await client.DataAsync(CartData.Add, new { clinicId = f.ClinicId, lines })).At("cartLinesAdd.cart.id").GetString()!;
        var cart = (await client.DataAsync(CartData.Validate, new { cartId })).At("cartValidate.cart");
        Assert.True(cart.GetProperty("checkoutReady").GetBoolean(), cart.GetRawText());
        var payload = (await client.DataAsync(CheckoutTests.Checkout, new
        {
            input = new { cartId, expectedVersion = cart.GetProperty("version").GetInt32(), paymentMethodId = "pm_card_visa", idempotencyKey = key },
        })).GetProperty("cartCheckout");
        Assert.Empty(payload.UserErrorCodes());
        var order = payload.GetProperty("order");
        Assert.Equal("AUTHORIZED", order.GetProperty("paymentStatus").GetString());

        var secrets = await GiveSecretsAsync(app, f.Catalog.EastPharmacy, f.Catalog.WestPharmacy, f.Catalog.SlowPharmacy);
        var number = order.GetProperty("number").GetString()!;
        var read = await ReadOrderAsync(client, number);
        var infos = read.At("lines.nodes").EnumerateArray().Select((l, i) => new OrderLineInfo(
            l.GetProperty("id").GetString()!,
            l.GetProperty("number").GetString()!,
            order.At($"lines.nodes.{i}.pharmacy.name").GetString() switch
            {
                "East Compounding" => f.Catalog.EastPharmacy,
                "West Compounding" => f.Catalog.WestPharmacy,
                _ => f.Catalog.SlowPharmacy,
            },
            l.At("amount.amount").GetInt64(),
            l.GetProperty("sequence").GetInt32())).ToList();
        return new CallbackOrder(f, number, order.GetProperty("id").GetString()!, infos, secrets);
    }

    /// <summary>Sets a fresh webhook secret on each pharmacy (and an API that refuses connections, so submissions just wait).</summary>
    public static async Task<Dictionary<string, string>> GiveSecretsAsync(HeadlessApp app, params string[] pharmacyIds)
    {
        var secrets = new Dictionary<string, string>();
        await using var db = app.Database.CreatePlatformContext();
        foreach (var globalId in pharmacyIds)
        {
            GlobalId.TryDecode(globalId, "Pharmacy", out var id);
            var pharmacy = await db.Pharmacies.SingleAsync(p => p.Id == id);
            var secret = pharmacy.WebhookSecret is { } stored ? app.Secrets.Reveal(stored) : NewSecret();
            pharmacy.ConfigureIntegration("http://127.0.0.1:1/", "http://127.0.0.1:1/token", "client", app.Secrets.Protect("client-secret"), app.Secrets.Protect(secret));
            secrets[globalId] = secret;
        }

        await db.SaveChangesAsync();
        return secrets;
    }

    public static async Task<JsonElement> ReadOrderAsync(GraphQLClient client, string number) =>
        (await client.DataAsync(OrderQuery, new { n = number })).GetProperty("order");

    public static async Task<JsonElement> ReadLineAsync(GraphQLClient client, string lineId) =>
        (await client.DataAsync($$"""query($id: ID!) { node(id: $id) { ... on OrderLine { {{LineFields}} } } }""", new { id = lineId })).GetProperty("node");

    /// <summary>A callback body as the partner simulator sends it.</summary>
    public static string Body(string type, string lineNumber, DateTimeOffset occurredAt, string? id = null, object? extra = null)
    {
        var node = JsonSerializer.SerializeToNode(new
        {
            id = id ?? "evt_" + Guid.NewGuid().ToString("N"),
            type,
            occurredAt = occurredAt.UtcDateTime.ToString("O", CultureInfo.InvariantCulture),
            reference = "SIM-000123",
            lineNumber,
        }, Json)!.AsObject();
        if (extra is not null)
        {
            foreach (var (k, v) in JsonSerializer.SerializeToNode(extra, Json)!.AsObject())
            {
                node[k] = v?.DeepClone();
            }
        }

        return node.ToJsonString();
    }

    public static string MessageId(string body) => JsonDocument.Parse(body).RootElement.GetProperty("id").GetString()!;

    /// <summary>"v1,..." for a body, as a sender with <paramref name="secret"/> signs it.</summary>
    public static string Sign(string secret, string messageId, DateTimeOffset timestamp, string body) =>
        StandardWebhookVerifier.Sign(StandardWebhookVerifier.DecodeSecret(secret)!, messageId, timestamp.ToUnixTimeSeconds(), Encoding.UTF8.GetBytes(body));

    /// <summary>Posts a callback. By default it is signed correctly with <paramref name="secret"/> at the app's current time.</summary>
    public static async Task<HttpResponseMessage> PostAsync(
        HttpClient http, string pharmacyId, string secret, string body, DateTimeOffset timestamp, string? signatureHeader = null, string? messageId = null)
    {
        messageId ??= MessageId(body);
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/partners/{pharmacyId}/events")
        {
            Content = new StringContent(body, Encoding.UTF8, "application/json"),
        };
        request.Headers.TryAddWithoutValidation("webhook-id", messageId);
        request.Headers.TryAddWithoutValidation("webhook-timestamp", timestamp.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture));
        request.Headers.TryAddWithoutValidation("webhook-signature", signatureHeader ?? Sign(secret, messageId, timestamp, body));
        return await http.SendAsync(request);
    }

    /// <summary>Posts a correctly signed callback for a line and returns the status code and body.</summary>
    public static async Task<(HttpStatusCode Status, JsonElement Body)> SendAsync(HeadlessApp app, HttpClient http, CallbackOrder order, OrderLineInfo line, string type, DateTimeOffset occurredAt, object? extra = null, string? id = null)
    {
        var body = Body(type, line.Number, occurredAt, id, extra);
        using var response = await PostAsync(http, line.PharmacyId, order.SecretOf(line), body, app.Clock.GetUtcNow());
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone());
    }
}
