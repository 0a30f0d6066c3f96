using System.Text.Json;
using System.Text.Json.Nodes;
using Headless.Events;
using Headless.GraphQL;

namespace Headless.Webhooks;

/// <summary>
/// The default, thin payload of each event type: an envelope <c>{ type, timestamp, data }</c> (the Standard Webhooks
/// shape) whose data is taken field by field from the event's stored payload, which holds no PHI. Only the fields
/// listed here are copied, renamed where the webhook contract reads better (number to orderNumber or lineNumber, from and
/// to to previousStatus and status), so a field added to the event log later does not reach webhooks unless it is
/// added here too.
/// </summary>
public static class WebhookPayloads
{
    /// <summary>The longest body stored and sent (the spec advises staying under about 20 kB; a payloadQuery may go further).</summary>
    public const int MaxBodyLength = 65_536;

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    // Both support ticket events carry the same fields; never the subject or a message's text.
    private static readonly (string From, string To)[] SupportTicketFields =
    [
        ("ticketId", "ticketId"), ("number", "ticketNumber"), ("lineId", "lineId"), ("lineNumber", "lineNumber"), ("orderId", "orderId"),
        ("orderNumber", "orderNumber"), ("clinicId", "clinicId"), ("patientExternalId", "patientExternalId"), ("from", "previousStatus"),
        ("status", "status"), ("author", "author"), ("messageCount", "messageCount"),
    ];

    // (stored name, webhook name)
    private static readonly Dictionary<string, (string From, string To)[]> Fields = new(StringComparer.Ordinal)
    {
        [EventTypes.OrderCreated] = [("orderId", "orderId"), ("number", "orderNumber"), ("clinicId", "clinicId"), ("lineCount", "lineCount"), ("total", "total")],
        [EventTypes.OrderPaymentAuthorized] = [("orderId", "orderId"), ("number", "orderNumber"), ("paymentStatus", "paymentStatus"), ("total", "total"), ("captureDeadline", "captureDeadline")],
        [EventTypes.OrderPaymentFailed] = [("orderId", "orderId"), ("number", "orderNumber"), ("paymentStatus", "paymentStatus"), ("failureCode", "failureCode"), ("total", "total")],
        [EventTypes.OrderPaymentCaptured] = [("orderId", "orderId"), ("number", "orderNumber"), ("paymentStatus", "paymentStatus"), ("captured", "captured"), ("lines", "lines")],
        [EventTypes.OrderPaymentVoided] = [("orderId", "orderId"), ("number", "orderNumber"), ("paymentStatus", "paymentStatus"), ("lines", "lines")],
        [EventTypes.OrderRefunded] =
        [
            ("orderId", "orderId"), ("number", "orderNumber"), ("lineId", "lineId"), ("lineNumber", "lineNumber"), ("refunded", "refunded"),
            ("refundedTotal", "refundedTotal"), ("paymentStatus", "paymentStatus"), ("linePaymentStatus", "linePaymentStatus"), ("sequence", "sequence"),
        ],
        [EventTypes.OrderLineStatusChanged] =
        [
            ("lineId", "lineId"), ("number", "lineNumber"), ("orderId", "orderId"), ("orderNumber", "orderNumber"), ("patientExternalId", "patientExternalId"),
            ("pharmacyId", "pharmacyId"), ("from", "previousStatus"), ("to", "status"), ("source", "source"), ("reasonCode", "reasonCode"),
            ("fixable", "fixable"), ("owner", "owner"), ("statusSince", "statusSince"), ("paymentStatus", "paymentStatus"), ("tracking", "tracking"),
            ("sequence", "sequence"),
        ],
        [EventTypes.CartChanged] = [("cartId", "cartId"), ("clinicId", "clinicId"), ("version", "version"), ("lineCount", "lineCount"), ("status", "status")],
        [EventTypes.SupportTicketOpened] = SupportTicketFields,
        [EventTypes.SupportTicketUpdated] = SupportTicketFields,
    };

    /// <summary>The default body of a delivery of <paramref name="e"/>.</summary>
    public static string Default(DomainEvent e)
    {
        var stored = JsonNode.Parse(e.Payload) as JsonObject ?? [];
        var data = new JsonObject
        {
            ["eventId"] = GlobalId.Encode(EventType.TypeName, e.Id),
            ["cursor"] = EventCursor.Encode(e.Position),
        };
        foreach (var (from, to) in Fields.GetValueOrDefault(e.Type) ?? [])
        {
            if (stored.TryGetPropertyValue(from, out var value))
            {
                data[to] = value?.DeepClone();
            }
        }

        return Envelope(e.Type, e.OccurredAt, data);
    }

    /// <summary>The body of a webhookEndpointTest delivery.</summary>
    public static string Test(long endpointId, DateTimeOffset now) =>
        Envelope(WebhookDelivery.TestEventType, now, new JsonObject
        {
            ["endpointId"] = GlobalId.Encode(WebhookEndpointType.TypeName, endpointId),
            ["message"] = "A test delivery from Headless: your endpoint is reachable and verifies our signature.",
        });

    /// <summary><c>{ "type", "timestamp", "data" }</c>.</summary>
    public static string Envelope(string type, DateTimeOffset occurredAt, JsonNode? data) =>
        new JsonObject
        {
            ["type"] = type,
            ["timestamp"] = occurredAt.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.fffK", System.Globalization.CultureInfo.InvariantCulture),
            ["data"] = data,
        }.ToJsonString(Json);
}
