using System.Globalization;
using System.Text.Json;
using System.Text.Unicode;
using Headless.Orders;
using Headless.Orders.Lifecycle;
using Headless.Shared;

namespace Headless.Partners;

/// <summary>
/// A pharmacy's callback about one line, as posted to /partners/{pharmacyId}/events:
/// <c>{ id, type, occurredAt, reference, lineNumber, carrier?, trackingNumber?, trackingUrl?, reasonCode?, message?, fixable?, owner? }</c>.
/// </summary>
public sealed record PartnerEvent(
    string Id,
    string Type,
    DateTimeOffset? OccurredAt,
    string? Reference,
    string LineNumber,
    string? Carrier,
    string? TrackingNumber,
    string? TrackingUrl,
    string? ReasonCode,
    string? Message,
    bool? Fixable,
    string? Owner)
{
    /// <summary>Callback types and the line status each points to.</summary>
    public static readonly IReadOnlyDictionary<string, OrderLineStatus> Types = new Dictionary<string, OrderLineStatus>(StringComparer.Ordinal)
    {
        ["line.received"] = OrderLineStatus.Received,
        ["line.compounding"] = OrderLineStatus.Compounding,
        ["line.shipped"] = OrderLineStatus.Shipped,
        ["line.delivered"] = OrderLineStatus.Delivered,
        ["line.rejected"] = OrderLineStatus.Rejected,
        ["line.on_hold"] = OrderLineStatus.OnHold,
        ["line.cancelled"] = OrderLineStatus.Cancelled,
    };

    /// <summary>Reason codes a pharmacy may give for a rejection, hold or cancellation.</summary>
    public static readonly IReadOnlySet<string> ReasonCodes = new HashSet<string>(StringComparer.Ordinal)
    {
        "SIG_CLARIFICATION", "LICENSE", "DUPLICATE_FILL", "ADDRESS", "OUT_OF_STOCK", "OTHER",
    };

    /// <summary>Who a hold waits for, as the callback names them.</summary>
    public static readonly IReadOnlySet<string> HoldOwners = new HashSet<string>(StringComparer.Ordinal)
    {
        LineOwner.Clinic.ToWire(), LineOwner.Patient.ToWire(), LineOwner.Pharmacy.ToWire(),
    };

    public OrderLineStatus Status => Types[Type];

    /// <summary>The lifecycle signal this callback carries.</summary>
    public LineSignal ToSignal() => new(
        Status,
        EventSource.Pharmacy,
        OccurredAt,
        ReasonCode,
        Message,
        Fixable,
        Status == OrderLineStatus.OnHold && Owner is not null ? WireEnum<LineOwner>.Parse(Owner) : null,
        Carrier,
        TrackingNumber,
        TrackingUrl,
        Id);

    /// <summary>Parses and checks a body; on failure <paramref name="error"/> says what is wrong (safe to return to the caller).</summary>
    public static bool TryParse(ReadOnlySpan<byte> body, out PartnerEvent? parsed, out string error)
    {
        parsed = null;

        // JsonDocument checks the UTF-8 of a string only when the string is read: look at the whole body first.
        if (!Utf8.IsValid(body))
        {
            error = "The body is not UTF-8.";
            return false;
        }

        JsonDocument document;
        try
        {
            // A property given twice is refused: which of the two would the pharmacy have meant?
            document = JsonDocument.Parse(body.ToArray(), new JsonDocumentOptions { MaxDepth = 8, AllowDuplicateProperties = false });
        }
        catch (JsonException)
        {
            error = "The body is not JSON (or is nested too deeply, or repeats a property).";
            return false;
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                error = "The body must be a JSON object.";
                return false;
            }

            string? Text(string name, int max, bool required, ref string? problem, bool multiline = false)
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
                    problem ??= $"'{name}' is not valid text."; // an escaped lone surrogate, "\ud800"
                    return null;
                }

                // Control characters have no place in ids, codes or tracking (PostgreSQL text refuses NUL); a message may have line breaks.
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

            string? problem = null;
            var id = Text("id", 200, true, ref problem);
            var type = Text("type", 50, true, ref problem);
            var occurredText = Text("occurredAt", 64, false, ref problem);
            var reference = Text("reference", 200, false, ref problem);
            var lineNumber = Text("lineNumber", 40, true, ref problem);
            var carrier = Text("carrier", 50, false, ref problem);
            var trackingNumber = Text("trackingNumber", 100, false, ref problem);
            var trackingUrl = Text("trackingUrl", 500, false, ref problem);
            var reasonCode = Text("reasonCode", 40, false, ref problem);
            var message = Text("message", 2000, false, ref problem, multiline: true);
            var owner = Text("owner", 20, false, ref problem);
            bool? fixable = null;
            if (root.TryGetProperty("fixable", out var f) && f.ValueKind != JsonValueKind.Null)
            {
                if (f.ValueKind is JsonValueKind.True or JsonValueKind.False)
                {
                    fixable = f.GetBoolean();
                }
                else
                {
                    problem ??= "'fixable' must be a boolean.";
                }
            }

            DateTimeOffset? occurredAt = null;
            if (occurredText is not null)
            {
                if (DateTimeOffset.TryParse(occurredText, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var at))
                {
                    occurredAt = at;
                }
                else
                {
                    problem ??= "'occurredAt' must be an ISO 8601 date and time.";
                }
            }

            if (type is not null && !Types.ContainsKey(type))
            {
                problem ??= $"'type' must be one of {string.Join(", ", Types.Keys)}.";
            }

            if (reasonCode is not null && !ReasonCodes.Contains(reasonCode))
            {
                problem ??= $"'reasonCode' must be one of {string.Join(", ", ReasonCodes)}.";
            }

            if (owner is not null && !HoldOwners.Contains(owner))
            {
                problem ??= $"'owner' must be one of {string.Join(", ", HoldOwners)}.";
            }

            // The URL is shown to clinics and patients: only a web address, never javascript: or the like.
            if (trackingUrl is not null && !(Uri.TryCreate(trackingUrl, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttps || uri.Scheme == Uri.UriSchemeHttp)))
            {
                problem ??= "'trackingUrl' must be an absolute http(s) URL.";
            }

            if (problem is not null)
            {
                error = problem;
                return false;
            }

            if (message is { Length: > 500 })
            {
                // Never between the two halves of a surrogate pair: half a character is not text (and PostgreSQL refuses it).
                message = message[..(char.IsHighSurrogate(message[499]) ? 499 : 500)];
            }

            parsed = new PartnerEvent(id!, type!, occurredAt, reference, lineNumber!, carrier, trackingNumber, trackingUrl, reasonCode, message, fixable, owner);
            error = "";
            return true;
        }
    }

    /// <summary>Splits "HX-10042-03" into the order key and the line position; false when it is not a line number.</summary>
    public static bool TryParseLineNumber(string lineNumber, out long orderId, out int position)
    {
        position = 0;
        orderId = 0;
        var dash = lineNumber.LastIndexOf('-');
        if (dash <= Order.NumberPrefix.Length
            || !Order.TryParseNumber(lineNumber[..dash], out orderId)
            || !int.TryParse(lineNumber.AsSpan(dash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out position)
            || position <= 0)
        {
            return false;
        }

        return OrderLine.FormatNumber(Order.FormatNumber(orderId), position) == lineNumber.ToUpperInvariant();
    }
}
