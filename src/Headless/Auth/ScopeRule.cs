using System.Security.Claims;
using GraphQL.Validation;
using GraphQLParser.AST;
using Headless.Shared;

namespace Headless.Auth;

/// <summary>
/// The one place that decides which scope an operation needs (README "Authentication"): queries and subscriptions
/// need READ; a mutation needs WRITE, or ADMIN when any of its root fields administers API keys or webhooks. The
/// document validator applies it to every operation before anything executes, so a mutation added later is covered
/// by its name alone, and the whole operation is refused, never a part of it.
/// </summary>
public static class ScopeRule
{
    private static readonly string[] AdminPrefixes = ["apiKey", "webhookEndpoint"];
    private static readonly HashSet<string> AdminFields = new(StringComparer.Ordinal) { "webhookDeliveryRetry" };

    /// <summary>The scope a root field of Mutation needs.</summary>
    public static ApiKeyScope ForMutationField(string name) =>
        AdminFields.Contains(name) || AdminPrefixes.Any(p => name.StartsWith(p, StringComparison.Ordinal)) ? ApiKeyScope.Admin : ApiKeyScope.Write;

    /// <summary>The scope an operation needs, from its type and its root fields (through fragments at the root).</summary>
    public static ApiKeyScope Required(GraphQLDocument document, GraphQLOperationDefinition operation)
    {
        if (operation.Operation != OperationType.Mutation)
        {
            return ApiKeyScope.Read;
        }

        var required = ApiKeyScope.Write;
        foreach (var field in RootFields(document, operation.SelectionSet, []))
        {
            if (ForMutationField(field) > required)
            {
                required = ForMutationField(field);
            }
        }

        return required;
    }

    /// <summary>The caller's scope; a principal without one (none of ours) gets the least.</summary>
    public static ApiKeyScope Scope(this ClaimsPrincipal user) =>
        WireEnum<ApiKeyScope>.TryParse(user.FindFirst(HeadlessClaims.Scope)?.Value, out var scope) ? scope : ApiKeyScope.Read;

    /// <summary>
    /// A token's scope from its "scope" claims (space-separated, as OAuth writes them): the highest of headless:read,
    /// headless:write and headless:admin it carries, or WRITE when it carries none of them.
    /// </summary>
    public static ApiKeyScope FromTokenScopes(IEnumerable<string?> claimValues)
    {
        ApiKeyScope? best = null;
        foreach (var value in claimValues.SelectMany(v => (v ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries)))
        {
            ApiKeyScope? scope = value switch
            {
                TokenScopeRead => ApiKeyScope.Read,
                TokenScopeWrite => ApiKeyScope.Write,
                TokenScopeAdmin => ApiKeyScope.Admin,
                _ => null,
            };
            if (scope is { } s && (best is null || s > best))
            {
                best = s;
            }
        }

        return best ?? ApiKeyScope.Write;
    }

    public const string TokenScopeClaim = "scope";
    public const string TokenScopeRead = "headless:read";
    public const string TokenScopeWrite = "headless:write";
    public const string TokenScopeAdmin = "headless:admin";

    /// <summary>The refusal for an operation above the caller's scope, or null when the scope covers it. Null user: an internal execution (webhook payloads), not a request.</summary>
    public static ForbiddenError? Check(ClaimsPrincipal? user, GraphQLDocument document, GraphQLOperationDefinition operation)
    {
        if (user is null)
        {
            return null;
        }

        var required = Required(document, operation);
        var has = user.Scope();
        return has >= required ? null : new ForbiddenError(required, has, IsApiKey(user));
    }

    private static bool IsApiKey(ClaimsPrincipal user) =>
        user.FindFirst(HeadlessClaims.Credential)?.Value.StartsWith("api_key:", StringComparison.Ordinal) == true;

    private static IEnumerable<string> RootFields(GraphQLDocument document, GraphQLSelectionSet selections, HashSet<string> seenFragments)
    {
        foreach (var selection in selections.Selections)
        {
            switch (selection)
            {
                case GraphQLField field when !field.Name.StringValue.StartsWith("__", StringComparison.Ordinal):
                    yield return field.Name.StringValue;
                    break;
                case GraphQLInlineFragment inline:
                    foreach (var name in RootFields(document, inline.SelectionSet, seenFragments))
                    {
                        yield return name;
                    }

                    break;
                case GraphQLFragmentSpread spread when seenFragments.Add(spread.FragmentName.Name.StringValue):
                    var definition = document.Definitions.OfType<GraphQLFragmentDefinition>()
                        .FirstOrDefault(f => f.FragmentName.Name.StringValue == spread.FragmentName.Name.StringValue);
                    if (definition is not null)
                    {
                        foreach (var name in RootFields(document, definition.SelectionSet, seenFragments))
                        {
                            yield return name;
                        }
                    }

                    break;
            }
        }
    }
}

/// <summary>
/// The operation needs a higher scope than the caller's; nothing was executed. Raised during validation, answered as
/// an executed request with data null and HTTP 200 (the transport marks it), like any authorization failure.
/// </summary>
public sealed class ForbiddenError : ValidationError
{
    public const string ErrorCode = "FORBIDDEN";

    public ForbiddenError(ApiKeyScope required, ApiKeyScope has, bool apiKey)
        : base(apiKey
            ? $"This operation needs an API key with scope {required.ToWire()}; this key has {has.ToWire()}."
            : $"This operation needs scope {required.ToWire()}; this token has {has.ToWire()}.")
    {
        Code = ErrorCode;
        Required = required;
    }

    public ApiKeyScope Required { get; }
}
