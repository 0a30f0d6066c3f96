using System.Security.Claims;
using Headless.Auth;
using Microsoft.AspNetCore.Authentication;

namespace Headless.Transport.WebSockets;

/// <summary>
/// Authenticates the credential a client sends in connection_init (browsers cannot set headers on a WebSocket) with the
/// very schemes HTTP requests use: API keys, JWTs and introspected tokens. The upgrade request has been through
/// authentication already (without a credential), and handlers keep their result per request, so the credential is
/// checked on a request of its own in a scope of its own.
/// </summary>
internal sealed class WebSocketAuthenticator(IServiceScopeFactory scopes)
{
    public async Task<ClaimsPrincipal?> AuthenticateAsync(HttpContext upgrade, string authorization, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var request = new DefaultHttpContext { RequestServices = scope.ServiceProvider, RequestAborted = ct };
        request.Request.Headers.Authorization = authorization;
        request.Connection.RemoteIpAddress = upgrade.Connection.RemoteIpAddress;
        var result = await request.AuthenticateAsync(AuthServiceCollectionExtensions.Scheme);
        return result.Succeeded && result.Principal.OrganizationId() is not null ? result.Principal : null;
    }

    /// <summary>When a token credential stops being valid: its "exp" claim (JWTs, and introspected tokens whose server sends it).</summary>
    public static DateTimeOffset? ExpiresAt(ClaimsPrincipal user) =>
        user.FindFirst("exp")?.Value is { } exp && long.TryParse(exp, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var seconds)
            ? DateTimeOffset.FromUnixTimeSeconds(seconds)
            : null;
}
