using System.Collections.Concurrent;
using GraphQL;
using Headless.Clinics;
using Headless.Data;
using Headless.GraphQL;
using Microsoft.EntityFrameworkCore;

namespace Headless.Orders;

/// <summary>
/// What the orders of one orders(filter) page point to, loaded once for the whole page when a query first asks for it:
/// their clinics, their lines and what those lines point to. Without it every order on the page would cost its own
/// queries (clinic, lines, patients, products...). Scoped to the request. An order read on its own (order(id), node, a
/// webhook's order) comes with its line count (<see cref="AddSingle"/>), and its lines field reads only the page asked for.
/// </summary>
public sealed class OrderPageBatch(IDbContextFactory<HeadlessDbContext> contexts)
{
    private readonly ConcurrentDictionary<long, Page> _pages = new();
    private readonly ConcurrentDictionary<long, int> _lineCounts = new();

    public void Add(IReadOnlyList<Order> orders)
    {
        var page = new Page(contexts, orders.Select(o => o.Id).ToList(), orders.Select(o => o.ClinicId).Distinct().ToList());
        foreach (var order in orders)
        {
            _pages[order.Id] = page;
        }
    }

    /// <summary>An order read on its own, with its line count as the same query counted it.</summary>
    public void AddSingle(Order order, int lineCount) => _lineCounts[order.Id] = lineCount;

    /// <summary>The line count of an order read on its own (<see cref="AddSingle"/>); null for any other order.</summary>
    public static int? SingleLineCount(IResolveFieldContext<Order> context) =>
        Find(context) is null && context.RequestServices?.GetService<OrderPageBatch>() is { } batch && batch._lineCounts.TryGetValue(context.Source.Id, out var count) ? count : null;

    /// <summary>How many lines the order has, without loading them when the count came with the order.</summary>
    public static async Task<int> LineCountAsync(IResolveFieldContext<Order> context) =>
        SingleLineCount(context) is { } count ? count : (await LinesAsync(context)).Count;

    /// <summary>
    /// An order whose clinic and line views the caller holds in memory already (checkout has just created it from the cart
    /// and catalog rows it read): its clinic, lines and line views are answered from them, reading nothing.
    /// </summary>
    public void AddKnown(Order order, Clinic clinic, IReadOnlyList<OrderLineView> views)
    {
        ArgumentNullException.ThrowIfNull(order);
        ArgumentNullException.ThrowIfNull(clinic);
        var page = new Page(contexts, [order.Id], [clinic.Id]);
        page.Preload(order.Id, order.Lines.OrderBy(l => l.Id).ToList(), clinic, views.ToDictionary(v => v.Id));
        _pages[order.Id] = page;
    }

    /// <summary>The order's lines in key order: from the page's one query, or from the order itself when it was loaded with them.</summary>
    public static async Task<IReadOnlyList<OrderLine>> LinesAsync(IResolveFieldContext<Order> context)
    {
        if (Find(context) is not { } page)
        {
            return context.Source.Lines;
        }

        var lines = await page.LinesAsync(context.CancellationToken);
        return lines.TryGetValue(context.Source.Id, out var mine) ? mine : [];
    }

    public static async Task<Clinic> ClinicAsync(IResolveFieldContext<Order> context)
    {
        if (Find(context) is { } page)
        {
            return (await page.ClinicsAsync(context.CancellationToken))[context.Source.ClinicId];
        }

        var clinicId = context.Source.ClinicId;
        return await context.WithDbAsync((db, ct) => db.Clinics.AsNoTracking().FirstAsync(x => x.Id == clinicId, ct));
    }

    /// <summary>Views of <paramref name="lines"/>: from one load for every order on the page asking the same page of lines, or on their own.</summary>
    public static async Task<IReadOnlyList<OrderLineView>> ViewsAsync(IResolveFieldContext<Order> context, IReadOnlyList<OrderLine> lines, int first, long? after)
    {
        if (Find(context) is not { } page)
        {
            return await context.WithDbAsync((db, ct) => OrderLineView.LoadAsync(db, lines, ct));
        }

        var views = await page.ViewsAsync(first, after, context.CancellationToken);
        return lines.Select(l => views[l.Id]).ToList();
    }

    private static Page? Find(IResolveFieldContext<Order> context) =>
        context.RequestServices?.GetService<OrderPageBatch>() is { } batch && batch._pages.TryGetValue(context.Source.Id, out var page) ? page : null;

    private sealed class Page(IDbContextFactory<HeadlessDbContext> contexts, List<long> orderIds, List<long> clinicIds)
    {
        private readonly SemaphoreSlim _gate = new(1, 1);
        private readonly ConcurrentDictionary<(int, long?), Dictionary<long, OrderLineView>> _views = new();
        private Dictionary<long, List<OrderLine>>? _lines;
        private Dictionary<long, Clinic>? _clinics;
        private Dictionary<long, OrderLineView>? _known;

        /// <summary>Makes this a page of one order held in memory: its lines, clinic and every line's view.</summary>
        public void Preload(long orderId, List<OrderLine> lines, Clinic clinic, Dictionary<long, OrderLineView> views)
        {
            _lines = new() { [orderId] = lines };
            _clinics = new() { [clinic.Id] = clinic };
            _known = views;
        }

        public Task<Dictionary<long, List<OrderLine>>> LinesAsync(CancellationToken ct) => OnceAsync(() => _lines, v => _lines = v, async db =>
            (await db.OrderLines.AsNoTracking().Where(l => orderIds.Contains(l.OrderId)).OrderBy(l => l.Id).ToListAsync(ct))
                .GroupBy(l => l.OrderId).ToDictionary(g => g.Key, g => g.ToList()), ct);

        public Task<Dictionary<long, Clinic>> ClinicsAsync(CancellationToken ct) => OnceAsync(() => _clinics, v => _clinics = v, async db =>
            await db.Clinics.AsNoTracking().Where(c => clinicIds.Contains(c.Id)).ToDictionaryAsync(c => c.Id, ct), ct);

        public async Task<Dictionary<long, OrderLineView>> ViewsAsync(int first, long? after, CancellationToken ct)
        {
            if (_known is not null)
            {
                return _known;
            }

            var lines = await LinesAsync(ct);
            return await OnceAsync(() => _views.GetValueOrDefault((first, after)), v => _views[(first, after)] = v, async db =>
            {
                var wanted = lines.Values.SelectMany(ls => ls.Where(l => after is null || l.Id > after).Take(first)).ToList();
                return (await OrderLineView.LoadAsync(db, wanted, ct)).ToDictionary(v => v.Id);
            }, ct);
        }

        // Resolvers of one page run in parallel: the first one loads, the others wait for its result.
        private async Task<T> OnceAsync<T>(Func<T?> get, Action<T> set, Func<HeadlessDbContext, Task<T>> load, CancellationToken ct)
            where T : class
        {
            if (get() is { } ready)
            {
                return ready;
            }

            await _gate.WaitAsync(ct);
            try
            {
                if (get() is { } loaded)
                {
                    return loaded;
                }

                await using var db = await contexts.CreateDbContextAsync(ct);
                var value = await load(db);
                set(value);
                return value;
            }
            finally
            {
                _gate.Release();
            }
        }
    }
}
