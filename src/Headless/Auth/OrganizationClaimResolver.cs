using Headless.Data;
using Headless.GraphQL;
using Microsoft.EntityFrameworkCore;

namespace Headless.Auth;

/// <summary>Turns the organization claim of a token (the organization's global ID) into its key, if the organization exists.</summary>
public sealed class OrganizationClaimResolver(HeadlessDatabase database)
{
    public async Task<long?> ResolveAsync(string? claimValue, CancellationToken cancellationToken)
    {
        if (!GlobalId.TryDecode(claimValue, "Organization", out var id))
        {
            return null;
        }

        await using var db = database.CreatePlatformContext();
        return await db.Organizations.AnyAsync(o => o.Id == id, cancellationToken) ? id : null;
    }
}
