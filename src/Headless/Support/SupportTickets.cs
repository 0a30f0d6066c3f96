using Headless.Data;
using Headless.GraphQL;
using Microsoft.EntityFrameworkCore;

namespace Headless.Support;

public sealed record OpenSupportTicket(long? LineId, string? Subject, string? Message);

public sealed record ReplyToSupportTicket(long? TicketId, string? Message);

public sealed record SetSupportTicketStatus(long? TicketId, SupportTicketStatus Status);

/// <summary>The ticket changed (or left as it was), or why not: nothing is changed when there are userErrors.</summary>
public sealed record SupportTicketResult(long? TicketId, IReadOnlyList<UserError> UserErrors);

/// <summary>
/// The clinic's side of support tickets, within the caller's organization. Each change is one transaction: the ticket,
/// its message, its event and (when the ticket now waits on the pharmacy) the pharmacy's notice commit together or not
/// at all. Races on one ticket (its version token) and lock waits are retried, then answered BUSY_RETRY.
/// </summary>
public sealed class SupportTickets(IDbContextFactory<HeadlessDbContext> contexts, TimeProvider clock)
{
    public const string LineNotFound = "No order line with this ID exists in your organization.";
    public const string TicketNotFound = "No support ticket with this ID exists in your organization.";

    public async Task<SupportTicketResult> OpenAsync(OpenSupportTicket command, CancellationToken ct)
    {
        var errors = new UserErrorList();
        var subject = SupportText.Check(errors, command.Subject, SupportTicket.MaxSubjectLength, "The subject", "subject");
        var message = SupportText.Check(errors, command.Message, SupportTicket.MaxMessageLength, "The message", "message");
        var result = await Contention.RetryAsync(
            async _ =>
            {
                await using var db = await contexts.CreateDbContextAsync(ct);

                // Not found first, so another organization's line answers exactly like a missing one.
                var line = command.LineId is { } lineId ? await SupportLineFacts.LoadAsync(db, lineId, platform: false, ct) : null;
                if (line is null)
                {
                    return new SupportTicketResult(null, [new UserError(UserErrorCode.NotFound, ["lineId"], LineNotFound), .. errors]);
                }

                if (errors.Count > 0)
                {
                    return new SupportTicketResult(null, errors);
                }

                var now = clock.GetUtcNow();
                await using var tx = await db.Database.BeginTransactionAsync(ct);
                var (ticket, change) = SupportTicket.Open(db.CurrentOrganizationId, line.ClinicId, line.OrderId, line.LineId, line.PatientId, subject!, message!, now);
                db.Add(ticket);
                await db.SaveChangesAsync(ct); // the ticket's key, for its event's subject
                SupportEvents.Append(db, ticket, change, line, now);
                await db.SaveChangesAsync(ct);
                await tx.CommitAsync(ct);
                return new SupportTicketResult(ticket.Id, []);
            },
            ct);
        return result ?? new SupportTicketResult(null, [BusyRetry.Error("lineId")]);
    }

    public Task<SupportTicketResult> ReplyAsync(ReplyToSupportTicket command, CancellationToken ct)
    {
        var errors = new UserErrorList();
        var message = SupportText.Check(errors, command.Message, SupportTicket.MaxMessageLength, "The message", "message");
        return ChangeAsync(command.TicketId, errors, (ticket, _, now) => ticket.ReplyFromClinic(message!, now), ct);
    }

    public Task<SupportTicketResult> SetStatusAsync(SetSupportTicketStatus command, CancellationToken ct)
    {
        var errors = new UserErrorList();
        if (!Enum.IsDefined(command.Status))
        {
            errors.Add(UserErrorCode.InvalidValue, "Not a support ticket status.", "status");
        }

        return ChangeAsync(
            command.TicketId,
            errors,
            (ticket, line, now) =>
            {
                if (command.Status == SupportTicketStatus.WaitingOnPharmacy && line.PartnerOrderId is null)
                {
                    // Never paid for, so never sent: no pharmacy knows this line.
                    errors.Add(UserErrorCode.InvalidValue, "This line was never sent to a pharmacy, so there is no pharmacy to ask.", "status");
                    return null;
                }

                return ticket.SetStatus(command.Status, now);
            },
            ct);
    }

    private async Task<SupportTicketResult> ChangeAsync(
        long? ticketId, UserErrorList errors, Func<SupportTicket, SupportLineFacts, DateTimeOffset, SupportTicketChange?> change, CancellationToken ct)
    {
        var result = await Contention.RetryAsync(
            async _ =>
            {
                await using var db = await contexts.CreateDbContextAsync(ct);
                var ticket = ticketId is { } id ? await db.Set<SupportTicket>().FirstOrDefaultAsync(t => t.Id == id, ct) : null;
                if (ticket is null)
                {
                    return new SupportTicketResult(null, [new UserError(UserErrorCode.NotFound, ["ticketId"], TicketNotFound), .. errors]);
                }

                if (errors.Count > 0)
                {
                    return new SupportTicketResult(null, errors);
                }

                var line = await SupportLineFacts.LoadAsync(db, ticket.OrderLineId, platform: false, ct)
                    ?? throw new InvalidOperationException($"Support ticket {ticket.Id} has no line.");
                var now = clock.GetUtcNow();
                var applied = change(ticket, line, now);
                if (errors.Count > 0)
                {
                    return new SupportTicketResult(null, [.. errors]);
                }

                if (applied is null)
                {
                    return new SupportTicketResult(ticket.Id, []); // already so: nothing changes, no event
                }

                await using var tx = await db.Database.BeginTransactionAsync(ct);
                SupportEvents.Append(db, ticket, applied, line, now);
                if (applied.TellsPharmacy)
                {
                    SupportPharmacyNotice.Enqueue(db, ticket, now);
                }

                await db.SaveChangesAsync(ct);
                await tx.CommitAsync(ct);
                return new SupportTicketResult(ticket.Id, []);
            },
            ct);
        return result ?? new SupportTicketResult(null, [BusyRetry.Error("ticketId")]);
    }
}
