using System.Buffers.Text;
using System.Globalization;
using System.Text;

namespace Headless.Events;

/// <summary>An opaque, stable cursor into an organization's event log: the position of the last event seen.</summary>
public static class EventCursor
{
    private const string Prefix = "ev:";

    public static string Encode(long position) => Base64Url.EncodeToString(Encoding.UTF8.GetBytes(Prefix + position.ToString(CultureInfo.InvariantCulture)));

    public static bool TryDecode(string? cursor, out long position)
    {
        position = 0;
        if (string.IsNullOrEmpty(cursor) || cursor.Length > 64)
        {
            return false;
        }

        try
        {
            var text = Encoding.UTF8.GetString(Base64Url.DecodeFromChars(cursor));
            return text.StartsWith(Prefix, StringComparison.Ordinal)
                && long.TryParse(text.AsSpan(Prefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out position);
        }
        catch (FormatException)
        {
            return false;
        }
    }
}
