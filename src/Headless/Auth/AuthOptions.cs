namespace Headless.Auth;

/// <summary>Settings under Headless:Auth.</summary>
public sealed class AuthOptions
{
    public const string Section = "Headless:Auth";

    public JwtSettings Jwt { get; set; } = new();

    public IntrospectionSettings Introspection { get; set; } = new();

    /// <summary>JWT bearer tokens issued by the brand's identity provider. Enabled when SigningKey (or Authority) is set.</summary>
    public sealed class JwtSettings
    {
        public string? Issuer { get; set; }

        public string? Audience { get; set; }

        /// <summary>Symmetric HS256 key, at least 32 bytes of UTF-8.</summary>
        public string? SigningKey { get; set; }

        /// <summary>The claim holding the organization's global ID.</summary>
        public string OrganizationClaim { get; set; } = "org_id";

        public bool Enabled => !string.IsNullOrWhiteSpace(SigningKey);
    }

    /// <summary>Opaque tokens checked by OAuth 2.0 token introspection (RFC 7662). Enabled when Endpoint is set.</summary>
    public sealed class IntrospectionSettings
    {
        public string? Endpoint { get; set; }

        public string? ClientId { get; set; }

        public string? ClientSecret { get; set; }

        public string OrganizationClaim { get; set; } = "org_id";

        public bool Enabled => !string.IsNullOrWhiteSpace(Endpoint);
    }
}

/// <summary>Claim types the service issues to itself after a credential is checked.</summary>
public static class HeadlessClaims
{
    /// <summary>The organization's numeric key. The only source of the tenant.</summary>
    public const string OrganizationId = "headless:org";

    /// <summary>How the caller authenticated, e.g. "api_key:hk_3f9a1c2b" (never the secret).</summary>
    public const string Credential = "headless:credential";

    /// <summary>The credential's scope as its wire string ("READ", "WRITE", "ADMIN"); see <see cref="ScopeRule"/>.</summary>
    public const string Scope = "headless:scope";
}
