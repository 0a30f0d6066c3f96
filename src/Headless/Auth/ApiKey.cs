using System.Security.Cryptography;
using System.Text;
using Headless.Shared;

namespace Headless.Auth;

/// <summary>
/// An organization's API key. Only the visible prefix and a SHA-256 hash of the whole key are
/// stored: the key carries 256 random bits, so a fast hash is enough and lets every request be
/// checked with one indexed lookup by prefix.
/// </summary>
public sealed class ApiKey : IEntity
{
    public const string KeyPrefix = "hk_";

    private ApiKey()
    {
    }

    public const string TypeName = "ApiKey";

    public const int NameMaxLength = 100;

    /// <summary>lastUsedAt is written at most this often per key, so authenticating does not write on every request.</summary>
    public static readonly TimeSpan LastUsedGranularity = TimeSpan.FromMinutes(1);

    private ApiKey(long organizationId, string name, ApiKeyScope scope, string prefix, string secretHash, DateTimeOffset createdAt)
    {
        OrganizationId = organizationId;
        Name = name;
        Scope = scope;
        Prefix = prefix;
        SecretHash = secretHash;
        CreatedAt = createdAt;
    }

    public long Id { get; private set; }

    public long OrganizationId { get; private set; }

    public string Name { get; private set; } = "";

    /// <summary>What the key may do (README "Authentication"). Keys made before scopes existed are ADMIN.</summary>
    public ApiKeyScope Scope { get; private set; }

    /// <summary>The part of the key that is safe to show ("hk_3f9a1c2b"), unique across keys.</summary>
    public string Prefix { get; private set; } = "";

    public string SecretHash { get; private set; } = "";

    public DateTimeOffset CreatedAt { get; private set; }

    public DateTimeOffset? RevokedAt { get; private set; }

    /// <summary>When the key last authenticated a request, to the minute (<see cref="LastUsedGranularity"/>); null if never.</summary>
    public DateTimeOffset? LastUsedAt { get; private set; }

    /// <summary>Creates a key with fresh random material. The returned plain text is shown once and never stored.</summary>
    public static (ApiKey Key, string PlainText) Generate(long organizationId, string name, DateTimeOffset now, ApiKeyScope scope = ApiKeyScope.Admin)
    {
        var prefix = KeyPrefix + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4));
        var secret = Base64Url(RandomNumberGenerator.GetBytes(32));
        var plain = $"{prefix}_{secret}";
        return (new ApiKey(organizationId, name, scope, prefix, Hash(plain), now), plain);
    }

    /// <summary>Registers a key whose plain text is supplied by configuration (the demo key).</summary>
    public static ApiKey FromPlainText(long organizationId, string name, string plainText, DateTimeOffset now, ApiKeyScope scope = ApiKeyScope.Admin)
    {
        if (!TryParsePrefix(plainText, out var prefix))
        {
            throw new ArgumentException($"An API key must look like '{KeyPrefix}<8 hex>_<secret>'.", nameof(plainText));
        }

        return new ApiKey(organizationId, name, scope, prefix, Hash(plainText), now);
    }

    public static bool TryParsePrefix(string candidate, out string prefix)
    {
        prefix = "";
        if (!candidate.StartsWith(KeyPrefix, StringComparison.Ordinal) || candidate.Length < KeyPrefix.Length + 8 + 2 + 16)
        {
            return false;
        }

        var separator = KeyPrefix.Length + 8;
        if (candidate[separator] != '_' || !candidate.AsSpan(KeyPrefix.Length, 8).ContainsOnlyHex())
        {
            return false;
        }

        prefix = candidate[..separator];
        return true;
    }

    public bool Matches(string plainText) =>
        RevokedAt is null &&
        CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(Hash(plainText)), Encoding.ASCII.GetBytes(SecretHash));

    public void Revoke(DateTimeOffset now) => RevokedAt ??= now;

    /// <summary>Whether a request at <paramref name="now"/> should record itself in <see cref="LastUsedAt"/>.</summary>
    public bool LastUsedIsStale(DateTimeOffset now) => LastUsedAt is not { } last || now - last >= LastUsedGranularity;

    private static string Hash(string plain) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(plain)));

    private static string Base64Url(byte[] bytes) =>
        Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}

internal static class SpanHexExtensions
{
    public static bool ContainsOnlyHex(this ReadOnlySpan<char> span)
    {
        foreach (var c in span)
        {
            if (!char.IsAsciiHexDigitLower(c) && !char.IsAsciiDigit(c))
            {
                return false;
            }
        }

        return true;
    }
}
