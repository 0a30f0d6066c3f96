using System.Security.Claims;
using System.Text.Encodings.Web;
using Duende.IdentityModel.Client;
using Headless.Shared;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace Headless.Auth;

/// <summary>Authenticates opaque bearer tokens with OAuth 2.0 token introspection (RFC 7662) via Duende.IdentityModel.</summary>
internal sealed class IntrospectionAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    IOptions<AuthOptions> auth,
    IHttpClientFactory httpClients,
    OrganizationClaimResolver organizations)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "Introspection";
    public const string HttpClientName = "headless-introspection";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var token = BearerToken.From(Request);
        var settings = auth.Value.Introspection;
        if (token is null || !settings.Enabled)
        {
            return AuthenticateResult.NoResult();
        }

        var client = httpClients.CreateClient(HttpClientName);
        var response = await client.IntrospectTokenAsync(
            new TokenIntrospectionRequest
            {
                Address = settings.Endpoint,
                ClientId = settings.ClientId ?? "",
                ClientSecret = settings.ClientSecret,
                Token = token,
            },
            Context.RequestAborted);

        if (response.IsError)
        {
            Logger.LogWarning("Token introspection failed: {ErrorType}", response.ErrorType);
            return AuthenticateResult.Fail("Token introspection failed.");
        }

        if (!response.IsActive)
        {
            return AuthenticateResult.Fail("The token is not active.");
        }

        var orgClaim = response.Claims.FirstOrDefault(c => c.Type == settings.OrganizationClaim)?.Value;
        var orgId = await organizations.ResolveAsync(orgClaim, Context.RequestAborted);
        if (orgId is null)
        {
            return AuthenticateResult.Fail("The token names no known organization.");
        }

        var identity = new ClaimsIdentity(
            [
                new Claim(HeadlessClaims.OrganizationId, orgId.Value.ToString(System.Globalization.CultureInfo.InvariantCulture)),
                new Claim(HeadlessClaims.Credential, "introspection"),
                new Claim(HeadlessClaims.Scope, ScopeRule.FromTokenScopes(response.Claims.Where(c => c.Type == ScopeRule.TokenScopeClaim).Select(c => c.Value)).ToWire()),
                .. response.Claims.Where(c => c.Type is "sub" or "client_id" or "exp"),
            ],
            SchemeName);
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName));
    }
}
