using Headless.Data;
using Headless.Fulfillment;
using Headless.GraphQL;
using Headless.Outbox;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Headless.Support;

/// <summary>
/// support-ticket.notify-pharmacy: tells the line's pharmacy that a ticket waits on it. Queued in the transaction of
/// the change that made it wait (or of a clinic message while it waits), keyed by the ticket's version, so one change
/// is one notice; the payload is keys only, the handler reads the ticket fresh.
/// </summary>
public static class SupportPharmacyNotice
{
    public const string Kind = "support-ticket.notify-pharmacy";

    /// <summary>How many of the latest messages the pharmacy receives with each notice.</summary>
    public const int LatestMessages = 10;

    public static string Key(long ticketId, int version) => $"support-ticket-{ticketId}-v{version}";

    public static void Enqueue(HeadlessDbContext db, SupportTicket ticket, DateTimeOffset now) =>
        OutboxQueue.Enqueue(db, Kind, Key(ticket.Id, ticket.Version), new SupportTicketNotice(ticket.Id, ticket.Version), ticket.OrganizationId, now);
}

/// <summary>Payload of a support-ticket.notify-pharmacy message.</summary>
public sealed record SupportTicketNotice(long TicketId, int Version);

internal sealed class SupportPharmacyNoticeHandler(HeadlessDatabase database, IPharmacyAdapter adapter, IOptions<PartnerOptions> options, ILogger<SupportPharmacyNoticeHandler> logger)
    : IOutboxHandler
{
    public string Kind => SupportPharmacyNotice.Kind;

    public async Task HandleAsync(OutboxMessage message, CancellationToken ct)
    {
        var notice = OutboxQueue.Read<SupportTicketNotice>(message);
        await using var db = database.CreatePlatformContext();
        var ticket = await db.Set<SupportTicket>().IgnoreQueryFilters().AsNoTracking().FirstAsync(t => t.Id == notice.TicketId, ct);
        if (ticket.Status != SupportTicketStatus.WaitingOnPharmacy)
        {
            // Answered, resolved or taken back meanwhile: there is nothing left to ask.
            logger.LogInformation("Support ticket {TicketId} no longer waits on the pharmacy; notice {Version} not sent", ticket.Id, notice.Version);
            return;
        }

        var line = await SupportLineFacts.LoadAsync(db, ticket.OrderLineId, platform: true, ct) ?? throw new InvalidOperationException($"Order line {ticket.OrderLineId} is gone.");
        var pharmacy = await db.Pharmacies.AsNoTracking().FirstAsync(p => p.Id == line.PharmacyId, ct);
        var partnerOrder = line.PartnerOrderId is { } id ? await db.PartnerOrders.IgnoreQueryFilters().AsNoTracking().FirstAsync(p => p.Id == id, ct) : null;
        if (!pharmacy.HasIntegration || partnerOrder is null)
        {
            // A pharmacy without an API is reached by other means (phone, portal); nothing to send from here.
            logger.LogInformation("Support ticket {TicketId}: pharmacy {PharmacyId} has no API integration; left for the clinic to reach by other means", ticket.Id, pharmacy.Id);
            return;
        }

        if (partnerOrder.Status != PartnerOrderStatus.Submitted || partnerOrder.ExternalReference is null)
        {
            // The pharmacy does not know the order yet; ask again once the submission went through.
            throw new InvalidOperationException("Partner order not submitted yet.");
        }

        var latest = await db.Set<SupportTicketMessage>().IgnoreQueryFilters().AsNoTracking()
            .Where(m => m.TicketId == ticket.Id)
            .OrderByDescending(m => m.Id)
            .Take(SupportPharmacyNotice.LatestMessages)
            .ToListAsync(ct);
        var document = new PartnerSupportMessage(
            ticket.Number,
            ticket.Subject,
            $"{options.Value.CallbackBaseUrl.TrimEnd('/')}/partners/{GlobalId.Encode("Pharmacy", pharmacy.Id)}/events",
            latest.AsEnumerable().Reverse().Select(m => new PartnerSupportEntry(Shared.WireEnum<SupportTicketAuthor>.ToWire(m.Author), m.Body, m.CreatedAt)).ToList());
        await adapter.SendSupportMessageAsync(pharmacy, partnerOrder.ExternalReference, line.LineNumber, document, message.Key, ct);
        logger.LogInformation("Support ticket {TicketId} sent to pharmacy {PharmacyId} (version {Version})", ticket.Id, pharmacy.Id, notice.Version);
    }
}
