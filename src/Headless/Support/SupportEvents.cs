using Headless.Data;
using Headless.Events;
using Headless.GraphQL;
using Headless.Orders;
using Microsoft.EntityFrameworkCore;

namespace Headless.Support;

/// <summary>What a ticket's events and notices need to know about its line, read in one query.</summary>
public sealed record SupportLineFacts(long LineId, long OrderId, int Position, long PatientId, long ClinicId, long PharmacyId, long? PartnerOrderId, string? PatientExternalId)
{
    public string OrderNumber => Order.FormatNumber(OrderId);

    public string LineNumber => OrderLine.FormatNumber(OrderNumber, Position);

    /// <summary>
    /// The facts of a line the context can see: only the caller's organization's, or with <paramref name="platform"/>
    /// every line (IgnoreQueryFilters applies to the whole query, the patient subquery included).
    /// </summary>
    public static Task<SupportLineFacts?> LoadAsync(HeadlessDbContext db, long lineId, bool platform, CancellationToken ct)
    {
        var lines = platform ? db.OrderLines.IgnoreQueryFilters() : db.OrderLines;
        return lines.AsNoTracking().Where(l => l.Id == lineId)
            .Select(l => new SupportLineFacts(
                l.Id, l.OrderId, l.Position, l.PatientId, l.Order.ClinicId, l.PharmacyId, l.PartnerOrderId,
                db.Patients.Where(p => p.Id == l.PatientId).Select(p => p.ExternalId).FirstOrDefault()))
            .FirstOrDefaultAsync(ct);
    }
}

/// <summary>
/// Writes support_ticket.opened and support_ticket.updated into the caller's unit of work. The payload carries
/// identifiers, numbers, statuses, the author and the message count: never the subject or a message's text, which are
/// free text and may hold patient data, and never a name.
/// </summary>
public static class SupportEvents
{
    public static DomainEvent Append(HeadlessDbContext db, SupportTicket ticket, SupportTicketChange change, SupportLineFacts line, DateTimeOffset now) =>
        EventLog.Append(
            db,
            ticket.OrganizationId,
            change.From is null ? EventTypes.SupportTicketOpened : EventTypes.SupportTicketUpdated,
            new EventSubject(EventSubjectKind.SupportTicket, ticket.Id, ticket.Number, line.OrderId, line.ClinicId),
            null,
            now,
            new
            {
                ticketId = GlobalId.Encode(SupportTicket.TypeName, ticket.Id),
                number = ticket.Number,
                lineId = GlobalId.Encode("OrderLine", line.LineId),
                lineNumber = line.LineNumber,
                orderId = GlobalId.Encode("Order", line.OrderId),
                orderNumber = line.OrderNumber,
                clinicId = GlobalId.Encode("Clinic", line.ClinicId),
                patientExternalId = line.PatientExternalId,
                from = change.From,
                status = change.To,
                author = change.Message?.Author,
                messageCount = ticket.MessageCount,
                version = ticket.Version,
            });
}
