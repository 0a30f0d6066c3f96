using System.Collections.Concurrent;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace PartnerPharmacy;

/// <summary>OAuth 2.0 client credentials: random opaque tokens remembered in memory until they expire.</summary>
public sealed class TokenService(IOptions<SimulatorOptions> options, TimeProvider time)
{
    private readonly ConcurrentDictionary<string, DateTimeOffset> _tokens = new(StringComparer.Ordinal);

    /// <summary>Client id and secret from HTTP Basic (RFC 6749 §2.3.1, form-url-encoded parts) or the form.</summary>
    public static (string? ClientId, string? ClientSecret, bool FromBasic) ReadClientCredentials(HttpRequest request, IFormCollection form)
    {
        if (AuthenticationHeaderValue.TryParse(request.Headers.Authorization, out var header)
            && string.Equals(header.Scheme, "Basic", StringComparison.OrdinalIgnoreCase)
            && header.Parameter is { } parameter)
        {
            try
            {
                var decoded = Encoding.UTF8.GetString(Convert.FromBase64String(parameter));
                var colon = decoded.IndexOf(':', StringComparison.Ordinal);
                if (colon < 0)
                {
                    return (null, null, true);
                }

                return (FormDecode(decoded[..colon]), FormDecode(decoded[(colon + 1)..]), true);
            }
            catch (FormatException)
            {
                return (null, null, true);
            }
        }

        return (form["client_id"].FirstOrDefault(), form["client_secret"].FirstOrDefault(), false);
    }

    public bool ClientIsValid(string? clientId, string? clientSecret)
    {
        var o = options.Value;
        return clientId is not null && clientSecret is not null
            && FixedTimeEquals(clientId, o.ClientId)
            && FixedTimeEquals(clientSecret, o.ClientSecret);
    }

    public TokenResponse Issue()
    {
        var lifetime = options.Value.TokenLifetime;
        var token = Base64Url(RandomNumberGenerator.GetBytes(32));
        var now = time.GetUtcNow();
        _tokens[token] = now + lifetime;

        // Forget expired tokens now and then so the dictionary does not grow for ever.
        foreach (var (key, expiresAt) in _tokens)
        {
            if (expiresAt <= now)
            {
                _tokens.TryRemove(key, out _);
            }
        }

        return new TokenResponse(token, "Bearer", (int)Math.Ceiling(lifetime.TotalSeconds));
    }

    /// <summary>True when the request carries <c>Authorization: Bearer &lt;token&gt;</c> for a known, unexpired token.</summary>
    public bool IsAuthorized(HttpRequest request)
    {
        if (!AuthenticationHeaderValue.TryParse(request.Headers.Authorization, out var header)
            || !string.Equals(header.Scheme, "Bearer", StringComparison.OrdinalIgnoreCase)
            || string.IsNullOrEmpty(header.Parameter)
            || !_tokens.TryGetValue(header.Parameter, out var expiresAt))
        {
            return false;
        }

        if (expiresAt <= time.GetUtcNow())
        {
            _tokens.TryRemove(header.Parameter, out _);
            return false;
        }

        return true;
    }

    private static string FormDecode(string value) => Uri.UnescapeDataString(value.Replace('+', ' '));

    private static bool FixedTimeEquals(string a, string b) =>
        CryptographicOperations.FixedTimeEquals(
            SHA256.HashData(Encoding.UTF8.GetBytes(a)),
            SHA256.HashData(Encoding.UTF8.GetBytes(b)));

    private static string Base64Url(byte[] bytes) =>
        Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
