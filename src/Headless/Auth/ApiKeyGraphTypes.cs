using GraphQL.Types;
using Headless.GraphQL;

namespace Headless.Auth;

public sealed class ApiKeyType : NodeGraphType<ApiKey>
{
    public ApiKeyType()
        : base(ApiKey.TypeName, "A credential of your organization for server-to-server calls. Only its prefix is ever shown again: the key itself is returned once, by apiKeyCreate.")
    {
        Field(x => x.Prefix).Description("The key's first part (\"hk_3f9a1c2b\"), to tell keys apart; the rest of the key is never shown again.");
        Field(x => x.Name).Description("Your name for the key.");
        Field<NonNullGraphType<EnumGraphType<ApiKeyScope>>>("scope").Description("What the key may do.").Resolve(c => c.Source.Scope);
        Field<NonNullGraphType<DateTimeScalar>>("createdAt").Description("When the key was created.").Resolve(c => c.Source.CreatedAt);
        Field<DateTimeScalar>("lastUsedAt").Description("When the key last authenticated a request, to the minute (it is recorded at most once a minute); null if never.").Resolve(c => c.Source.LastUsedAt);
        Field<DateTimeScalar>("revokedAt").Description("When the key was revoked; null while it works.").Resolve(c => c.Source.RevokedAt);
    }
}

/// <summary>Input of apiKeyCreate.</summary>
public sealed record ApiKeyInput
{
    public string? Name { get; init; }

    public ApiKeyScope Scope { get; init; }
}

public sealed class ApiKeyInputType : InputObjectGraphType<ApiKeyInput>
{
    public ApiKeyInputType()
    {
        Name = "ApiKeyInput";
        Description = "An API key to create.";
        Field<NonNullGraphType<StringGraphType>>("name").Description($"Your name for the key, 1 to {ApiKey.NameMaxLength} characters, e.g. \"CRM sync\".");
        Field<NonNullGraphType<EnumGraphType<ApiKeyScope>>>("scope").Description("What the key may do: READ, WRITE or ADMIN (README \"Authentication\").");
    }
}

public sealed class ApiKeyCreatePayloadType : ObjectGraphType<ApiKeyResult>
{
    public ApiKeyCreatePayloadType()
    {
        Name = "ApiKeyCreatePayload";
        Description = "The result of apiKeyCreate: the new key in plain text, shown this once.";
        Field<StringGraphType>("key").Description("The key to send as \"Authorization: Bearer <key>\". Store it now: it is stored hashed and never shown again. Null when userErrors is not empty.").Resolve(c => c.Source.PlainText);
        Field<ApiKeyType>("apiKey").Description("The key as saved; null when userErrors is not empty.").Resolve(c => c.Source.Key);
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<UserErrorType>>>>("userErrors").Description("Problems with the input. When not empty, nothing was changed.").Resolve(c => c.Source.UserErrors);
    }
}

public sealed class ApiKeyPayloadType : ObjectGraphType<ApiKeyResult>
{
    public ApiKeyPayloadType()
    {
        Name = "ApiKeyPayload";
        Description = "The result of apiKeyRevoke.";
        Field<ApiKeyType>("apiKey").Description("The key as saved; null when userErrors is not empty.").Resolve(c => c.Source.Key);
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<UserErrorType>>>>("userErrors").Description("Problems with the input. When not empty, nothing was changed.").Resolve(c => c.Source.UserErrors);
    }
}
