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
    ApiKeyCache cache,
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

        // A key read less than a second ago is trusted without asking the database (ApiKeyCache): a revocation holds
        // within that second on every instance. A key that does not match is always looked up again.
        var cached = cache.Find(prefix);
        ApiKey key;
        if (cached is not null && cached.Key.Matches(token))
        {
            key = cached.Key;
            await RecordUseAsync(cached);
        }
        else
        {
            await using var db = database.CreatePlatformContext();
            var found = await db.ApiKeys.AsNoTracking().FirstOrDefaultAsync(k => k.Prefix == prefix, Context.RequestAborted);
            if (found is null || !found.Matches(token))
            {
                return AuthenticateResult.Fail("Unknown or revoked API key.");
            }

            key = found;
            var now = clock.GetUtcNow();
            cache.Keep(key, await RecordUseAsync(db, key.Id, key.LastUsedAt) ? now : key.LastUsedAt);
        }

        var identity = new ClaimsIdentity(
            [
                new Claim(HeadlessClaims.OrganizationId, key.OrganizationId.ToString(System.Globalization.CultureInfo.InvariantCulture)),
                new Claim(HeadlessClaims.Credential, $"api_key:{key.Prefix}"),
                new Claim(HeadlessClaims.Scope, key.Scope.ToWire()),
            ],
            SchemeName);
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName));
    }

    /// <summary>A cached key's lastUsedAt, written when the minute it knows of has passed; the entry then knows the new one.</summary>
    private async Task RecordUseAsync(ApiKeyCache.Entry cached)
    {
        var now = clock.GetUtcNow();
        if (!cached.LastUsedIsStale(now))
        {
            return;
        }

        await using var db = database.CreatePlatformContext();
        if (await RecordUseAsync(db, cached.Key.Id, cached.LastUsedAt))
        {
            cache.Used(cached, now);
        }
    }

    /// <summary>
    /// lastUsedAt to the minute: one conditional write per key and minute, whatever the request rate, and instances
    /// racing for the same minute write it once between them. A failed write never fails the request. True when the
    /// stored value is now this minute's (written here or, racing, by another instance).
    /// </summary>
    private async Task<bool> RecordUseAsync(HeadlessDbContext db, long keyId, DateTimeOffset? lastUsedAt)
    {
        var now = clock.GetUtcNow();
        if (lastUsedAt is { } last && now - last < ApiKey.LastUsedGranularity)
        {
            return false;
        }

        var staleBefore = now - ApiKey.LastUsedGranularity;
        try
        {
            await db.ApiKeys
                .Where(k => k.Id == keyId && (k.LastUsedAt == null || k.LastUsedAt <= staleBefore))
                .ExecuteUpdateAsync(s => s.SetProperty(k => k.LastUsedAt, now), Context.RequestAborted);
            return true;
        }
        catch (DbException ex)
        {
            Logger.LogDebug("lastUsedAt of an API key was not recorded: {ExceptionType}", ex.GetType().Name);
            return false;
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
