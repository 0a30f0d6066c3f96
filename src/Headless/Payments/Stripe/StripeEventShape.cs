using System.Text.Json;
using System.Text.RegularExpressions;

namespace Headless.Payments.Stripe;

/// <summary>
/// Checks a verified Stripe event body before Stripe.net reads it, for what Stripe.net lets through: a missing or
/// null <c>data.object</c>, an object of another kind than the event type implies, negative amounts, a property given
/// twice (which of the two would count?), ids and types with characters no Stripe id has (NUL bytes, which PostgreSQL
/// text refuses), and currencies that are not three letters. Wrong JSON types are refused too, though Stripe.net would
/// refuse most of them itself. Only the envelope and the fields the service reads are checked; anything else an API
/// version adds passes through.
/// </summary>
internal static partial class StripeEventShape
{
    /// <summary>The event types the service acts on, with the kind of <c>data.object</c> each carries.</summary>
    public static readonly IReadOnlyDictionary<string, string> HandledTypes = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["payment_intent.amount_capturable_updated"] = "payment_intent",
        ["payment_intent.payment_failed"] = "payment_intent",
        ["payment_intent.canceled"] = "payment_intent",
        ["charge.refunded"] = "charge",
    };

    private static readonly JsonDocumentOptions Strict = new() { AllowDuplicateProperties = false, MaxDepth = 64 };

    /// <summary>Null when the body has the shape of a Stripe event; otherwise what is wrong (safe to return: it echoes no value).</summary>
    public static string? Problem(string json)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json, Strict);
        }
        catch (JsonException)
        {
            return "The body is not JSON (or is nested too deeply, or repeats a property).";
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return "The body is not a JSON object.";
            }

            var problem = Text(root, "object", ObjectKind(), required: true, out var objectKind);
            problem ??= Text(root, "id", Id(), required: true, out _);
            var typeProblem = Text(root, "type", EventType(), required: true, out var type);
            problem ??= typeProblem ?? Text(root, "api_version", ApiVersion(), required: false, out _);
            if (problem is not null || type is null)
            {
                return problem ?? "'type' is required.";
            }

            if (objectKind != "event")
            {
                return "'object' must be \"event\".";
            }

            if (!root.TryGetProperty("data", out var data) || data.ValueKind != JsonValueKind.Object)
            {
                return "'data' must be an object.";
            }

            if (!data.TryGetProperty("object", out var obj) || obj.ValueKind != JsonValueKind.Object)
            {
                return "'data.object' must be an object.";
            }

            return HandledTypes.TryGetValue(type, out var expected) ? Handled(obj, expected) : null;
        }
    }

    private static string? Handled(JsonElement obj, string expected)
    {
        var problem = Text(obj, "object", ObjectKind(), required: true, out var kind, "data.object.");
        if (problem is not null)
        {
            return problem;
        }

        if (kind != expected)
        {
            return $"'data.object.object' must be \"{expected}\" for this event type.";
        }

        problem = Text(obj, "id", Id(), required: true, out _, "data.object.")
            ?? Text(obj, "currency", Currency(), required: true, out _, "data.object.")
            ?? Amount(obj, "amount", required: true)
            ?? Metadata(obj);
        if (problem is not null)
        {
            return problem;
        }

        if (expected == "payment_intent")
        {
            return Amount(obj, "amount_capturable", required: true)
                ?? Amount(obj, "amount_received", required: false)
                ?? Nullable(obj, "last_payment_error", JsonValueKind.Object)
                ?? Nullable(obj, "cancellation_reason", JsonValueKind.String);
        }

        return Amount(obj, "amount_captured", required: true)
            ?? Amount(obj, "amount_refunded", required: true)
            ?? Text(obj, "payment_intent", Id(), required: false, out _, "data.object.");
    }

    private static string? Text(JsonElement parent, string name, Regex pattern, bool required, out string? value, string path = "")
    {
        value = null;
        if (!parent.TryGetProperty(name, out var element) || element.ValueKind == JsonValueKind.Null)
        {
            return required ? $"'{path}{name}' is required." : null;
        }

        if (element.ValueKind != JsonValueKind.String)
        {
            return $"'{path}{name}' must be a string.";
        }

        string text;
        try
        {
            text = element.GetString()!;
        }
        catch (InvalidOperationException)
        {
            return $"'{path}{name}' is not valid text."; // a lone surrogate escape
        }

        if (!pattern.IsMatch(text))
        {
            return $"'{path}{name}' is not a valid value.";
        }

        value = text;
        return null;
    }

    private static string? Amount(JsonElement parent, string name, bool required)
    {
        if (!parent.TryGetProperty(name, out var element))
        {
            return required ? $"'data.object.{name}' is required." : null;
        }

        return element.ValueKind == JsonValueKind.Number && element.TryGetInt64(out var amount) && amount >= 0
            ? null
            : $"'data.object.{name}' must be a non-negative integer of at most 64 bits.";
    }

    private static string? Nullable(JsonElement parent, string name, JsonValueKind kind) =>
        !parent.TryGetProperty(name, out var element) || element.ValueKind == JsonValueKind.Null || element.ValueKind == kind
            ? null
            : $"'data.object.{name}' must be {(kind == JsonValueKind.Object ? "an object" : "a string")} or null.";

    private static string? Metadata(JsonElement obj)
    {
        if (!obj.TryGetProperty("metadata", out var metadata) || metadata.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (metadata.ValueKind != JsonValueKind.Object)
        {
            return "'data.object.metadata' must be an object.";
        }

        foreach (var entry in metadata.EnumerateObject())
        {
            if (entry.Value.ValueKind != JsonValueKind.String)
            {
                return "'data.object.metadata' values must be strings.";
            }
        }

        return null;
    }

    // Stripe ids are letters, digits and underscores ("evt_1NG8Du2eZvKYlo2C", "pi_3MtwBw..."); types are dotted lower-case words.
    [GeneratedRegex("^[A-Za-z0-9_]{1,255}\\z", RegexOptions.CultureInvariant)]
    private static partial Regex Id();

    [GeneratedRegex("^[a-z0-9_]+(\\.[a-z0-9_]+)*\\z", RegexOptions.CultureInvariant)]
    private static partial Regex ObjectKind();

    [GeneratedRegex("^(?=.{1,100}\\z)[a-z0-9_]+(\\.[a-z0-9_]+)+\\z", RegexOptions.CultureInvariant)]
    private static partial Regex EventType();

    [GeneratedRegex("^[0-9]{4}-[0-9]{2}-[0-9]{2}(\\.[a-z0-9_]+)?\\z", RegexOptions.CultureInvariant)]
    private static partial Regex ApiVersion();

    [GeneratedRegex("^[A-Za-z]{3}\\z", RegexOptions.CultureInvariant)]
    private static partial Regex Currency();
}
