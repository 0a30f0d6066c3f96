using System.Buffers.Text;
using System.Text;

namespace Headless.GraphQL;

/// <summary>
/// Opaque global IDs: base64url of "Type:key". Clients must treat them as opaque; the type name inside
/// lets node(id) dispatch and lets a mutation reject an ID of the wrong kind as not found.
/// </summary>
public static class GlobalId
{
    public static string Encode(string typeName, long id) =>
        Base64Url.EncodeToString(Encoding.UTF8.GetBytes($"{typeName}:{id}"));

    public static bool TryDecode(string? globalId, out string typeName, out long id)
    {
        typeName = "";
        id = 0;
        if (string.IsNullOrEmpty(globalId) || globalId.Length > 200)
        {
            return false;
        }

        byte[] bytes;
        try
        {
            bytes = Base64Url.DecodeFromChars(globalId);
        }
        catch (FormatException)
        {
            return false;
        }

        var text = Encoding.UTF8.GetString(bytes);
        var colon = text.IndexOf(':');
        if (colon <= 0 || !long.TryParse(text.AsSpan(colon + 1), System.Globalization.NumberStyles.None, null, out id) || id <= 0)
        {
            return false;
        }

        typeName = text[..colon];
        return true;
    }

    /// <summary>Decodes an ID that must name the given type; anything else is reported as not found by callers.</summary>
    public static bool TryDecode(string? globalId, string expectedType, out long id) =>
        TryDecode(globalId, out var type, out id) && type == expectedType;
}
