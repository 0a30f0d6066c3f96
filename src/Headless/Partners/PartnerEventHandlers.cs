using System.Text.Json;
using System.Text.Unicode;

namespace Headless.Partners;

/// <summary>
/// A partner callback type that is not about a line's lifecycle (support.reply), handled by the capability that owns
/// it. The endpoint authenticates the callback (signature, timestamp, pharmacy) and hands over the verified body; the
/// handler validates it, applies it once per event id (recording <see cref="PartnerEventRecord"/> in its transaction)
/// and says what to answer. Capabilities register handlers, so Partners needs to know none of them.
/// </summary>
public interface IPartnerEventHandler
{
    /// <summary>The callback's "type", e.g. support.reply.</summary>
    string Type { get; }

    Task<PartnerEventAnswer> HandleAsync(long pharmacyId, JsonElement body, CancellationToken ct);
}

/// <summary>The HTTP status and JSON body a handler answers the pharmacy with (never PHI: ids, codes, statuses).</summary>
public sealed record PartnerEventAnswer(int Status, object Body);

/// <summary>Reads the body of a signed callback once, for the dispatch on its type.</summary>
public static class PartnerEventBody
{
    /// <summary>
    /// The body as a JSON object, with the same checks as line callbacks (UTF-8, depth, no repeated property); false with
    /// a message safe to return otherwise. The element is detached from the document.
    /// </summary>
    public static bool TryRead(ReadOnlySpan<byte> body, out JsonElement root, out string error)
    {
        root = default;
        if (!Utf8.IsValid(body))
        {
            error = "The body is not UTF-8.";
            return false;
        }

        try
        {
            using var document = JsonDocument.Parse(body.ToArray(), new JsonDocumentOptions { MaxDepth = 8, AllowDuplicateProperties = false });
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                error = "The body must be a JSON object.";
                return false;
            }

            root = document.RootElement.Clone();
            error = "";
            return true;
        }
        catch (JsonException)
        {
            error = "The body is not JSON (or is nested too deeply, or repeats a property).";
            return false;
        }
    }

    /// <summary>The trimmed string property <paramref name="name"/>, or null with <paramref name="problem"/> set (first problem wins).</summary>
    public static string? Text(JsonElement root, string name, int max, bool required, ref string? problem, bool multiline = false)
    {
        if (!root.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            if (required)
            {
                problem ??= $"'{name}' is required.";
            }

            return null;
        }

        if (value.ValueKind != JsonValueKind.String)
        {
            problem ??= $"'{name}' must be a string.";
            return null;
        }

        string text;
        try
        {
            text = value.GetString()!.Trim();
        }
        catch (InvalidOperationException)
        {
            problem ??= $"'{name}' is not valid text.";
            return null;
        }

        foreach (var c in text)
        {
            if (char.IsControl(c) && !(multiline && c is '\n' or '\r' or '\t'))
            {
                problem ??= $"'{name}' must not contain control characters.";
                return null;
            }
        }

        if (text.Length == 0)
        {
            if (required)
            {
                problem ??= $"'{name}' must not be empty.";
            }

            return null;
        }

        if (text.Length > max)
        {
            problem ??= $"'{name}' is longer than {max} characters.";
            return null;
        }

        return text;
    }
}
