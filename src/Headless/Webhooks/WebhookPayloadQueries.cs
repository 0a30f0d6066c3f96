using Headless.GraphQL;

namespace Headless.Webhooks;

/// <summary>Why a payloadQuery is refused.</summary>
public sealed record PayloadQueryProblem(UserErrorCode Code, string Message);

/// <summary>Validates and runs endpoints' payloadQuery documents.</summary>
public sealed class WebhookPayloadQueries
{
    public PayloadQueryProblem? Validate(string query) =>
        new(UserErrorCode.InvalidPayloadQuery, "payloadQuery is not supported yet.");

    public Task<string?> ExecuteAsync(WebhookEndpoint endpoint, Events.DomainEvent e, CancellationToken ct) => ExecuteAsync(endpoint.OrganizationId, e, endpoint.PayloadQuery!, ct);

    public Task<string?> ExecuteAsync(long organizationId, Events.DomainEvent e, string query, CancellationToken ct) => Task.FromResult<string?>(null);
}
