using GraphQL;
using GraphQL.Types;
using Headless.Data;
using Headless.GraphQL;
using Headless.Outbox;
using Headless.Partners;
using Microsoft.EntityFrameworkCore;

namespace Headless.Support;

internal sealed class SupportSchema : ISchemaContribution
{
    public void AddQueryFields(ObjectGraphType query) =>
        query.Field<NonNullGraphType<ConnectionType<SupportTicketType, SupportTicketView>>>("supportTickets")
            .Description("Your organization's support tickets, oldest first. At most 100 per page. The tickets of one order line: filter { lineId }.")
            .Argument<SupportTicketFilterType>("filter", "Which tickets; every given field must match.")
            .PagingArguments()
            .ResolveAsync(async ctx =>
            {
                var (first, after) = ctx.ReadPaging();
                var filter = ctx.GetArgument<SupportTicketFilterInput?>("filter");
                var contexts = ctx.Service<IDbContextFactory<HeadlessDbContext>>();
                return await ctx.WithDbAsync(async (db, ct) =>
                {
                    var page = await Filter(db.Set<SupportTicket>().AsNoTracking(), filter).ToConnectionAsync(first, after, ct);
                    var views = await SupportTicketView.LoadAsync(db, contexts, page.Edges.Select(e => e.Node).ToList(), ct);
                    return new Connection<SupportTicketView>(
                        page.Edges.Zip(views, (e, v) => new Edge<SupportTicketView>(e.Cursor, v)).ToList(),
                        page.PageInfo,
                        page.TotalCount);
                });
            });

    public void AddMutationFields(ObjectGraphType mutation)
    {
        mutation.Field<NonNullGraphType<SupportTicketPayloadType>>("supportTicketOpen")
            .Description($"Opens a support ticket about one order line (and so its patient), with the clinic's first message. The ticket starts OPEN; set it to WAITING_ON_PHARMACY to send it to the line's pharmacy. Subject 1 to {SupportTicket.MaxSubjectLength} characters, message 1 to {SupportTicket.MaxMessageLength}, both trimmed.")
            .Argument<NonNullGraphType<IdGraphType>>("lineId", "The order line the ticket is about.")
            .Argument<NonNullGraphType<StringGraphType>>("subject", "What the ticket is about.")
            .Argument<NonNullGraphType<StringGraphType>>("message", "The first message.")
            .ResolveAsync(async ctx =>
            {
                var result = await ctx.Service<SupportTickets>().OpenAsync(
                    new OpenSupportTicket(Decode(ctx.GetArgument<string>("lineId"), "OrderLine"), ctx.GetArgument<string>("subject"), ctx.GetArgument<string>("message")),
                    ctx.CancellationToken);
                return await PayloadAsync(ctx, result);
            });

        mutation.Field<NonNullGraphType<SupportTicketPayloadType>>("supportTicketReply")
            .Description("Adds a clinic message to a ticket. A RESOLVED or WAITING_ON_CLINIC ticket becomes OPEN again; a ticket WAITING_ON_PHARMACY stays so, and the pharmacy is sent the new message.")
            .Argument<NonNullGraphType<IdGraphType>>("ticketId", "The ticket.")
            .Argument<NonNullGraphType<StringGraphType>>("message", $"The message, 1 to {SupportTicket.MaxMessageLength} characters (trimmed).")
            .ResolveAsync(async ctx =>
            {
                var result = await ctx.Service<SupportTickets>().ReplyAsync(
                    new ReplyToSupportTicket(Decode(ctx.GetArgument<string>("ticketId"), SupportTicket.TypeName), ctx.GetArgument<string>("message")),
                    ctx.CancellationToken);
                return await PayloadAsync(ctx, result);
            });

        mutation.Field<NonNullGraphType<SupportTicketPayloadType>>("supportTicketSetStatus")
            .Description("Sets a ticket's status. WAITING_ON_PHARMACY sends the ticket (subject and latest messages) to the line's pharmacy, which answers through its callback; setting the status a ticket already has changes nothing.")
            .Argument<NonNullGraphType<IdGraphType>>("ticketId", "The ticket.")
            .Argument<NonNullGraphType<EnumGraphType<SupportTicketStatus>>>("status", "The new status.")
            .ResolveAsync(async ctx =>
            {
                var result = await ctx.Service<SupportTickets>().SetStatusAsync(
                    new SetSupportTicketStatus(Decode(ctx.GetArgument<string>("ticketId"), SupportTicket.TypeName), ctx.GetArgument<SupportTicketStatus>("status")),
                    ctx.CancellationToken);
                return await PayloadAsync(ctx, result);
            });
    }

    internal static IQueryable<SupportTicket> Filter(IQueryable<SupportTicket> q, SupportTicketFilterInput? filter)
    {
        if (filter is null)
        {
            return q;
        }

        if (filter.Status is { } status)
        {
            q = q.Where(t => t.Status == status);
        }

        // An ID that does not decode names nothing: it matches no ticket, like an unknown one.
        if (filter.ClinicId is { } clinic)
        {
            var id = Decode(clinic, "Clinic") ?? -1;
            q = q.Where(t => t.ClinicId == id);
        }

        if (filter.LineId is { } line)
        {
            var id = Decode(line, "OrderLine") ?? -1;
            q = q.Where(t => t.OrderLineId == id);
        }

        if (filter.PatientId is { } patient)
        {
            var id = Decode(patient, "Patient") ?? -1;
            q = q.Where(t => t.PatientId == id);
        }

        return q;
    }

    private static long? Decode(string globalId, string type) => GlobalId.TryDecode(globalId, type, out var id) ? id : null;

    private static async Task<SupportTicketPayload> PayloadAsync(IResolveFieldContext ctx, SupportTicketResult result)
    {
        if (result.UserErrors.Count > 0 || result.TicketId is not { } id)
        {
            return new SupportTicketPayload(null, result.UserErrors);
        }

        var contexts = ctx.Service<IDbContextFactory<HeadlessDbContext>>();
        return new SupportTicketPayload(await ctx.WithDbAsync((db, ct) => SupportTicketView.FindAsync(db, contexts, id, ct)), []);
    }
}

public static class SupportServiceCollectionExtensions
{
    /// <summary>Support tickets: the schema, the clinic's commands, node(id), the pharmacy notice and the pharmacy's replies.</summary>
    public static IServiceCollection AddSupport(this IServiceCollection services)
    {
        services.AddSingleton<ISchemaContribution, SupportSchema>();
        services.AddScoped<SupportTickets>();
        services.AddScoped<IOutboxHandler, SupportPharmacyNoticeHandler>();
        services.AddSingleton<IPartnerEventHandler, SupportPartnerReplies>();
        services.AddSingleton(new NodeLoader(SupportTicket.TypeName, async (db, id, ctx, ct) =>
            await SupportTicketView.FindAsync(db, ctx.Service<IDbContextFactory<HeadlessDbContext>>(), id, ct)));
        return services;
    }
}
