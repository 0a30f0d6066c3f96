using System.Data.Common;
using System.Security.Claims;
using System.Text.Encodings.Web;
using Headless.Data;
using Headless.Shared;
using Microsoft.AspNetCore.Authentication;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Headless.Auth;

/// <summary>Authenticates "Authorization: Bearer hk_xxxxxxxx_secret" against the hashed keys.</summary>
internal sealed class ApiKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    HeadlessDatabase database,
    TimeProvider clock)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "ApiKey";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var token = BearerToken.From(Request);
        if (token is null)
        {
            return AuthenticateResult.NoResult();
        }

        if (!ApiKey.TryParsePrefix(token, out var prefix))
        {
            return AuthenticateResult.Fail("Malformed API key.");
        }

        // Read on every request, never cached: a revocation holds from the next request on, on every instance.
        await using var db = database.CreatePlatformContext();
        var key = await db.ApiKeys.AsNoTracking().FirstOrDefaultAsync(k => k.Prefix == prefix, Context.RequestAborted);
        if (key is null || !key.Matches(token))
        {
            return AuthenticateResult.Fail("Unknown or revoked API key.");
        }

        await RecordUseAsync(db, key);

        var identity = new ClaimsIdentity(
            [
                new Claim(HeadlessClaims.OrganizationId, key.OrganizationId.ToString(System.Globalization.CultureInfo.InvariantCulture)),
                new Claim(HeadlessClaims.Credential, $"api_key:{key.Prefix}"),
                new Claim(HeadlessClaims.Scope, key.Scope.ToWire()),
            ],
            SchemeName);
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName));
    }

    /// <summary>
    /// lastUsedAt to the minute: one conditional write per key and minute, whatever the request rate, and instances
    /// racing for the same minute write it once between them. A failed write never fails the request.
    /// </summary>
    private async Task RecordUseAsync(HeadlessDbContext db, ApiKey key)
    {
        var now = clock.GetUtcNow();
        if (!key.LastUsedIsStale(now))
        {
            return;
        }

        var staleBefore = now - ApiKey.LastUsedGranularity;
        try
        {
            await db.ApiKeys
                .Where(k => k.Id == key.Id && (k.LastUsedAt == null || k.LastUsedAt <= staleBefore))
                .ExecuteUpdateAsync(s => s.SetProperty(k => k.LastUsedAt, now), Context.RequestAborted);
        }
        catch (DbException ex)
        {
            Logger.LogDebug("lastUsedAt of an API key was not recorded: {ExceptionType}", ex.GetType().Name);
        }
    }
}

internal static class BearerToken
{
    public static string? From(HttpRequest request)
    {
        string? header = request.Headers.Authorization;
        if (header is null || !header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        var token = header["Bearer ".Length..].Trim();
        return token.Length == 0 ? null : token;
    }
}
