using System.Text.Json;
using Headless.Data;
using Headless.Events;
using Headless.GraphQL;
using Microsoft.EntityFrameworkCore;

namespace Headless.Webhooks;

/// <summary>webhookSamplePayload: a delivery's body for the caller's latest event of a type, or for a made-up one.</summary>
public sealed class WebhookSamples(IDbContextFactory<HeadlessDbContext> contexts, WebhookPayloadQueries payloadQueries, TimeProvider clock)
{
    // Made-up payloads in the event log's shapes, for an organization that has no event of the type yet.
    private static readonly Dictionary<string, object> Examples = new(StringComparer.Ordinal)
    {
        [EventTypes.OrderCreated] = new { orderId = GlobalId.Encode("Order", 1), number = "HX-10001", clinicId = GlobalId.Encode("Clinic", 1), cartId = GlobalId.Encode("Cart", 1), lineCount = 2, total = new { amount = 45000, currencyCode = "USD" } },
        [EventTypes.OrderPaymentAuthorized] = new { orderId = GlobalId.Encode("Order", 1), number = "HX-10001", paymentStatus = "AUTHORIZED", total = new { amount = 45000, currencyCode = "USD" }, captureDeadline = "2026-12-02T15:00:00Z" },
        [EventTypes.OrderPaymentFailed] = new { orderId = GlobalId.Encode("Order", 1), number = "HX-10001", paymentStatus = "FAILED", failureCode = "card_declined", total = new { amount = 45000, currencyCode = "USD" } },
        [EventTypes.OrderPaymentCaptured] = new { orderId = GlobalId.Encode("Order", 1), number = "HX-10001", paymentStatus = "CAPTURED", captured = new { amount = 45000, currencyCode = "USD" }, lines = new[] { new { number = "HX-10001-01", paymentStatus = "CAPTURED", captured = 22500, sequence = 4 } } },
        [EventTypes.OrderPaymentVoided] = new { orderId = GlobalId.Encode("Order", 1), number = "HX-10001", paymentStatus = "VOIDED", lines = new[] { new { number = "HX-10001-01", paymentStatus = "VOIDED", captured = 0, sequence = 3 } } },
        [EventTypes.OrderRefunded] = new { orderId = GlobalId.Encode("Order", 1), number = "HX-10001", lineId = GlobalId.Encode("OrderLine", 1), lineNumber = "HX-10001-01", refunded = new { amount = 22500, currencyCode = "USD" }, refundedTotal = new { amount = 22500, currencyCode = "USD" }, paymentStatus = "PARTIALLY_REFUNDED", linePaymentStatus = "REFUNDED", sequence = 6 },
        [EventTypes.OrderLineStatusChanged] = new { lineId = GlobalId.Encode("OrderLine", 1), number = "HX-10001-01", orderId = GlobalId.Encode("Order", 1), orderNumber = "HX-10001", patientExternalId = "patient-123", pharmacyId = GlobalId.Encode("Pharmacy", 1), from = "COMPOUNDING", to = "SHIPPED", source = "PHARMACY", reasonCode = (string?)null, fixable = (bool?)null, owner = "NONE", statusSince = "2026-11-25T15:00:00Z", paymentStatus = "CAPTURED", tracking = new { carrier = "UPS", number = "1Z999AA10123456784", url = "https://www.ups.com/track?tracknum=1Z999AA10123456784" }, sequence = 5 },
        [EventTypes.CartChanged] = new { cartId = GlobalId.Encode("Cart", 1), clinicId = GlobalId.Encode("Clinic", 1), version = 3, lineCount = 2, status = "OPEN" },
        [EventTypes.SupportTicketOpened] = new { ticketId = GlobalId.Encode("SupportTicket", 1), number = "ST-10001", lineId = GlobalId.Encode("OrderLine", 1), lineNumber = "HX-10001-01", orderId = GlobalId.Encode("Order", 1), orderNumber = "HX-10001", clinicId = GlobalId.Encode("Clinic", 1), patientExternalId = "patient-123", from = (string?)null, status = "OPEN", author = "CLINIC", messageCount = 1 },
        [EventTypes.SupportTicketUpdated] = new { ticketId = GlobalId.Encode("SupportTicket", 1), number = "ST-10001", lineId = GlobalId.Encode("OrderLine", 1), lineNumber = "HX-10001-01", orderId = GlobalId.Encode("Order", 1), orderNumber = "HX-10001", clinicId = GlobalId.Encode("Clinic", 1), patientExternalId = "patient-123", from = "WAITING_ON_PHARMACY", status = "WAITING_ON_CLINIC", author = "PHARMACY", messageCount = 2 },
    };

    public async Task<WebhookSample> SampleAsync(long organizationId, string eventType, string? payloadQuery, CancellationToken ct)
    {
        if (!EventTypes.All.ContainsKey(eventType))
        {
            return new WebhookSample(null, [new UserError(UserErrorCode.InvalidValue, ["eventType"], $"Not an event type; the types are {string.Join(", ", EventTypes.All.Keys)}.")]);
        }

        await using var db = await contexts.CreateDbContextAsync(ct);
        var latest = await db.Set<DomainEvent>().AsNoTracking().Where(e => e.Type == eventType).OrderByDescending(e => e.Position).FirstOrDefaultAsync(ct);
        if (string.IsNullOrWhiteSpace(payloadQuery))
        {
            var e = latest ?? new DomainEvent(organizationId, eventType, new EventSubject(EventSubjectKind.Order, 1, "HX-10001", 1, 1), null, clock.GetUtcNow(), JsonSerializer.Serialize(Examples[eventType]));
            return new WebhookSample(WebhookPayloads.Default(e), []);
        }

        if (payloadQuery.Length > WebhookEndpointRules.MaxPayloadQueryLength)
        {
            return new WebhookSample(null, [new UserError(UserErrorCode.TooLong, ["payloadQuery"], $"The payloadQuery has at most {WebhookEndpointRules.MaxPayloadQueryLength} characters.")]);
        }

        if (payloadQueries.Validate(payloadQuery) is { } problem)
        {
            return new WebhookSample(null, [new UserError(problem.Code, ["payloadQuery"], problem.Message)]);
        }

        if (latest is null)
        {
            return new WebhookSample(null, [new UserError(UserErrorCode.InvalidValue, ["eventType"], "You have no event of this type yet to run the payloadQuery on; try it once one has happened.")]);
        }

        var body = await payloadQueries.ExecuteAsync(organizationId, latest, payloadQuery, ct);
        return body is null
            ? new WebhookSample(null, [new UserError(UserErrorCode.InvalidPayloadQuery, ["payloadQuery"], "The payloadQuery could not be executed for your latest event of this type.")])
            : new WebhookSample(body, []);
    }
}
