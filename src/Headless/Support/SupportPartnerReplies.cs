using System.Text.Json;
using Headless.Data;
using Headless.Partners;
using Microsoft.EntityFrameworkCore;

namespace Headless.Support;

/// <summary>
/// support.reply, a pharmacy's answer to a ticket, posted to /partners/{pharmacyId}/events like its line callbacks
/// (and verified the same way before it gets here):
/// <c>{ id, type: "support.reply", occurredAt?, ticketReference: "ST-10001", lineNumber: "HX-10042-01", message }</c>.
/// The reply adds one PHARMACY message and leaves the ticket WAITING_ON_CLINIC, with a support_ticket.updated event.
/// Answers: 400 for an invalid body; 404 when the ticket is unknown or its line is not this pharmacy's (it learns
/// nothing about other tickets); 200 <c>{"duplicate":true}</c> for an event id applied before;
/// 200 <c>{"duplicate":false,"status":…,"messageCount":…}</c> when applied; 503 when the ticket stays too busy.
/// The event id is recorded (PartnerEventRecord) in the same transaction as the message, and the message carries it
/// under a unique (ticket, key) index, so two deliveries of one event add one message on every provider.
/// </summary>
internal sealed class SupportPartnerReplies(HeadlessDatabase database, TimeProvider clock) : IPartnerEventHandler
{
    public const string EventType = "support.reply";

    public string Type => EventType;

    public async Task<PartnerEventAnswer> HandleAsync(long pharmacyId, JsonElement body, CancellationToken ct)
    {
        string? problem = null;
        var id = PartnerEventBody.Text(body, "id", 200, true, ref problem);
        var reference = PartnerEventBody.Text(body, "ticketReference", 40, true, ref problem);
        var lineNumber = PartnerEventBody.Text(body, "lineNumber", 40, true, ref problem);
        var message = PartnerEventBody.Text(body, "message", SupportTicket.MaxMessageLength, true, ref problem, multiline: true);
        if (problem is not null)
        {
            return new PartnerEventAnswer(StatusCodes.Status400BadRequest, new { error = problem });
        }

        var outcome = await Contention.RetryAsync(async _ => await ApplyAsync(pharmacyId, id!, reference!, lineNumber!, message!, ct), ct);
        return outcome ?? new PartnerEventAnswer(StatusCodes.Status503ServiceUnavailable, new { error = "The ticket is busy; deliver the event again." });
    }

    private async Task<PartnerEventAnswer> ApplyAsync(long pharmacyId, string eventId, string reference, string lineNumber, string message, CancellationToken ct)
    {
        var notFound = new PartnerEventAnswer(StatusCodes.Status404NotFound, new { error = "No such ticket." });
        if (!SupportTicket.TryParseNumber(reference, out var ticketId))
        {
            return notFound;
        }

        await using var db = database.CreatePlatformContext();
        var ticket = await db.Set<SupportTicket>().IgnoreQueryFilters().FirstOrDefaultAsync(t => t.Id == ticketId, ct);
        var line = ticket is null ? null : await SupportLineFacts.LoadAsync(db, ticket.OrderLineId, platform: true, ct);
        if (ticket is null || line is null || line.PharmacyId != pharmacyId || !string.Equals(line.LineNumber, lineNumber, StringComparison.OrdinalIgnoreCase))
        {
            return notFound;
        }

        if (await db.Set<PartnerEventRecord>().AsNoTracking().AnyAsync(r => r.PharmacyId == pharmacyId && r.EventId == eventId, ct))
        {
            return new PartnerEventAnswer(StatusCodes.Status200OK, new { duplicate = true });
        }

        var now = clock.GetUtcNow();
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var change = ticket.ReplyFromPharmacy(message, eventId, now);
        db.Set<PartnerEventRecord>().Add(new PartnerEventRecord(pharmacyId, eventId, EventType, now));
        SupportEvents.Append(db, ticket, change, line, now);

        // A concurrent delivery of the same event loses on the record's key (or the ticket's version) and is retried,
        // and then finds the record: a duplicate.
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        return new PartnerEventAnswer(StatusCodes.Status200OK, new { duplicate = false, status = Shared.WireEnum<SupportTicketStatus>.ToWire(ticket.Status), messageCount = ticket.MessageCount });
    }
}
