using GraphQL;
using GraphQL.Types;
using Headless.GraphQL;
using Microsoft.EntityFrameworkCore;

namespace Headless.Auth;

/// <summary>apiKeys, apiKeyCreate and apiKeyRevoke. Both mutations need an ADMIN key (<see cref="ScopeRule"/>).</summary>
internal sealed class ApiKeysSchema : ISchemaContribution
{
    public void AddQueryFields(ObjectGraphType query) =>
        query.Field<NonNullGraphType<ConnectionType<ApiKeyType, ApiKey>>>("apiKeys")
            .Description("Your organization's API keys, revoked ones included, oldest first. Never the keys themselves: only their prefixes.")
            .PagingArguments()
            .ResolveAsync(async ctx =>
            {
                var (first, after) = ctx.ReadPaging();
                var organizationId = ctx.OrganizationId();
                return await ctx.WithDbAsync((db, ct) => db.ApiKeys.AsNoTracking().Where(k => k.OrganizationId == organizationId).ToConnectionAsync(first, after, ct));
            });

    public void AddMutationFields(ObjectGraphType mutation)
    {
        mutation.Field<NonNullGraphType<ApiKeyCreatePayloadType>>("apiKeyCreate")
            .Description("Creates an API key with a name and a scope and returns it once, in `key`; only a hash is stored.")
            .Argument<NonNullGraphType<ApiKeyInputType>>("input", "The key.")
            .ResolveAsync(async ctx =>
            {
                var input = ctx.GetArgument<ApiKeyInput>("input");
                return await ctx.Service<ApiKeys>().CreateAsync(new CreateApiKey(ctx.OrganizationId(), input.Name, input.Scope), ctx.CancellationToken);
            });

        mutation.Field<NonNullGraphType<ApiKeyPayloadType>>("apiKeyRevoke")
            .Description("Revokes an API key for good: its next request, on any instance, gets 401. The key this request uses may be revoked too (this answer still arrives). Revoking a revoked key changes nothing.")
            .Argument<NonNullGraphType<IdGraphType>>("id", "The API key's global ID.")
            .ResolveAsync(async ctx =>
            {
                var keyId = GlobalId.TryDecode(ctx.GetArgument<string>("id"), ApiKey.TypeName, out var id) ? id : (long?)null;
                return await ctx.Service<ApiKeys>().RevokeAsync(new RevokeApiKey(ctx.OrganizationId(), keyId), ctx.CancellationToken);
            });
    }
}
