using System.Text.Json;
using Headless.Outbox;
using Headless.Tests.Checkout;
using Headless.Tests.Infrastructure;
using Headless.Webhooks;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Headless.Tests.Webhooks;

/// <summary>GraphQL documents and steps the webhook tests share.</summary>
internal static class WebhookHarness
{
    public const string Create = """
        mutation($input: WebhookEndpointCreateInput!) { webhookEndpointCreate(input: $input) {
          endpoint { id url eventTypes description payloadQuery status disabledReason disabledAt failingSince createdAt }
          secret userErrors { code field message } } }
        """;

    public const string Deliveries = """
        query($id: ID!, $status: WebhookDeliveryStatus) { node(id: $id) { ... on WebhookEndpoint { status disabledReason disabledAt failingSince
          deliveries(first: 100, status: $status) { totalCount nodes { id webhookId eventType status attemptCount nextAttemptAt succeededAt sequence payload
            event { id cursor type }
            attempts { number time trigger statusCode durationMs errorClass responseBody } } } } } }
        """;

    public static readonly string[] AllTypes = [.. Headless.Events.EventTypes.All.Keys];

    /// <summary>Creates an endpoint and returns its global ID and whsec_ secret.</summary>
    public static async Task<(string Id, string Secret)> CreateEndpointAsync(GraphQLClient c, string url, string[]? types = null, string? payloadQuery = null)
    {
        var payload = (await c.DataAsync(Create, new { input = new { url, eventTypes = types ?? AllTypes, payloadQuery } })).GetProperty("webhookEndpointCreate");
        Assert.Empty(payload.UserErrorCodes());
        return (payload.At("endpoint.id").GetString()!, payload.GetProperty("secret").GetString()!);
    }

    /// <summary>Fans out what has committed and lets the outbox deliver everything due, one batch after another.</summary>
    public static async Task<int> DeliverAsync(HeadlessApp app)
    {
        await app.Services.GetRequiredService<WebhookFanout>().RunOnceAsync();
        var processor = app.Services.GetRequiredService<OutboxProcessor>();
        var total = 0;
        for (var i = 0; i < 100; i++)
        {
            var n = await processor.DrainOnceAsync("webhook-test", default);
            total += n;
            if (n == 0)
            {
                break;
            }
        }

        return total;
    }

    public static async Task<JsonElement> EndpointAsync(GraphQLClient c, string endpointId, string? status = null) =>
        (await c.DataAsync(Deliveries, new { id = endpointId, status })).GetProperty("node");

    /// <summary>A four-line order for four patients, checked out: order.created, its payment and four lines routed.</summary>
    public static async Task<string> CheckOutAsync(CartFixture f, int lines = 4)
    {
        var offerings = new[] { f.Catalog.SemaEast, f.Catalog.TestoEast, f.Catalog.SemaWest, f.Catalog.SemaEast };
        return await Fulfillment.RefillDayEndToEndTests.CheckOutAsync(f, [.. Enumerable.Range(0, lines).Select(i => CartData.GoodLine(f.Patients[i], f.Prescriber, offerings[i % offerings.Length]))]);
    }

    public static async Task<List<WebhookDelivery>> AllDeliveriesAsync(HeadlessApp app)
    {
        await using var db = app.Database.CreatePlatformContext();
        return await db.Set<WebhookDelivery>().IgnoreQueryFilters().AsNoTracking().OrderBy(d => d.Id).ToListAsync();
    }
}
