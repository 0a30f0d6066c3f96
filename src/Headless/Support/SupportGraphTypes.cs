using GraphQL;
using GraphQL.Types;
using Headless.Clinics;
using Headless.Data;
using Headless.GraphQL;
using Headless.Orders;
using Headless.Patients;
using Microsoft.EntityFrameworkCore;

namespace Headless.Support;

public sealed class SupportTicketType : ObjectGraphType<SupportTicketView>
{
    public SupportTicketType()
    {
        Name = SupportTicket.TypeName;
        Description = "A support ticket about one order line, and so one patient, with the messages between the clinic and the line's pharmacy.";
        Interface<NodeInterface>();
        IsTypeOf = o => o is SupportTicketView;
        Field<NonNullGraphType<IdGraphType>>("id").Description("The ticket's opaque global ID.").Resolve(c => GlobalId.Encode(SupportTicket.TypeName, c.Source.Id));
        Field<NonNullGraphType<StringGraphType>>("number").Description("Human-readable ticket number, e.g. ST-10001: the reference the pharmacy answers with.").Resolve(c => c.Source.Ticket.Number);
        Field<NonNullGraphType<StringGraphType>>("subject").Description("What the ticket is about, as the clinic wrote it (free text: treat as patient data).").Resolve(c => c.Source.Ticket.Subject);
        Field<NonNullGraphType<EnumGraphType<SupportTicketStatus>>>("status").Description("Where the ticket stands and who is expected to answer.").Resolve(c => c.Source.Ticket.Status);
        Field<NonNullGraphType<PatientType>>("patient").Description("The patient of the ticket's line.").Resolve(c => c.Source.Line.Patient);
        Field<NonNullGraphType<OrderLineType>>("line").Description("The order line the ticket is about.").Resolve(c => c.Source.Line);
        Field<NonNullGraphType<StringGraphType>>("lineNumber").Description("The line's number, e.g. HX-10042-03.").Resolve(c => c.Source.Line.Number);
        Field<NonNullGraphType<StringGraphType>>("orderNumber").Description("The order's number, e.g. HX-10042.").Resolve(c => c.Source.Line.OrderNumber);
        Field<NonNullGraphType<ClinicType>>("clinic").Description("The clinic that placed the order.").Resolve(c => c.Source.Clinic);
        Field<NonNullGraphType<IntGraphType>>("messageCount").Description("How many messages the ticket has.").Resolve(c => c.Source.Ticket.MessageCount);
        Field<NonNullGraphType<ConnectionType<SupportTicketMessageType, SupportTicketMessage>>>("messages")
            .Description("The ticket's messages, oldest first. At most 100 per page.")
            .PagingArguments()
            .ResolveAsync(async c =>
            {
                var (first, after) = c.ReadPaging();
                return await c.Source.Messages.ForAsync(c.Source.Ticket, first, after, c.CancellationToken);
            });
        Field<NonNullGraphType<DateTimeScalar>>("createdAt").Description("When the ticket was opened.").Resolve(c => c.Source.Ticket.CreatedAt);
        Field<NonNullGraphType<DateTimeScalar>>("updatedAt").Description("When the ticket last changed (a message or a status).").Resolve(c => c.Source.Ticket.UpdatedAt);
    }
}

public sealed class SupportTicketMessageType : ObjectGraphType<SupportTicketMessage>
{
    public SupportTicketMessageType()
    {
        Name = SupportTicketMessage.TypeName;
        Description = "One message on a support ticket.";
        Field<NonNullGraphType<IdGraphType>>("id").Description("The message's opaque ID.").Resolve(c => GlobalId.Encode(SupportTicketMessage.TypeName, c.Source.Id));
        Field<NonNullGraphType<EnumGraphType<SupportTicketAuthor>>>("author").Description("Who wrote it: the clinic or the pharmacy.").Resolve(c => c.Source.Author);
        Field<NonNullGraphType<StringGraphType>>("body").Description("The text (free text: treat as patient data).").Resolve(c => c.Source.Body);
        Field<NonNullGraphType<DateTimeScalar>>("createdAt").Description("When it was written (for a pharmacy message, when it arrived).").Resolve(c => c.Source.CreatedAt);
    }
}

/// <summary>The filter of supportTickets, as the client sent it.</summary>
public sealed record SupportTicketFilterInput(SupportTicketStatus? Status, string? ClinicId, string? LineId, string? PatientId);

public sealed class SupportTicketFilterType : InputObjectGraphType<SupportTicketFilterInput>
{
    public SupportTicketFilterType()
    {
        Name = "SupportTicketFilter";
        Description = "Which support tickets to list; every given field must match. An ID that names nothing of your organization matches no ticket.";
        Field<EnumGraphType<SupportTicketStatus>>("status").Description("Only tickets in this status.");
        Field<IdGraphType>("clinicId").Description("Only tickets on this clinic's orders.");
        Field<IdGraphType>("lineId").Description("Only tickets on this order line.");
        Field<IdGraphType>("patientId").Description("Only tickets about this patient's lines.");
    }
}

/// <summary>Result of the support ticket mutations.</summary>
public sealed record SupportTicketPayload(SupportTicketView? Ticket, IReadOnlyList<UserError> UserErrors);

public sealed class SupportTicketPayloadType : ObjectGraphType<SupportTicketPayload>
{
    public SupportTicketPayloadType()
    {
        Name = "SupportTicketPayload";
        Description = "The result of a support ticket mutation.";
        Field<SupportTicketType>("ticket").Description("The ticket after the change; null when userErrors is not empty.").Resolve(c => c.Source.Ticket);
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<UserErrorType>>>>("userErrors")
            .Description("Problems with the input. When not empty, nothing was changed.").Resolve(c => c.Source.UserErrors);
    }
}
