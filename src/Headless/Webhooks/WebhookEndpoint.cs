using System.ComponentModel;
using GraphQL;
using Headless.Shared;

namespace Headless.Webhooks;

[Name("WebhookEndpointStatus")]
[Description("Whether an endpoint receives deliveries.")]
public enum WebhookEndpointStatus
{
    [Description("Events of its types are delivered to it.")]
    Enabled,

    [Description("Nothing is delivered; see disabledReason. Enable it again with webhookEndpointEnable, then replay what it missed with webhookEndpointReplay.")]
    Disabled,
}

[Name("WebhookDisabledReason")]
[Description("Why an endpoint was disabled.")]
public enum WebhookDisabledReason
{
    [Description("You disabled it (webhookEndpointDisable).")]
    Manual,

    [Description("It answered 410 Gone: the receiver asked not to be called again.")]
    Gone,

    [Description("Every attempt to reach it failed for longer than Headless:Webhooks:DisableAfter (5 days by default).")]
    Failing,
}

/// <summary>
/// A brand's receiver of Standard Webhooks: where to send, which event types, how to shape the payload, and the
/// signing secrets (encrypted at rest). During a secret rotation the previous secret keeps signing, after the new one,
/// until <see cref="PreviousSecretExpiresAt"/>.
/// </summary>
public sealed class WebhookEndpoint : IEntity, ITenantOwned
{
    private WebhookEndpoint()
    {
    }

    public WebhookEndpoint(long organizationId, string url, IReadOnlyCollection<string> eventTypes, string? description, string? payloadQuery, ProtectedSecret secret, long startPosition, DateTimeOffset now)
    {
        OrganizationId = organizationId;
        Url = url;
        SetEventTypes(eventTypes);
        Description = description;
        PayloadQuery = payloadQuery;
        Secret = secret;
        StartPosition = startPosition;
        Status = WebhookEndpointStatus.Enabled;
        CreatedAt = now;
        UpdatedAt = now;
    }

    public long Id { get; private set; }

    public long OrganizationId { get; private set; }

    public string Url { get; private set; } = "";

    /// <summary>The subscribed event types, comma-separated in the column.</summary>
    public string EventTypeList { get; private set; } = "";

    public IReadOnlyList<string> EventTypes => EventTypeList.Split(',', StringSplitOptions.RemoveEmptyEntries);

    public string? Description { get; private set; }

    /// <summary>A GraphQL document over the event that shapes the payload; null for the default thin payload.</summary>
    public string? PayloadQuery { get; private set; }

    /// <summary>The current signing secret (whsec_...), encrypted.</summary>
    public ProtectedSecret Secret { get; private set; } = null!;

    /// <summary>The secret before the last rotation, still signing (second) until <see cref="PreviousSecretExpiresAt"/>.</summary>
    public ProtectedSecret? PreviousSecret { get; private set; }

    public DateTimeOffset? PreviousSecretExpiresAt { get; private set; }

    public DateTimeOffset? SecretRotatedAt { get; private set; }

    public WebhookEndpointStatus Status { get; private set; }

    public WebhookDisabledReason? DisabledReason { get; private set; }

    public DateTimeOffset? DisabledAt { get; private set; }

    /// <summary>Since when every attempt has failed; null while the last attempt succeeded (or none was made).</summary>
    public DateTimeOffset? FailingSince { get; private set; }

    /// <summary>Events after this position of the organization's log are delivered: set when created and when enabled again.</summary>
    public long StartPosition { get; private set; }

    public DateTimeOffset CreatedAt { get; private set; }

    public DateTimeOffset UpdatedAt { get; private set; }

    public bool Subscribes(string eventType) => EventTypes.Contains(eventType, StringComparer.Ordinal);

    public void Update(string? url, IReadOnlyCollection<string>? eventTypes, string? description, string? payloadQuery, bool clearPayloadQuery, DateTimeOffset now)
    {
        Url = url ?? Url;
        if (eventTypes is not null)
        {
            SetEventTypes(eventTypes);
        }

        Description = description ?? Description;
        PayloadQuery = clearPayloadQuery ? null : payloadQuery ?? PayloadQuery;
        UpdatedAt = now;
    }

    /// <summary>The new secret signs first; the old one keeps signing until <paramref name="overlapUntil"/> (none when it is now).</summary>
    public void Rotate(ProtectedSecret secret, DateTimeOffset overlapUntil, DateTimeOffset now)
    {
        PreviousSecret = overlapUntil > now ? Secret : null;
        PreviousSecretExpiresAt = overlapUntil > now ? overlapUntil : null;
        Secret = secret;
        SecretRotatedAt = now;
        UpdatedAt = now;
    }

    public void Disable(WebhookDisabledReason reason, DateTimeOffset now)
    {
        Status = WebhookEndpointStatus.Disabled;
        DisabledReason = reason;
        DisabledAt = now;
        UpdatedAt = now;
    }

    /// <summary>Enabled again from <paramref name="startPosition"/>: what happened while it was off is replayed only on request.</summary>
    public void Enable(long startPosition, DateTimeOffset now)
    {
        if (Status == WebhookEndpointStatus.Enabled)
        {
            return;
        }

        Status = WebhookEndpointStatus.Enabled;
        DisabledReason = null;
        DisabledAt = null;
        FailingSince = null;
        StartPosition = Math.Max(StartPosition, startPosition);
        UpdatedAt = now;
    }

    private void SetEventTypes(IReadOnlyCollection<string> eventTypes) => EventTypeList = string.Join(',', eventTypes.Distinct(StringComparer.Ordinal));
}

/// <summary>How far the webhook fan-out has read one organization's event log: every event up to here has its deliveries.</summary>
public sealed class WebhookFanoutCursor
{
    private WebhookFanoutCursor()
    {
    }

    public WebhookFanoutCursor(long organizationId, long position)
    {
        OrganizationId = organizationId;
        Position = position;
    }

    public long OrganizationId { get; private set; }

    public long Position { get; private set; }
}
