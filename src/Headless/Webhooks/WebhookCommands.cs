namespace Headless.Webhooks;

/// <summary>webhookEndpointCreate, with the caller's organization.</summary>
public sealed record CreateWebhookEndpoint(long OrganizationId, string? Url, IReadOnlyList<string>? EventTypes, string? Description, string? PayloadQuery);

/// <summary>webhookEndpointUpdate: null leaves a field as it is; an empty payloadQuery goes back to the default payload.</summary>
public sealed record UpdateWebhookEndpoint(long OrganizationId, long EndpointId, string? Url, IReadOnlyList<string>? EventTypes, string? Description, string? PayloadQuery);

/// <summary>Disable, enable, delete, rotate the secret, send a test event: one endpoint of the caller's organization.</summary>
public sealed record WebhookEndpointRef(long OrganizationId, long EndpointId);

/// <summary>webhookEndpointReplay: every event after <see cref="AfterPosition"/> (the whole kept log when null).</summary>
public sealed record ReplayWebhookEndpoint(long OrganizationId, long EndpointId, long? AfterPosition);

/// <summary>webhookDeliveryRetry.</summary>
public sealed record RetryWebhookDelivery(long OrganizationId, long DeliveryId);
