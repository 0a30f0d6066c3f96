using System.Collections.Concurrent;
using System.Text.Json;
using Headless.Catalog;
using Headless.Fulfillment;
using Headless.Outbox;
using Headless.Tests.Infrastructure;
using Headless.Tests.Partners;
using Microsoft.Extensions.DependencyInjection;

namespace Headless.Tests.Support;

/// <summary>A pharmacy adapter that accepts everything and records the support messages it was asked to send.</summary>
public sealed class RecordingPharmacyAdapter : IPharmacyAdapter
{
    public ConcurrentQueue<(string Reference, string LineNumber, PartnerSupportMessage Message, string Key)> SupportMessages { get; } = new();

    public Task<PartnerSubmission> SubmitAsync(Pharmacy pharmacy, PartnerOrderDocument document, string idempotencyKey, CancellationToken ct) =>
        Task.FromResult(new PartnerSubmission("REF-" + document.PartnerOrderId));

    public Task<bool> CancelLineAsync(Pharmacy pharmacy, string reference, string lineNumber, string idempotencyKey, CancellationToken ct) => Task.FromResult(true);

    public Task SendSupportMessageAsync(Pharmacy pharmacy, string reference, string lineNumber, PartnerSupportMessage message, string idempotencyKey, CancellationToken ct)
    {
        SupportMessages.Enqueue((reference, lineNumber, message, idempotencyKey));
        return Task.CompletedTask;
    }
}

/// <summary>GraphQL documents and helpers for support ticket tests.</summary>
public static class SupportTicketHarness
{
    public const string TicketFields = """
        id number subject status lineNumber orderNumber messageCount createdAt updatedAt
        patient { id } line { id number } clinic { id }
        messages(first: 20) { totalCount pageInfo { hasNextPage } nodes { id author body createdAt } }
        """;

    public static readonly string Open = $$"""
        mutation($lineId: ID!, $subject: String!, $message: String!) {
          supportTicketOpen(lineId: $lineId, subject: $subject, message: $message) { ticket { {{TicketFields}} } userErrors { code field message } }
        }
        """;

    public static readonly string Reply = $$"""
        mutation($ticketId: ID!, $message: String!) {
          supportTicketReply(ticketId: $ticketId, message: $message) { ticket { {{TicketFields}} } userErrors { code field message } }
        }
        """;

    public static readonly string SetStatus = $$"""
        mutation($ticketId: ID!, $status: SupportTicketStatus!) {
          supportTicketSetStatus(ticketId: $ticketId, status: $status) { ticket { {{TicketFields}} } userErrors { code field message } }
        }
        """;

    public static readonly string List = $$"""
        query($filter: SupportTicketFilter, $first: Int, $after: String) {
          supportTickets(filter: $filter, first: $first, after: $after) { totalCount pageInfo { hasNextPage endCursor } nodes { {{TicketFields}} } }
        }
        """;

    public static readonly string Node = $$"""
        query($id: ID!) { node(id: $id) { __typename ... on SupportTicket { {{TicketFields}} } } }
        """;

    public static async Task<JsonElement> OpenAsync(GraphQLClient c, string lineId, string subject = "Where is this vial?", string message = "The patient asked when it ships.")
    {
        var payload = (await c.DataAsync(Open, new { lineId, subject, message })).GetProperty("supportTicketOpen");
        Assert.Empty(payload.UserErrorCodes());
        return payload.GetProperty("ticket");
    }

    public static async Task<JsonElement> ReplyAsync(GraphQLClient c, string ticketId, string message) =>
        (await c.DataAsync(Reply, new { ticketId, message })).GetProperty("supportTicketReply");

    public static async Task<JsonElement> SetStatusAsync(GraphQLClient c, string ticketId, string status) =>
        (await c.DataAsync(SetStatus, new { ticketId, status })).GetProperty("supportTicketSetStatus");

    /// <summary>The body of a support.reply callback, as the simulator sends it.</summary>
    public static string ReplyBody(string ticketNumber, string lineNumber, string message, string? id = null) =>
        JsonSerializer.Serialize(new
        {
            id = id ?? "evt_" + Guid.NewGuid().ToString("N"),
            type = "support.reply",
            occurredAt = HeadlessApp.Now.UtcDateTime.ToString("O"),
            reference = "REF-1",
            ticketReference = ticketNumber,
            lineNumber,
            message,
        });

    public static async Task<(System.Net.HttpStatusCode Status, JsonElement Body)> PostReplyAsync(HeadlessApp app, HttpClient http, string pharmacyId, string secret, string body, string? signature = null)
    {
        using var response = await PartnerCallbacks.PostAsync(http, pharmacyId, secret, body, app.Clock.GetUtcNow(), signature);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone());
    }

    public static Task<int> DrainAsync(HeadlessApp app) => app.Services.GetRequiredService<OutboxProcessor>().DrainOnceAsync("support-test", default);
}
