using System.ComponentModel;
using System.Globalization;
using GraphQL;
using Headless.Shared;

namespace Headless.Support;

/// <summary>Where a support ticket stands, stored as its <see cref="WireEnum{T}"/> string.</summary>
[Description("Where a support ticket stands, and who is expected to answer next.")]
public enum SupportTicketStatus
{
    [Description("Opened or reopened by the clinic; nobody has been asked yet.")]
    Open,

    [Description("The pharmacy has been sent the ticket and is expected to answer.")]
    WaitingOnPharmacy,

    [Description("The pharmacy answered; the clinic is expected to act or reply.")]
    WaitingOnClinic,

    [Description("Closed. A new message from either side reopens it.")]
    Resolved,
}

/// <summary>Who wrote a support ticket message, stored as its <see cref="WireEnum{T}"/> string.</summary>
[Name("SupportTicketAuthor")]
[Description("Who wrote a support ticket message.")]
public enum SupportTicketAuthor
{
    [Description("The clinic (a coordinator, through the brand's integration).")]
    Clinic,

    [Description("The partner pharmacy, through its signed callback.")]
    Pharmacy,
}

/// <summary>What a ticket change did, for its event and for the pharmacy notice.</summary>
public sealed record SupportTicketChange(SupportTicketStatus? From, SupportTicketStatus To, SupportTicketMessage? Message)
{
    public bool StatusChanged => From != To;

    /// <summary>The pharmacy must hear about it: the ticket now waits on it, or the clinic added to a ticket that already did.</summary>
    public bool TellsPharmacy => To == SupportTicketStatus.WaitingOnPharmacy && (StatusChanged || Message?.Author == SupportTicketAuthor.Clinic);
}

/// <summary>
/// A support ticket about one order line (and so one patient), opened by its clinic, with messages from the clinic and
/// the line's pharmacy. The ticket guards its own transitions: any status may be set by the clinic; a clinic message on
/// a RESOLVED or WAITING_ON_CLINIC ticket (re)opens it to OPEN (a clinic message on a ticket waiting on the pharmacy
/// keeps it waiting, and is forwarded); a pharmacy message always leaves it WAITING_ON_CLINIC. Every change bumps
/// <see cref="Version"/>, the optimistic concurrency token, so two concurrent changes never both apply to the same state.
/// </summary>
public sealed class SupportTicket : IEntity, ITenantOwned
{
    public const string TypeName = "SupportTicket";
    public const string NumberPrefix = "ST-";
    public const int MaxSubjectLength = 200;
    public const int MaxMessageLength = 5000;

    // Numbers start high enough to read as reference numbers and never collide with small integers in conversation.
    private const long NumberOffset = 10000;

    private readonly List<SupportTicketMessage> _messages = [];

    private SupportTicket()
    {
    }

    private SupportTicket(long organizationId, long clinicId, long orderId, long orderLineId, long patientId, string subject, DateTimeOffset now)
    {
        OrganizationId = organizationId;
        ClinicId = clinicId;
        OrderId = orderId;
        OrderLineId = orderLineId;
        PatientId = patientId;
        Subject = subject;
        Status = SupportTicketStatus.Open;
        CreatedAt = now;
        UpdatedAt = now;
        Version = 1;
    }

    public long Id { get; private set; }

    public long OrganizationId { get; private set; }

    public long ClinicId { get; private set; }

    public long OrderId { get; private set; }

    public long OrderLineId { get; private set; }

    public long PatientId { get; private set; }

    /// <summary>Free text from the clinic: may carry PHI, so it never leaves in events, logs or webhooks.</summary>
    public string Subject { get; private set; } = "";

    public SupportTicketStatus Status { get; private set; }

    /// <summary>Messages on the ticket, kept here so events can carry the count without reading the messages.</summary>
    public int MessageCount { get; private set; }

    public DateTimeOffset CreatedAt { get; private set; }

    public DateTimeOffset UpdatedAt { get; private set; }

    /// <summary>Grows with every change; the concurrency token.</summary>
    public int Version { get; private set; }

    public IReadOnlyList<SupportTicketMessage> Messages => _messages;

    public string Number => FormatNumber(Id);

    public static string FormatNumber(long id) => NumberPrefix + (NumberOffset + id).ToString(CultureInfo.InvariantCulture);

    public static bool TryParseNumber(string? number, out long id)
    {
        id = 0;
        if (number is null || !number.StartsWith(NumberPrefix, StringComparison.OrdinalIgnoreCase)
            || !long.TryParse(number.AsSpan(NumberPrefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out var n)
            || n <= NumberOffset)
        {
            return false;
        }

        id = n - NumberOffset;
        return true;
    }

    /// <summary>A new OPEN ticket with the clinic's first message. Subject and message are already checked (<see cref="SupportText"/>).</summary>
    public static (SupportTicket Ticket, SupportTicketChange Change) Open(
        long organizationId, long clinicId, long orderId, long orderLineId, long patientId, string subject, string message, DateTimeOffset now)
    {
        var ticket = new SupportTicket(organizationId, clinicId, orderId, orderLineId, patientId, subject, now);
        var first = ticket.AddMessage(SupportTicketAuthor.Clinic, message, null, now);
        return (ticket, new SupportTicketChange(null, SupportTicketStatus.Open, first));
    }

    /// <summary>A message from the clinic.</summary>
    public SupportTicketChange ReplyFromClinic(string body, DateTimeOffset now)
    {
        var from = Status;
        var to = Status is SupportTicketStatus.Resolved or SupportTicketStatus.WaitingOnClinic ? SupportTicketStatus.Open : Status;
        var message = AddMessage(SupportTicketAuthor.Clinic, body, null, now);
        Status = to;
        Touch(now);
        return new SupportTicketChange(from, to, message);
    }

    /// <summary>A message from the pharmacy, once per <paramref name="idempotencyKey"/> (the partner event id): the ticket then waits on the clinic.</summary>
    public SupportTicketChange ReplyFromPharmacy(string body, string idempotencyKey, DateTimeOffset now)
    {
        var from = Status;
        var message = AddMessage(SupportTicketAuthor.Pharmacy, body, idempotencyKey, now);
        Status = SupportTicketStatus.WaitingOnClinic;
        Touch(now);
        return new SupportTicketChange(from, Status, message);
    }

    /// <summary>Sets the status; null when it already is that status (nothing changes, no event).</summary>
    public SupportTicketChange? SetStatus(SupportTicketStatus status, DateTimeOffset now)
    {
        if (!Enum.IsDefined(status))
        {
            throw new ArgumentOutOfRangeException(nameof(status));
        }

        if (status == Status)
        {
            return null;
        }

        var from = Status;
        Status = status;
        Touch(now);
        return new SupportTicketChange(from, status, null);
    }

    private SupportTicketMessage AddMessage(SupportTicketAuthor author, string body, string? idempotencyKey, DateTimeOffset now)
    {
        var message = new SupportTicketMessage(this, author, body, idempotencyKey, now);
        _messages.Add(message);
        MessageCount++;
        return message;
    }

    private void Touch(DateTimeOffset now)
    {
        UpdatedAt = now > UpdatedAt ? now : UpdatedAt;
        Version++;
    }
}

/// <summary>One message on a support ticket. The body is free text (may carry PHI): shown to the clinic and sent to the pharmacy, nowhere else.</summary>
public sealed class SupportTicketMessage : IEntity, ITenantOwned
{
    public const string TypeName = "SupportTicketMessage";

    private SupportTicketMessage()
    {
    }

    internal SupportTicketMessage(SupportTicket ticket, SupportTicketAuthor author, string body, string? idempotencyKey, DateTimeOffset now)
    {
        Ticket = ticket;
        OrganizationId = ticket.OrganizationId;
        Author = author;
        Body = body;
        IdempotencyKey = idempotencyKey;
        CreatedAt = now;
    }

    public long Id { get; private set; }

    public long OrganizationId { get; private set; }

    public long TicketId { get; private set; }

    public SupportTicket Ticket { get; private set; } = null!;

    public SupportTicketAuthor Author { get; private set; }

    public string Body { get; private set; } = "";

    /// <summary>For a pharmacy message, the partner event id it came in: unique per ticket, so a redelivered event adds nothing.</summary>
    public string? IdempotencyKey { get; private set; }

    public DateTimeOffset CreatedAt { get; private set; }
}

/// <summary>Checks the free text of tickets: trimmed, not blank, within its length.</summary>
public static class SupportText
{
    public static string? Check(Headless.GraphQL.UserErrorList errors, string? value, int max, string label, string field)
    {
        var text = value?.Trim();
        if (string.IsNullOrEmpty(text))
        {
            errors.Add(Headless.GraphQL.UserErrorCode.Required, $"{label} is required and must not be blank.", field);
            return null;
        }

        if (text.Length > max)
        {
            errors.Add(Headless.GraphQL.UserErrorCode.TooLong, $"{label} must be at most {max} characters.", field);
            return null;
        }

        // PostgreSQL text refuses NUL; other control characters (line breaks aside) are never meant in a message.
        if (text.Any(c => char.IsControl(c) && c is not ('\n' or '\r' or '\t')))
        {
            errors.Add(Headless.GraphQL.UserErrorCode.InvalidFormat, $"{label} must not contain control characters.", field);
            return null;
        }

        return text;
    }
}
