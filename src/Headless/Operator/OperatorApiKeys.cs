using Headless.Auth;

namespace Headless.Operator;

/// <summary>The one place operator commands mint an organization's key ('org create' and 'key create').</summary>
internal static class OperatorApiKeys
{
    /// <summary>
    /// A key for the brand's administrator: the first key of a new organization, or a replacement for a lost one, with
    /// scope ADMIN (it can create the brand's narrower keys). The plain text is returned once; only its hash is kept.
    /// </summary>
    public static (ApiKey Key, string PlainText) IssueAdminKey(long organizationId, string name, DateTimeOffset now) =>
        ApiKey.Generate(organizationId, name, now, ApiKeyScope.Admin);
}
