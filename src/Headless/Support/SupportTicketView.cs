using Headless.Clinics;
using Headless.Data;
using Headless.GraphQL;
using Headless.Orders;
using Headless.Shared;
using Microsoft.EntityFrameworkCore;

namespace Headless.Support;

/// <summary>A support ticket with its line (and so its patient) and clinic, loaded for a whole page at once.</summary>
public sealed record SupportTicketView(SupportTicket Ticket, OrderLineView Line, Clinic Clinic, SupportMessagePage Messages) : IEntity
{
    public long Id => Ticket.Id;

    /// <summary>
    /// Loads what a page of tickets points to in a constant number of queries (lines, clinics, and the four of
    /// <see cref="OrderLineView.LoadAsync"/>), whatever the number of tickets; their messages load later, for the
    /// whole page in one query, if a query asks for them.
    /// </summary>
    public static async Task<List<SupportTicketView>> LoadAsync(HeadlessDbContext db, IDbContextFactory<HeadlessDbContext> contexts, IReadOnlyList<SupportTicket> tickets, CancellationToken ct)
    {
        if (tickets.Count == 0)
        {
            return [];
        }

        var lineIds = tickets.Select(t => t.OrderLineId).Distinct().ToList();
        var clinicIds = tickets.Select(t => t.ClinicId).Distinct().ToList();
        var lines = await db.OrderLines.AsNoTracking().IgnoreQueryFilters().Where(l => lineIds.Contains(l.Id)).ToListAsync(ct);
        var views = (await OrderLineView.LoadAsync(db, lines, ct)).ToDictionary(v => v.Id);
        var clinics = await db.Clinics.AsNoTracking().IgnoreQueryFilters().Where(c => clinicIds.Contains(c.Id)).ToDictionaryAsync(c => c.Id, ct);
        var messages = new SupportMessagePage(contexts, tickets);
        return tickets.Select(t => new SupportTicketView(t, views[t.OrderLineId], clinics[t.ClinicId], messages)).ToList();
    }

    /// <summary>One ticket by key within the context's organization; null when there is none.</summary>
    public static async Task<SupportTicketView?> FindAsync(HeadlessDbContext db, IDbContextFactory<HeadlessDbContext> contexts, long id, CancellationToken ct)
    {
        var ticket = await db.Set<SupportTicket>().AsNoTracking().FirstOrDefaultAsync(t => t.Id == id, ct);
        return ticket is null ? null : (await LoadAsync(db, contexts, [ticket], ct))[0];
    }
}

/// <summary>
/// The messages of a page of tickets. GraphQL resolves each ticket's <c>messages</c> on its own and in parallel; the
/// first of them loads the first page of messages of every ticket on the page in one query, and the others share it,
/// so a list of tickets costs one query for messages however many tickets it has. A page after a cursor (one ticket
/// at a time, in practice) is one query for that ticket.
/// </summary>
public sealed class SupportMessagePage(IDbContextFactory<HeadlessDbContext> contexts, IReadOnlyList<SupportTicket> tickets)
{
    private readonly Lock _gate = new();
    private readonly Dictionary<int, Task<ILookup<long, SupportTicketMessage>>> _firstPages = [];

    public async Task<Connection<SupportTicketMessage>> ForAsync(SupportTicket ticket, int first, long? after, CancellationToken ct)
    {
        List<SupportTicketMessage> items;
        if (after is null)
        {
            Task<ILookup<long, SupportTicketMessage>> load;
            lock (_gate)
            {
                if (!_firstPages.TryGetValue(first, out load!))
                {
                    load = _firstPages[first] = LoadFirstPagesAsync(first, ct);
                }
            }

            items = [.. (await load)[ticket.Id]];
        }
        else
        {
            await using var db = await contexts.CreateDbContextAsync(ct);
            items = await db.Set<SupportTicketMessage>().AsNoTracking()
                .Where(m => m.TicketId == ticket.Id && m.Id > after)
                .OrderBy(m => m.Id).Take(first + 1).ToListAsync(ct);
        }

        var edges = items.Take(first).Select(m => new Edge<SupportTicketMessage>(Paging.EncodeCursor(m.Id), m)).ToList();
        return new Connection<SupportTicketMessage>(
            edges,
            new PageInfo(items.Count > first, after is not null, edges.FirstOrDefault()?.Cursor, edges.LastOrDefault()?.Cursor),
            ticket.MessageCount);
    }

    // The first first+1 messages of each ticket (the extra one tells whether more follow), in one query on every provider.
    private async Task<ILookup<long, SupportTicketMessage>> LoadFirstPagesAsync(int first, CancellationToken ct)
    {
        var ids = tickets.Select(t => t.Id).ToList();
        await using var db = await contexts.CreateDbContextAsync(ct);
        var messages = db.Set<SupportTicketMessage>();
        var rows = first == 0 ? [] : await messages.AsNoTracking()
            .Where(m => ids.Contains(m.TicketId) && messages.Count(o => o.TicketId == m.TicketId && o.Id < m.Id) <= first)
            .OrderBy(m => m.Id)
            .ToListAsync(ct);
        return rows.ToLookup(m => m.TicketId);
    }
}
