using System.Buffers.Text;
using System.Globalization;
using System.Text;
using GraphQL;

namespace Headless.GraphQL;

/// <summary>
/// Cursor of a list sorted by a timestamp and then by key (orders newest first, order lines by most recent change):
/// the sort position of the item it came from, so the next page starts right after it even while rows are added.
/// </summary>
public readonly record struct KeysetCursor(DateTimeOffset At, long Id)
{
    private const string Prefix = "t:";

    public string Encode() =>
        Base64Url.EncodeToString(Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $"{Prefix}{At.UtcTicks}:{Id}")));

    public static bool TryDecode(string cursor, out KeysetCursor value)
    {
        value = default;
        string text;
        try
        {
            text = Encoding.UTF8.GetString(Base64Url.DecodeFromChars(cursor));
        }
        catch (FormatException)
        {
            return false;
        }

        var parts = text.StartsWith(Prefix, StringComparison.Ordinal) ? text[Prefix.Length..].Split(':') : [];
        if (parts.Length != 2 ||
            !long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var ticks) ||
            !long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var id) ||
            ticks > DateTimeOffset.MaxValue.UtcTicks)
        {
            return false;
        }

        value = new KeysetCursor(new DateTimeOffset(ticks, TimeSpan.Zero), id);
        return true;
    }

    /// <summary>`first` and a decoded `after` of a keyset-paged field; a cursor this API did not issue is a request error.</summary>
    public static (int First, KeysetCursor? After) ReadPaging(IResolveFieldContext context)
    {
        var first = context.GetArgument<int?>("first") ?? Paging.DefaultFirst;
        if (context.GetArgument<string?>("after") is not { } after)
        {
            return (first, null);
        }

        if (!TryDecode(after, out var cursor))
        {
            throw new ExecutionError("The `after` cursor is not one this API issued for this list.") { Code = "INVALID_CURSOR" };
        }

        return (first, cursor);
    }

    /// <summary>A page from rows fetched one past <paramref name="first"/> (to know whether more follow).</summary>
    public static Connection<T> Page<T>(IReadOnlyList<T> fetched, int first, bool hasAfter, Func<T, KeysetCursor> cursorOf, Func<Task<int>> countTotal)
    {
        var edges = fetched.Take(first).Select(x => new Edge<T>(cursorOf(x).Encode(), x)).ToList();
        return new Connection<T>(
            edges,
            new PageInfo(fetched.Count > first, hasAfter, edges.FirstOrDefault()?.Cursor, edges.LastOrDefault()?.Cursor),
            0)
        {
            CountTotal = countTotal,
        };
    }
}
