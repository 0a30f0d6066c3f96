using System.Buffers.Text;
using System.Text;
using GraphQL;
using GraphQL.Builders;
using GraphQL.Types;
using Headless.Shared;
using Microsoft.EntityFrameworkCore;

namespace Headless.GraphQL;

/// <summary>A page of a list, Relay style.</summary>
public sealed record Connection<T>(IReadOnlyList<Edge<T>> Edges, PageInfo PageInfo, int TotalCount) : IConnection
{
    /// <summary>When set, totalCount is counted only if a query asks for it (and <see cref="TotalCount"/> is ignored).</summary>
    public Func<Task<int>>? CountTotal { get; init; }

    IEnumerable<object?> IConnection.Nodes => Edges.Select(e => (object?)e.Node);
}

/// <summary>The nodes of a page whatever their type, for code that looks at every page (the audit trail).</summary>
public interface IConnection
{
    IEnumerable<object?> Nodes { get; }
}

/// <summary>One item of a page and the cursor that points just after it.</summary>
public sealed record Edge<T>(string Cursor, T Node);

/// <summary>Where a page sits in its list.</summary>
public sealed record PageInfo(bool HasNextPage, bool HasPreviousPage, string? StartCursor, string? EndCursor);

/// <summary>Forward, keyset pagination over numeric keys: stable under inserts, one query for the page and one for the count.</summary>
public static class Paging
{
    public const int MaxFirst = 100;
    public const int DefaultFirst = 20;

    public const string FirstDescription = "How many items to return, from 0 to 100 (default 20). Larger values are refused.";
    public const string AfterDescription = "Return items after this cursor (an edge's `cursor` or `pageInfo.endCursor`).";

    public static string EncodeCursor(long id) => Base64Url.EncodeToString(Encoding.UTF8.GetBytes($"c:{id}"));

    public static bool TryDecodeCursor(string cursor, out long id)
    {
        id = 0;
        try
        {
            var text = Encoding.UTF8.GetString(Base64Url.DecodeFromChars(cursor));
            return text.StartsWith("c:", StringComparison.Ordinal) && long.TryParse(text.AsSpan(2), out id);
        }
        catch (FormatException)
        {
            return false;
        }
    }

    /// <summary>Adds the capped `first` and `after` arguments every connection field takes.</summary>
    public static FieldBuilder<TSource, TReturn> PagingArguments<TSource, TReturn>(this FieldBuilder<TSource, TReturn> field) =>
        field
            .Argument<IntGraphType>("first", a =>
            {
                a.Description = FirstDescription;
                a.DefaultValue = DefaultFirst;
                a.Validate(v =>
                {
                    if (v is int n && (n < 0 || n > MaxFirst))
                    {
                        throw new ArgumentException($"first must be between 0 and {MaxFirst}.");
                    }
                });
            })
            .Argument<StringGraphType>("after", a => a.Description = AfterDescription);

    public static (int First, long? After) ReadPaging(this IResolveFieldContext context)
    {
        var first = context.GetArgument<int?>("first") ?? DefaultFirst;
        var after = context.GetArgument<string?>("after");
        if (after is null)
        {
            return (first, null);
        }

        if (!TryDecodeCursor(after, out var afterId))
        {
            throw new ExecutionError("The `after` cursor is not one this API issued.") { Code = "INVALID_CURSOR" };
        }

        return (first, afterId);
    }

    /// <summary>Pages a list already in memory, ordered by key, with the same cursors as database pages.</summary>
    public static Connection<T> ToConnection<T>(IReadOnlyList<T> items, int first, long? after)
        where T : IEntity
    {
        var rest = items.Where(i => after is null || i.Id > after).OrderBy(i => i.Id).ToList();
        var edges = rest.Take(first).Select(i => new Edge<T>(EncodeCursor(i.Id), i)).ToList();
        return new Connection<T>(
            edges,
            new PageInfo(rest.Count > first, after is not null, edges.FirstOrDefault()?.Cursor, edges.LastOrDefault()?.Cursor),
            items.Count);
    }

    /// <summary>Pages a query ordered by key. <paramref name="query"/> must already carry filters and includes.</summary>
    public static async Task<Connection<T>> ToConnectionAsync<T>(this IQueryable<T> query, int first, long? after, CancellationToken cancellationToken)
        where T : class, IEntity
    {
        var total = await query.CountAsync(cancellationToken);
        var page = after is { } a ? query.Where(e => e.Id > a) : query;
        var items = first == 0 ? [] : await page.OrderBy(e => e.Id).Take(first + 1).ToListAsync(cancellationToken);
        var hasNext = items.Count > first;
        var edges = items.Take(first).Select(i => new Edge<T>(EncodeCursor(i.Id), i)).ToList();
        return new Connection<T>(
            edges,
            new PageInfo(hasNext, after is not null, edges.FirstOrDefault()?.Cursor, edges.LastOrDefault()?.Cursor),
            total);
    }
}

/// <summary>PageInfo in the schema.</summary>
public sealed class PageInfoType : ObjectGraphType<PageInfo>
{
    public PageInfoType()
    {
        Name = "PageInfo";
        Description = "Where the returned page sits in the whole list. Pagination is forward only: pass `endCursor` as `after`.";
        Field(x => x.HasNextPage).Description("True when more items follow this page.");
        Field(x => x.HasPreviousPage).Description("True when this page was requested with an `after` cursor.");
        Field(x => x.StartCursor, nullable: true).Description("Cursor of the first item on the page; null when the page is empty.");
        Field(x => x.EndCursor, nullable: true).Description("Cursor of the last item on the page; pass it as `after` for the next page. Null when the page is empty.");
    }
}

/// <summary>Edge type named after its node type ("PatientType" becomes "PatientEdge").</summary>
public sealed class EdgeType<TNodeType, T> : ObjectGraphType<Edge<T>>
    where TNodeType : IGraphType
{
    public EdgeType()
    {
        var node = NodeName<TNodeType>();
        Name = node + "Edge";
        Description = $"One {node} in a page, with the cursor that points just after it.";
        Field(x => x.Cursor).Description("Opaque cursor; pass it as `after` to continue after this item.");
        Field<NonNullGraphType<TNodeType>>("node").Description($"The {node}.").Resolve(c => c.Source.Node);
    }

    internal static string NodeName<TType>() => typeof(TType).Name.EndsWith("Type", StringComparison.Ordinal) ? typeof(TType).Name[..^4] : typeof(TType).Name;
}

/// <summary>Connection type named after its node type ("PatientType" becomes "PatientConnection").</summary>
public sealed class ConnectionType<TNodeType, T> : ObjectGraphType<Connection<T>>
    where TNodeType : IGraphType
{
    public ConnectionType()
    {
        var node = EdgeType<TNodeType, T>.NodeName<TNodeType>();
        Name = node + "Connection";
        Description = $"A page of {node} items, at most 100 at a time.";
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<EdgeType<TNodeType, T>>>>>("edges")
            .Description("The items on this page with their cursors.").Resolve(c => c.Source.Edges);
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<TNodeType>>>>("nodes")
            .Description("The items on this page, without cursors.").Resolve(c => c.Source.Edges.Select(e => e.Node));
        Field<NonNullGraphType<PageInfoType>>("pageInfo").Description("Cursors and whether more items follow.").Resolve(c => c.Source.PageInfo);
        Field<NonNullGraphType<IntGraphType>>("totalCount").Description("How many items the whole list holds with the same filters, across all pages.")
            .ResolveAsync(async c => c.Source.CountTotal is { } count ? await count() : c.Source.TotalCount);
    }
}
