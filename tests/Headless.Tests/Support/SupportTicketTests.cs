using System.Net;
using System.Text.Json;
using Headless.Data;
using Headless.Events;
using Headless.Fulfillment;
using Headless.Outbox;
using Headless.Support;
using Headless.Tests.Infrastructure;
using Headless.Tests.Partners;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using static Headless.Tests.Support.SupportTicketHarness;

namespace Headless.Tests.Support;

/// <summary>Support tickets on order lines: the clinic's mutations, the event log, the pharmacy notice and the pharmacy's signed replies.</summary>
public abstract class SupportTicketTests(DatabaseProvider provider, PostgresServer? postgres) : ProviderTest(provider, postgres)
{
    private readonly RecordingPharmacyAdapter _adapter = new();

    protected override void ConfigureServices(IServiceCollection services) => services.AddSingleton<IPharmacyAdapter>(_adapter);

    /// <summary>An order of two lines at two pharmacies, submitted to them (so each has a partner reference).</summary>
    private async Task<CallbackOrder> OrderAsync(string name = "Support Org")
    {
        var f = await CartData.CreateAsync(App, 3, name);
        var order = await PartnerCallbacks.CheckoutAsync(App, f, [f.Catalog.SemaEast, f.Catalog.SemaWest], "support-" + name);
        Assert.Equal(2, await DrainAsync(App));
        return order;
    }

    private async Task<List<DomainEvent>> TicketEventsAsync(long organizationId)
    {
        await using var db = App.Database.CreatePlatformContext();
        return await db.Events.IgnoreQueryFilters().AsNoTracking()
            .Where(e => e.OrganizationId == organizationId && e.SubjectType == EventSubjectKind.SupportTicket)
            .OrderBy(e => e.Position).ToListAsync();
    }

    [ProviderFact]
    public async Task Open_reply_and_status_changes_move_the_ticket_as_documented()
    {
        var o = await OrderAsync();
        var c = o.Client;
        var line = o.Lines[0];
        var ticket = await OpenAsync(c, line.Id, "  Delivery date  ", "  When will this ship?  ");
        var id = ticket.GetProperty("id").GetString()!;
        Assert.Equal(("OPEN", 1, "Delivery date", line.Number, o.Number), (ticket.GetProperty("status").GetString(), ticket.GetProperty("messageCount").GetInt32(), ticket.GetProperty("subject").GetString(), ticket.GetProperty("lineNumber").GetString(), ticket.GetProperty("orderNumber").GetString()));
        Assert.Equal(line.Id, ticket.At("line.id").GetString());
        Assert.Equal(o.Fixture.Patients[0], ticket.At("patient.id").GetString());
        Assert.Equal(o.Fixture.ClinicId, ticket.At("clinic.id").GetString());
        Assert.Equal(("CLINIC", "When will this ship?"), (ticket.At("messages.nodes.0.author").GetString(), ticket.At("messages.nodes.0.body").GetString()));
        Assert.Matches("^ST-1[0-9]{4}$", ticket.GetProperty("number").GetString());

        var steps = new (Func<Task<JsonElement>> Act, string Status, int Messages)[]
        {
            (() => ReplyAsync(c, id, "Any news?"), "OPEN", 2),
            (() => SetStatusAsync(c, id, "RESOLVED"), "RESOLVED", 2),
            (() => ReplyAsync(c, id, "Reopening: still not here."), "OPEN", 3),
            (() => SetStatusAsync(c, id, "WAITING_ON_CLINIC"), "WAITING_ON_CLINIC", 3),
            (() => ReplyAsync(c, id, "Here is the answer."), "OPEN", 4),
            (() => SetStatusAsync(c, id, "OPEN"), "OPEN", 4),
        };
        foreach (var (act, status, messages) in steps)
        {
            var payload = await act();
            Assert.Empty(payload.UserErrorCodes());
            Assert.Equal((status, messages, messages), (payload.At("ticket.status").GetString(), payload.At("ticket.messageCount").GetInt32(), payload.At("ticket.messages.totalCount").GetInt32()));
        }

        var read = (await c.DataAsync(Node, new { id })).GetProperty("node");
        Assert.Equal(["CLINIC", "CLINIC", "CLINIC", "CLINIC"], read.At("messages.nodes").EnumerateArray().Select(m => m.GetProperty("author").GetString()));
        Assert.Equal("Here is the answer.", read.At("messages.nodes.3.body").GetString());

        var byLine = (await c.DataAsync(List, new { filter = new { lineId = line.Id } })).GetProperty("supportTickets");
        Assert.Equal(1, byLine.GetProperty("totalCount").GetInt32());
        Assert.Equal(0, (await c.DataAsync(List, new { filter = new { lineId = o.Lines[1].Id } })).At("supportTickets.totalCount").GetInt32());

        // Setting the status the ticket has is no change: opened, then five updates (the last step wrote nothing).
        var events = await TicketEventsAsync(o.Fixture.Tenant.OrganizationId);
        Assert.Equal([EventTypes.SupportTicketOpened, .. Enumerable.Repeat(EventTypes.SupportTicketUpdated, 5)], events.Select(e => e.Type));
        Assert.Empty(_adapter.SupportMessages);
    }

    [ProviderFact]
    public async Task Events_carry_identifiers_statuses_and_counts_but_no_subject_message_or_name()
    {
        var o = await OrderAsync();
        var c = o.Client;
        const string subject = "Pat00 Doe reports nausea";
        const string first = "Pat00 Doe says the dose 0.25 mg makes her sick";
        const string second = "Follow-up about Doe: please call";
        var ticket = await OpenAsync(c, o.Lines[0].Id, subject, first);
        var id = ticket.GetProperty("id").GetString()!;
        Assert.Empty((await ReplyAsync(c, id, second)).UserErrorCodes());
        Assert.Empty((await SetStatusAsync(c, id, "WAITING_ON_PHARMACY")).UserErrorCodes());

        var events = await TicketEventsAsync(o.Fixture.Tenant.OrganizationId);
        Assert.Equal(3, events.Count);
        foreach (var e in events)
        {
            Assert.DoesNotContain("Pat00", e.Payload, StringComparison.Ordinal);
            Assert.DoesNotContain("Doe", e.Payload, StringComparison.Ordinal);
            Assert.DoesNotContain("nausea", e.Payload, StringComparison.Ordinal);
            Assert.DoesNotContain("sick", e.Payload, StringComparison.Ordinal);
            Assert.DoesNotContain("call", e.Payload, StringComparison.Ordinal);
            var names = JsonDocument.Parse(e.Payload).RootElement.EnumerateObject().Select(p => p.Name).ToList();
            Assert.DoesNotContain("subject", names);
            Assert.DoesNotContain("body", names);
            Assert.DoesNotContain("message", names);
            Assert.Equal(id, e.Subject.GlobalId);
            Assert.Equal(ticket.GetProperty("number").GetString(), e.SubjectNumber);
        }

        var payloads = events.Select(e => JsonDocument.Parse(e.Payload).RootElement).ToList();
        Assert.All(payloads, p =>
        {
            Assert.Equal(id, p.GetProperty("ticketId").GetString());
            Assert.Equal(o.Lines[0].Number, p.GetProperty("lineNumber").GetString());
            Assert.Equal(o.Number, p.GetProperty("orderNumber").GetString());
            Assert.Equal("P-000", p.GetProperty("patientExternalId").GetString());
        });
        Assert.Equal([null, "OPEN", "OPEN"], payloads.Select(p => p.GetProperty("from").GetString()));
        Assert.Equal(["OPEN", "OPEN", "WAITING_ON_PHARMACY"], payloads.Select(p => p.GetProperty("status").GetString()));
        Assert.Equal(["CLINIC", "CLINIC", null], payloads.Select(p => p.GetProperty("author").GetString()));
        Assert.Equal([1, 2, 2], payloads.Select(p => p.GetProperty("messageCount").GetInt32()));

        // The API's event log shows the same, with the ticket as the subject.
        var log = (await c.DataAsync("query { events(first: 50, types: [\"support_ticket.opened\", \"support_ticket.updated\"]) { nodes { type subject { type id number } } } }")).At("events.nodes");
        Assert.Equal(3, log.GetArrayLength());
        Assert.All(log.EnumerateArray(), e => Assert.Equal(("SUPPORT_TICKET", id), (e.At("subject.type").GetString(), e.At("subject.id").GetString())));
    }

    [ProviderFact]
    public async Task Waiting_on_pharmacy_queues_one_notice_in_the_same_transaction_and_delivering_it_calls_the_pharmacy()
    {
        var o = await OrderAsync();
        var c = o.Client;
        var ticket = await OpenAsync(c, o.Lines[0].Id, "Dose question", "Is 0.25 mg right for week one?");
        var id = ticket.GetProperty("id").GetString()!;
        Assert.Equal(0, await DrainAsync(App));

        var waiting = await SetStatusAsync(c, id, "WAITING_ON_PHARMACY");
        Assert.Equal("WAITING_ON_PHARMACY", waiting.At("ticket.status").GetString());
        Assert.Equal("WAITING_ON_PHARMACY", (await SetStatusAsync(c, id, "WAITING_ON_PHARMACY")).At("ticket.status").GetString());
        await using (var db = App.Database.CreatePlatformContext())
        {
            var notices = await db.OutboxMessages.Where(m => m.Kind == SupportPharmacyNotice.Kind).ToListAsync();
            var notice = Assert.Single(notices);
            Assert.Equal(OutboxStatus.Pending, notice.Status);
            Assert.DoesNotContain("Dose", notice.Payload, StringComparison.Ordinal);
        }

        Assert.Equal(1, await DrainAsync(App));
        var sent = Assert.Single(_adapter.SupportMessages);
        Assert.Equal(o.Lines[0].Number, sent.LineNumber);
        Assert.StartsWith("REF-", sent.Reference, StringComparison.Ordinal);
        Assert.Equal(ticket.GetProperty("number").GetString(), sent.Message.TicketReference);
        Assert.Equal("Dose question", sent.Message.Subject);
        Assert.Equal([("CLINIC", "Is 0.25 mg right for week one?")], sent.Message.Messages.Select(m => (m.Author, m.Body)));
        Assert.EndsWith($"/partners/{o.Lines[0].PharmacyId}/events", sent.Message.CallbackUrl, StringComparison.Ordinal);

        // A clinic message while the ticket waits on the pharmacy is forwarded too, with the thread so far.
        Assert.Equal("WAITING_ON_PHARMACY", (await ReplyAsync(c, id, "Also: can it ship Friday?")).At("ticket.status").GetString());
        Assert.Equal(1, await DrainAsync(App));
        Assert.Equal(2, _adapter.SupportMessages.Count);
        Assert.Equal(2, _adapter.SupportMessages.Last().Message.Messages.Count);
        Assert.Equal(2, _adapter.SupportMessages.Select(m => m.Key).Distinct().Count());
        await using (var db = App.Database.CreatePlatformContext())
        {
            Assert.All(await db.OutboxMessages.Where(m => m.Kind == SupportPharmacyNotice.Kind).ToListAsync(), m => Assert.Equal(OutboxStatus.Done, m.Status));
        }
    }

    [ProviderFact]
    public async Task A_signed_pharmacy_reply_adds_one_message_even_when_delivered_twice()
    {
        var o = await OrderAsync();
        var c = o.Client;
        var line = o.Lines[0];
        var ticket = await OpenAsync(c, line.Id);
        var id = ticket.GetProperty("id").GetString()!;
        var number = ticket.GetProperty("number").GetString()!;
        Assert.Empty((await SetStatusAsync(c, id, "WAITING_ON_PHARMACY")).UserErrorCodes());
        using var http = App.CreateClient();

        var body = ReplyBody(number, line.Number, "It ships tomorrow by UPS.", "evt_support_1");
        var first = await PostReplyAsync(App, http, line.PharmacyId, o.SecretOf(line), body);
        var again = await PostReplyAsync(App, http, line.PharmacyId, o.SecretOf(line), body);
        Assert.Equal(HttpStatusCode.OK, first.Status);
        Assert.Equal((false, "WAITING_ON_CLINIC", 2), (first.Body.GetProperty("duplicate").GetBoolean(), first.Body.GetProperty("status").GetString(), first.Body.GetProperty("messageCount").GetInt32()));
        Assert.Equal(HttpStatusCode.OK, again.Status);
        Assert.True(again.Body.GetProperty("duplicate").GetBoolean());

        var read = (await c.DataAsync(Node, new { id })).GetProperty("node");
        Assert.Equal(("WAITING_ON_CLINIC", 2), (read.GetProperty("status").GetString(), read.GetProperty("messageCount").GetInt32()));
        Assert.Equal(("PHARMACY", "It ships tomorrow by UPS."), (read.At("messages.nodes.1.author").GetString(), read.At("messages.nodes.1.body").GetString()));

        var events = await TicketEventsAsync(o.Fixture.Tenant.OrganizationId);
        Assert.Equal(3, events.Count);
        var reply = JsonDocument.Parse(events[^1].Payload).RootElement;
        Assert.Equal(("WAITING_ON_PHARMACY", "WAITING_ON_CLINIC", "PHARMACY", 2), (reply.GetProperty("from").GetString(), reply.GetProperty("status").GetString(), reply.GetProperty("author").GetString(), reply.GetProperty("messageCount").GetInt32()));
        Assert.DoesNotContain("UPS", events[^1].Payload, StringComparison.Ordinal);

        // The clinic answers: OPEN again.
        Assert.Equal("OPEN", (await ReplyAsync(c, id, "Thanks!")).At("ticket.status").GetString());
    }

    [ProviderFact]
    public async Task Concurrent_deliveries_of_one_reply_add_one_message()
    {
        var o = await OrderAsync();
        var line = o.Lines[0];
        var ticket = await OpenAsync(o.Client, line.Id);
        var body = ReplyBody(ticket.GetProperty("number").GetString()!, line.Number, "On it.", "evt_race");
        var answers = await Task.WhenAll(Enumerable.Range(0, 4).Select(async _ =>
        {
            using var http = App.CreateClient();
            return await PostReplyAsync(App, http, line.PharmacyId, o.SecretOf(line), body);
        }));

        Assert.All(answers, a => Assert.Equal(HttpStatusCode.OK, a.Status));
        Assert.Single(answers, a => !a.Body.GetProperty("duplicate").GetBoolean());
        var read = (await o.Client.DataAsync(Node, new { id = ticket.GetProperty("id").GetString() })).GetProperty("node");
        Assert.Equal(2, read.GetProperty("messageCount").GetInt32());
        Assert.Equal(2, read.At("messages.totalCount").GetInt32());
        Assert.Equal(2, (await TicketEventsAsync(o.Fixture.Tenant.OrganizationId)).Count);
    }

    [ProviderFact]
    public async Task Concurrent_clinic_replies_each_land_once_with_their_own_event()
    {
        var o = await OrderAsync();
        var ticket = await OpenAsync(o.Client, o.Lines[0].Id);
        var id = ticket.GetProperty("id").GetString()!;
        var replies = await Task.WhenAll(Enumerable.Range(0, 5).Select(i => ReplyAsync(o.Client, id, $"Reply {i}")));

        Assert.All(replies, r => Assert.Empty(r.UserErrorCodes()));
        var read = (await o.Client.DataAsync(Node, new { id })).GetProperty("node");
        Assert.Equal((6, 6), (read.GetProperty("messageCount").GetInt32(), read.At("messages.totalCount").GetInt32()));
        var events = await TicketEventsAsync(o.Fixture.Tenant.OrganizationId);
        Assert.Equal(6, events.Count);
        Assert.Equal([1, 2, 3, 4, 5, 6], events.Select(e => JsonDocument.Parse(e.Payload).RootElement.GetProperty("messageCount").GetInt32()));
    }

    [ProviderFact]
    public async Task A_reply_with_a_bad_signature_or_for_another_pharmacys_line_or_a_bad_body_changes_nothing()
    {
        var o = await OrderAsync();
        var line = o.Lines[0];
        var other = o.Lines[1];
        var ticket = await OpenAsync(o.Client, line.Id);
        var number = ticket.GetProperty("number").GetString()!;
        using var http = App.CreateClient();
        var body = ReplyBody(number, line.Number, "Forged.");

        var forged = await PostReplyAsync(App, http, line.PharmacyId, o.SecretOf(line), body, signature: PartnerCallbacks.Sign(PartnerCallbacks.NewSecret(), PartnerCallbacks.MessageId(body), App.Clock.GetUtcNow(), body));
        Assert.Equal(HttpStatusCode.Unauthorized, forged.Status);

        // Signed by the other pharmacy, with its own secret: the ticket's line is not its line.
        var foreign = await PostReplyAsync(App, http, other.PharmacyId, o.SecretOf(other), body);
        Assert.Equal(HttpStatusCode.NotFound, foreign.Status);
        var wrongLine = await PostReplyAsync(App, http, line.PharmacyId, o.SecretOf(line), ReplyBody(number, other.Number, "Wrong line."));
        Assert.Equal(HttpStatusCode.NotFound, wrongLine.Status);
        var unknown = await PostReplyAsync(App, http, line.PharmacyId, o.SecretOf(line), ReplyBody("ST-99999999", line.Number, "Unknown."));
        Assert.Equal(HttpStatusCode.NotFound, unknown.Status);
        Assert.Equal(foreign.Body.GetRawText(), unknown.Body.GetRawText());
        var blank = await PostReplyAsync(App, http, line.PharmacyId, o.SecretOf(line), ReplyBody(number, line.Number, "   "));
        Assert.Equal(HttpStatusCode.BadRequest, blank.Status);
        var tooLong = await PostReplyAsync(App, http, line.PharmacyId, o.SecretOf(line), ReplyBody(number, line.Number, new string('x', 5001)));
        Assert.Equal(HttpStatusCode.BadRequest, tooLong.Status);

        var read = (await o.Client.DataAsync(Node, new { id = ticket.GetProperty("id").GetString() })).GetProperty("node");
        Assert.Equal(("OPEN", 1), (read.GetProperty("status").GetString(), read.GetProperty("messageCount").GetInt32()));
        Assert.Single(await TicketEventsAsync(o.Fixture.Tenant.OrganizationId));
    }

    [ProviderFact]
    public async Task Invalid_text_is_refused_with_field_paths_and_changes_nothing()
    {
        var o = await OrderAsync();
        var c = o.Client;
        var lineId = o.Lines[0].Id;

        async Task<JsonElement> Open(object vars) => (await c.DataAsync(SupportTicketHarness.Open, vars)).GetProperty("supportTicketOpen");

        var blank = await Open(new { lineId, subject = "   ", message = "\t\n" });
        Assert.Equal(["REQUIRED", "REQUIRED"], blank.UserErrorCodes());
        Assert.Equal(["subject", "message"], blank.UserErrorFields());
        Assert.Equal(JsonValueKind.Null, blank.GetProperty("ticket").ValueKind);
        var tooLong = await Open(new { lineId, subject = new string('s', 201), message = new string('m', 5001) });
        Assert.Equal(["TOO_LONG", "TOO_LONG"], tooLong.UserErrorCodes());
        Assert.Equal(["subject", "message"], tooLong.UserErrorFields());
        var control = await Open(new { lineId, subject = "ok", message = "bad\u0000text" });
        Assert.Equal(["INVALID_FORMAT"], control.UserErrorCodes());
        var missingAndBlank = await Open(new { lineId = Headless.GraphQL.GlobalId.Encode("OrderLine", 987654321), subject = "", message = "fine" });
        Assert.Equal(["NOT_FOUND", "REQUIRED"], missingAndBlank.UserErrorCodes());
        Assert.Equal(["lineId", "subject"], missingAndBlank.UserErrorFields());
        Assert.Equal(0, (await c.DataAsync(List)).At("supportTickets.totalCount").GetInt32());

        // The limits themselves are allowed, after trimming.
        var edge = await OpenAsync(c, lineId, " " + new string('s', 200) + " ", new string('m', 5000));
        var id = edge.GetProperty("id").GetString()!;
        Assert.Equal(200, edge.GetProperty("subject").GetString()!.Length);

        var reply = await ReplyAsync(c, id, "  ");
        Assert.Equal(["REQUIRED"], reply.UserErrorCodes());
        Assert.Equal(["message"], reply.UserErrorFields());
        Assert.Equal(["TOO_LONG"], (await ReplyAsync(c, id, new string('m', 5001))).UserErrorCodes());
        var read = (await c.DataAsync(Node, new { id })).GetProperty("node");
        Assert.Equal(1, read.GetProperty("messageCount").GetInt32());
        Assert.Single(await TicketEventsAsync(o.Fixture.Tenant.OrganizationId));
    }

    [ProviderFact]
    public async Task Another_organizations_ticket_cannot_be_read_replied_to_set_or_filtered()
    {
        var a = await OrderAsync("Alpha Support");
        var b = await OrderAsync("Beta Support");
        var bTicket = await OpenAsync(b.Client, b.Lines[0].Id);
        var bId = bTicket.GetProperty("id").GetString()!;
        var missingId = Headless.GraphQL.GlobalId.Encode("SupportTicket", 987654321);
        await OpenAsync(a.Client, a.Lines[0].Id);

        Assert.Equal(JsonValueKind.Null, (await a.Client.DataAsync(Node, new { id = bId })).GetProperty("node").ValueKind);
        var reply = await ReplyAsync(a.Client, bId, "Hello?");
        Assert.Equal((await ReplyAsync(a.Client, missingId, "Hello?")).GetRawText(), reply.GetRawText());
        Assert.Equal(["NOT_FOUND"], reply.UserErrorCodes());
        var set = await SetStatusAsync(a.Client, bId, "RESOLVED");
        Assert.Equal((await SetStatusAsync(a.Client, missingId, "RESOLVED")).GetRawText(), set.GetRawText());
        Assert.Equal(["NOT_FOUND"], set.UserErrorCodes());
        var open = (await a.Client.DataAsync(Open, new { lineId = b.Lines[0].Id, subject = "x", message = "y" })).GetProperty("supportTicketOpen");
        Assert.Equal(["NOT_FOUND"], open.UserErrorCodes());
        Assert.Equal(["lineId"], open.UserErrorFields());

        Assert.Equal(0, (await a.Client.DataAsync(List, new { filter = new { lineId = b.Lines[0].Id } })).At("supportTickets.totalCount").GetInt32());
        Assert.Equal(0, (await a.Client.DataAsync(List, new { filter = new { patientId = b.Fixture.Patients[0] } })).At("supportTickets.totalCount").GetInt32());
        Assert.Equal(0, (await a.Client.DataAsync(List, new { filter = new { clinicId = b.Fixture.ClinicId } })).At("supportTickets.totalCount").GetInt32());
        var all = (await a.Client.DataAsync(List)).GetProperty("supportTickets");
        Assert.Equal(1, all.GetProperty("totalCount").GetInt32());
        Assert.NotEqual(bId, all.At("nodes.0.id").GetString());

        var bRead = (await b.Client.DataAsync(Node, new { id = bId })).GetProperty("node");
        Assert.Equal(("OPEN", 1), (bRead.GetProperty("status").GetString(), bRead.GetProperty("messageCount").GetInt32()));
    }

    [ProviderFact]
    public async Task Tickets_page_by_cursor_and_filter_by_status_clinic_line_and_patient()
    {
        var o = await OrderAsync();
        var c = o.Client;
        var ids = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            ids.Add((await OpenAsync(c, o.Lines[i % 2].Id, $"Question {i}", $"Message {i}")).GetProperty("id").GetString()!);
        }

        Assert.Empty((await SetStatusAsync(c, ids[1], "RESOLVED")).UserErrorCodes());
        var seen = new List<string>();
        string? after = null;
        var pages = new List<int>();
        do
        {
            var page = (await c.DataAsync(List, new { first = 2, after })).GetProperty("supportTickets");
            Assert.Equal(5, page.GetProperty("totalCount").GetInt32());
            var nodes = page.GetProperty("nodes").EnumerateArray().Select(n => n.GetProperty("id").GetString()!).ToList();
            pages.Add(nodes.Count);
            seen.AddRange(nodes);
            after = page.At("pageInfo.hasNextPage").GetBoolean() ? page.At("pageInfo.endCursor").GetString() : null;
        }
        while (after is not null);

        Assert.Equal([2, 2, 1], pages);
        Assert.Equal(ids, seen);
        Assert.Equal(1, (await c.DataAsync(List, new { filter = new { status = "RESOLVED" } })).At("supportTickets.totalCount").GetInt32());
        Assert.Equal(4, (await c.DataAsync(List, new { filter = new { status = "OPEN", clinicId = o.Fixture.ClinicId } })).At("supportTickets.totalCount").GetInt32());
        Assert.Equal(3, (await c.DataAsync(List, new { filter = new { lineId = o.Lines[0].Id } })).At("supportTickets.totalCount").GetInt32());
        Assert.Equal(2, (await c.DataAsync(List, new { filter = new { patientId = o.Fixture.Patients[1] } })).At("supportTickets.totalCount").GetInt32());
        Assert.Equal(0, (await c.DataAsync(List, new { filter = new { lineId = "not-an-id" } })).At("supportTickets.totalCount").GetInt32());
    }

    [ProviderFact]
    public async Task A_page_of_tickets_costs_the_same_queries_whatever_its_size()
    {
        var o = await OrderAsync();
        var c = o.Client;

        async Task<int> CountAsync()
        {
            App.Commands.Reset();
            var page = (await c.DataAsync(List, new { first = 50 })).GetProperty("supportTickets");
            Assert.All(page.GetProperty("nodes").EnumerateArray(), n => Assert.True(n.At("messages.totalCount").GetInt32() >= 1));
            return App.Commands.Count;
        }

        for (var i = 0; i < 2; i++)
        {
            var t = await OpenAsync(c, o.Lines[i].Id);
            await ReplyAsync(c, t.GetProperty("id").GetString()!, "more");
        }

        var small = await CountAsync();
        for (var i = 0; i < 6; i++)
        {
            var t = await OpenAsync(c, o.Lines[i % 2].Id);
            await ReplyAsync(c, t.GetProperty("id").GetString()!, "more");
        }

        Assert.Equal(small, await CountAsync());
    }
}

public sealed class SupportTicketTestsOnSqlite() : SupportTicketTests(DatabaseProvider.Sqlite, null);

[Collection(PostgresCollection.Name)]
public sealed class SupportTicketTestsOnPostgres(PostgresServer postgres) : SupportTicketTests(DatabaseProvider.Postgres, postgres);
