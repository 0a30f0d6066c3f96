using Headless.Events;
using Headless.GraphQL;

namespace Headless.Webhooks;

/// <summary>What an endpoint's fields must be. Every check points its userError at the input field.</summary>
public static class WebhookEndpointRules
{
    public const int MaxUrlLength = 2000;
    public const int MaxDescriptionLength = 500;
    public const int MaxPayloadQueryLength = 10_000;

    /// <summary>The event types an endpoint can subscribe to: every type of the event log.</summary>
    public static IReadOnlyCollection<string> EventTypes => [.. Events.EventTypes.All.Keys];

    /// <summary>An absolute https URL (http too when private destinations are allowed), without credentials or fragment.</summary>
    public static Uri? Url(UserErrorList errors, string? url, bool allowHttp, params string[] field)
    {
        if (string.IsNullOrWhiteSpace(url))
        {
            errors.Add(UserErrorCode.Required, "A URL is required.", field);
            return null;
        }

        if (url.Length > MaxUrlLength)
        {
            errors.Add(UserErrorCode.TooLong, $"The URL has at most {MaxUrlLength} characters.", field);
            return null;
        }

        if (!Uri.TryCreate(url.Trim(), UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp) || string.IsNullOrEmpty(uri.Host))
        {
            errors.Add(UserErrorCode.InvalidFormat, "The URL must be an absolute https URL.", field);
            return null;
        }

        if (uri.Scheme == Uri.UriSchemeHttp && !allowHttp)
        {
            errors.Add(UserErrorCode.InvalidFormat, "The URL must use https: webhooks carry your organization's data.", field);
            return null;
        }

        if (!string.IsNullOrEmpty(uri.UserInfo) || !string.IsNullOrEmpty(uri.Fragment))
        {
            errors.Add(UserErrorCode.InvalidFormat, "The URL must not carry credentials or a fragment; the signature authenticates each delivery.", field);
            return null;
        }

        return uri;
    }

    /// <summary>One or more known event types, each once.</summary>
    public static IReadOnlyList<string>? Types(UserErrorList errors, IReadOnlyList<string>? types, params string[] field)
    {
        if (types is not { Count: > 0 })
        {
            errors.Add(UserErrorCode.Required, "Name at least one event type.", field);
            return null;
        }

        for (var i = 0; i < types.Count; i++)
        {
            if (!Events.EventTypes.All.ContainsKey(types[i]))
            {
                errors.Add(UserErrorCode.InvalidValue, $"'{Shorten(types[i])}' is not an event type; the types are {string.Join(", ", EventTypes)}.", [.. field, i.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
                return null;
            }
        }

        return types.Distinct(StringComparer.Ordinal).ToList();
    }

    public static string? Description(UserErrorList errors, string? description, params string[] field)
    {
        if (description is null)
        {
            return null;
        }

        if (description.Length > MaxDescriptionLength)
        {
            errors.Add(UserErrorCode.TooLong, $"The description has at most {MaxDescriptionLength} characters.", field);
            return null;
        }

        return description.Trim();
    }

    private static string Shorten(string text) => text.Length > 60 ? text[..60] + "..." : text;
}
