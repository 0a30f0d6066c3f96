using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using Headless.Shared;

namespace Headless.Tracking;

/// <summary>
/// A patient's link to one order line: an unguessable token that expires and can be revoked. Only a SHA-256 hash of
/// the token is stored: the token carries 256 random bits, so a fast hash is enough and the link is found with one
/// indexed lookup, while a copy of the database opens no link.
/// </summary>
public sealed class TrackingLink : IEntity, ITenantOwned
{
    public const string TypeName = "TrackingLink";

    /// <summary>Random bytes per token: 256 bits, well above the 128 an unguessable link needs.</summary>
    public const int TokenBytes = 32;

    /// <summary>Characters of a token: base64url of <see cref="TokenBytes"/> bytes, without padding.</summary>
    public const int TokenLength = 43;

    private TrackingLink()
    {
    }

    private TrackingLink(long organizationId, long orderLineId, string tokenHash, DateTimeOffset createdAt, DateTimeOffset expiresAt)
    {
        OrganizationId = organizationId;
        OrderLineId = orderLineId;
        TokenHash = tokenHash;
        CreatedAt = createdAt;
        ExpiresAt = expiresAt;
    }

    public long Id { get; private set; }

    public long OrganizationId { get; private set; }

    public long OrderLineId { get; private set; }

    /// <summary>Lower-case hex SHA-256 of the token's UTF-8 bytes; unique.</summary>
    public string TokenHash { get; private set; } = "";

    public DateTimeOffset CreatedAt { get; private set; }

    public DateTimeOffset ExpiresAt { get; private set; }

    public DateTimeOffset? RevokedAt { get; private set; }

    /// <summary>Creates a link with a fresh token. The returned token is shown once (in the URL) and never stored.</summary>
    public static (TrackingLink Link, string Token) Create(long organizationId, long orderLineId, DateTimeOffset now, TimeSpan lifetime)
    {
        var token = Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(TokenBytes));
        return (new TrackingLink(organizationId, orderLineId, HashOf(token), now, now + lifetime), token);
    }

    /// <summary>True for text shaped like a token (43 base64url characters); anything else is not looked up.</summary>
    public static bool IsWellFormed(string? candidate)
    {
        if (candidate is not { Length: TokenLength })
        {
            return false;
        }

        foreach (var c in candidate)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c is not '-' and not '_')
            {
                return false;
            }
        }

        return true;
    }

    public static string HashOf(string token) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)));

    /// <summary>Opens: not revoked and not yet expired.</summary>
    public bool IsActive(DateTimeOffset now) => RevokedAt is null && now < ExpiresAt;

    /// <summary>Revokes for good; revoking again keeps the first time.</summary>
    public void Revoke(DateTimeOffset now) => RevokedAt ??= now;
}
