using Headless.Data;
using Headless.GraphQL;
using Microsoft.EntityFrameworkCore;

namespace Headless.Auth;

/// <summary>Creates an API key for the caller's organization.</summary>
public sealed record CreateApiKey(long OrganizationId, string? Name, ApiKeyScope Scope);

/// <summary>Revokes an API key of the caller's organization (null: an ID that names no API key).</summary>
public sealed record RevokeApiKey(long OrganizationId, long? KeyId);

/// <summary>The outcome of an API key mutation: the plain-text key only right after creation.</summary>
public sealed record ApiKeyResult(ApiKey? Key, string? PlainText, IReadOnlyList<UserError> UserErrors);

/// <summary>
/// The organization's own key administration. API keys are not tenant-filtered rows (authentication looks them up
/// before a tenant exists), so every query here names the organization itself.
/// </summary>
public sealed class ApiKeys(HeadlessDatabase database, ApiKeyCache cache, TimeProvider clock)
{
    public const string NotFoundMessage = "No API key with this ID exists for your organization.";

    public async Task<ApiKeyResult> CreateAsync(CreateApiKey command, CancellationToken ct)
    {
        var name = command.Name?.Trim() ?? "";
        if (name.Length == 0)
        {
            return Refused(UserErrorCode.Required, "A name is required, e.g. \"CRM sync\".", "input", "name");
        }

        if (name.Length > ApiKey.NameMaxLength)
        {
            return Refused(UserErrorCode.TooLong, $"The name can be at most {ApiKey.NameMaxLength} characters.", "input", "name");
        }

        var (key, plain) = ApiKey.Generate(command.OrganizationId, name, clock.GetUtcNow(), command.Scope);
        await using var db = database.CreateContext(TenantContext.For(command.OrganizationId));
        db.ApiKeys.Add(key);
        await db.SaveChangesAsync(ct);
        return new ApiKeyResult(key, plain, []);
    }

    /// <summary>
    /// Idempotent: revoking a revoked key keeps its first revokedAt. The key the request came with may be revoked too;
    /// this answer still arrives, and the next request with it gets 401.
    /// </summary>
    public async Task<ApiKeyResult> RevokeAsync(RevokeApiKey command, CancellationToken ct)
    {
        await using var db = database.CreateContext(TenantContext.For(command.OrganizationId));
        var key = command.KeyId is { } id
            ? await db.ApiKeys.FirstOrDefaultAsync(k => k.Id == id && k.OrganizationId == command.OrganizationId, ct)
            : null;
        if (key is null)
        {
            return Refused(UserErrorCode.NotFound, NotFoundMessage, "id");
        }

        if (key.RevokedAt is null)
        {
            key.Revoke(clock.GetUtcNow());
            await db.SaveChangesAsync(ct);
        }

        // Other instances drop their copy within ApiKeyCache.Lifetime; this one at once.
        cache.Forget(key.Prefix);

        return new ApiKeyResult(key, null, []);
    }

    private static ApiKeyResult Refused(UserErrorCode code, string message, params string[] field) =>
        new(null, null, [new UserError(code, field, message)]);
}
