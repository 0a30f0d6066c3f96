using System.ComponentModel.DataAnnotations;

namespace Headless.Tracking;

/// <summary>Settings under Headless:Tracking.</summary>
public sealed class TrackingOptions : IValidatableObject
{
    public const string Section = "Headless:Tracking";

    /// <summary>
    /// The public address patients open links at, e.g. https://track.brand.example (a path is allowed; no query or
    /// fragment). Unset: built from each request's scheme and host, which behind a proxy that does not forward them
    /// is the proxy's internal address, so production behind a proxy should set it.
    /// </summary>
    public string? PublicBaseUrl { get; set; }

    /// <summary>The base without a trailing slash, or null when unset.</summary>
    public string? EffectiveBaseUrl => string.IsNullOrWhiteSpace(PublicBaseUrl) ? null : PublicBaseUrl.Trim().TrimEnd('/');

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (EffectiveBaseUrl is { } url &&
            (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp) ||
             uri.Query.Length > 0 || uri.Fragment.Length > 0 || uri.UserInfo.Length > 0))
        {
            yield return new ValidationResult(
                "Headless:Tracking:PublicBaseUrl must be an absolute http or https URL without query, fragment or user info, e.g. https://track.example.com.",
                [nameof(PublicBaseUrl)]);
        }
    }
}
