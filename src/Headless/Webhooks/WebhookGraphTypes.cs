using GraphQL;
using GraphQL.Types;
using Headless.Events;
using Headless.GraphQL;
using Microsoft.EntityFrameworkCore;

namespace Headless.Webhooks;

public sealed class WebhookEndpointType : NodeGraphType<WebhookEndpoint>
{
    public const string TypeName = "WebhookEndpoint";

    public WebhookEndpointType()
        : base(TypeName, "A receiver of Standard Webhooks in your CRM: where events of its types are delivered, signed with its secret. The secret is shown once, by webhookEndpointCreate and webhookEndpointRotateSecret.")
    {
        Field(x => x.Url).Description("Where deliveries are POSTed.");
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<StringGraphType>>>>("eventTypes").Description("The event types delivered to it.").Resolve(c => c.Source.EventTypes);
        Field(x => x.Description, nullable: true).Description("Your note about the endpoint.");
        Field(x => x.PayloadQuery, nullable: true).Description("The GraphQL document that shapes each payload; null for the default thin payload (README \"Webhooks\").");
        Field<NonNullGraphType<EnumGraphType<WebhookEndpointStatus>>>("status").Description("Whether deliveries are made.").Resolve(c => c.Source.Status);
        Field<EnumGraphType<WebhookDisabledReason>>("disabledReason").Description("Why it is disabled; null while enabled.").Resolve(c => c.Source.DisabledReason);
        Field<DateTimeScalar>("disabledAt").Description("When it was disabled; null while enabled.").Resolve(c => c.Source.DisabledAt);
        Field<DateTimeScalar>("failingSince").Description("Since when every attempt has failed; null while the last attempt succeeded. After Headless:Webhooks:DisableAfter (5 days) of failures the endpoint is disabled.").Resolve(c => c.Source.FailingSince);
        Field<DateTimeScalar>("secretRotatedAt").Description("When the secret was last rotated; null if never.").Resolve(c => c.Source.SecretRotatedAt);
        Field<DateTimeScalar>("previousSecretExpiresAt").Description("Until when the previous secret still signs (its signature comes second in webhook-signature); null when only the current secret signs.")
            .Resolve(c => c.Source.PreviousSecretExpiresAt > c.Service<TimeProvider>().GetUtcNow() ? c.Source.PreviousSecretExpiresAt : null);
        Field<NonNullGraphType<DateTimeScalar>>("createdAt").Description("When the endpoint was created.").Resolve(c => c.Source.CreatedAt);
        Field<NonNullGraphType<DateTimeScalar>>("updatedAt").Description("When the endpoint was last changed.").Resolve(c => c.Source.UpdatedAt);
        Field<NonNullGraphType<ConnectionType<WebhookDeliveryType, WebhookDelivery>>>("deliveries")
            .Description("The endpoint's deliveries, oldest first, optionally only those of one status.")
            .Argument<EnumGraphType<WebhookDeliveryStatus>>("status", "Only deliveries in this status.")
            .PagingArguments()
            .ResolveAsync(async c =>
            {
                var (first, after) = c.ReadPaging();
                var endpointId = c.Source.Id;
                var status = c.GetArgument<WebhookDeliveryStatus?>("status");
                return (object?)await c.WithDbAsync((db, ct) =>
                    db.Set<WebhookDelivery>().AsNoTracking()
                        .Where(d => d.EndpointId == endpointId && (status == null || d.Status == status))
                        .ToConnectionAsync(first, after, ct));
            });
    }
}

public sealed class WebhookDeliveryType : NodeGraphType<WebhookDelivery>
{
    public const string TypeName = "WebhookDelivery";

    public WebhookDeliveryType()
        : base(TypeName, "One event on its way to one endpoint, with every attempt. Retries, manual retries and replays of it carry the same webhook-id.")
    {
        Field<NonNullGraphType<WebhookEndpointType>>("endpoint").Description("Where it goes.")
            .ResolveAsync(async c =>
            {
                var endpointId = c.Source.EndpointId;
                return (object?)await c.WithDbAsync((db, ct) => db.Set<WebhookEndpoint>().AsNoTracking().FirstAsync(e => e.Id == endpointId, ct));
            });
        Field<EventType>("event").Description("The event delivered; null for a test delivery, or once the event log no longer keeps it.")
            .ResolveAsync(async c =>
            {
                if (c.Source.EventId is not { } eventId)
                {
                    return null;
                }

                return (object?)await c.WithDbAsync((db, ct) => db.Set<DomainEvent>().AsNoTracking().FirstOrDefaultAsync(e => e.Id == eventId, ct));
            });
        Field(x => x.EventType).Description("The event's type (webhook.test for a test delivery).");
        Field<NonNullGraphType<StringGraphType>>("webhookId").Description("The webhook-id header it is sent with: use it to drop duplicates.").Resolve(c => c.Source.WebhookId);
        Field<IntGraphType>("sequence").Description("For order line events, the line's sequence after the change.").Resolve(c => c.Source.Sequence);
        Field<NonNullGraphType<EnumGraphType<WebhookDeliveryStatus>>>("status").Description("Where the delivery stands.").Resolve(c => c.Source.Status);
        Field(x => x.AttemptCount).Description("HTTP attempts so far.");
        Field<DateTimeScalar>("nextAttemptAt").Description("When the next attempt is due; null once it succeeded or was given up.").Resolve(c => c.Source.NextAttemptAt);
        Field<DateTimeScalar>("lastAttemptAt").Description("When it was last attempted; null before the first attempt.").Resolve(c => c.Source.LastAttemptAt);
        Field<DateTimeScalar>("succeededAt").Description("When the endpoint accepted it; null until then.").Resolve(c => c.Source.SucceededAt);
        Field<NonNullGraphType<DateTimeScalar>>("createdAt").Description("When the delivery was created.").Resolve(c => c.Source.CreatedAt);
        Field<JsonScalar>("payload").Description("The JSON body sent (fixed at the first attempt); null before it.").Resolve(c => c.Source.Body);
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<WebhookDeliveryAttemptType>>>>("attempts")
            .Description("Its attempts, oldest first (the 100 most recent).")
            .ResolveAsync(async c =>
            {
                var deliveryId = c.Source.Id;
                var attempts = await c.WithDbAsync((db, ct) =>
                    db.Set<WebhookDeliveryAttempt>().AsNoTracking().Where(a => a.DeliveryId == deliveryId).OrderByDescending(a => a.Id).Take(100).ToListAsync(ct));
                attempts.Reverse();
                return (object?)attempts;
            });
    }
}

public sealed class WebhookDeliveryAttemptType : ObjectGraphType<WebhookDeliveryAttempt>
{
    public WebhookDeliveryAttemptType()
    {
        Name = "WebhookDeliveryAttempt";
        Description = "One HTTP attempt of a delivery.";
        Field(x => x.Number).Description("1 for the first attempt of the delivery, counting on across retries and replays.");
        Field<NonNullGraphType<DateTimeScalar>>("time").Description("When it was made (its webhook-timestamp).").Resolve(c => c.Source.At);
        Field<NonNullGraphType<EnumGraphType<WebhookAttemptTrigger>>>("trigger").Description("Whether the schedule or a request started it.").Resolve(c => c.Source.Trigger);
        Field(x => x.StatusCode, nullable: true).Description("The HTTP status the endpoint answered; null when no answer came.");
        Field(x => x.DurationMs).Description("How long it took, in milliseconds.");
        Field<EnumGraphType<WebhookErrorClass>>("errorClass").Description("Why it failed; null when it succeeded.").Resolve(c => c.Source.ErrorClass);
        Field(x => x.ResponseBody, nullable: true).Description("The start of the endpoint's answer, at most 1 KB.");
    }
}

/// <summary>Inputs of webhookEndpointCreate and webhookEndpointUpdate.</summary>
public sealed record WebhookEndpointInput
{
    public string? Url { get; init; }

    public List<string>? EventTypes { get; init; }

    public string? Description { get; init; }

    public string? PayloadQuery { get; init; }
}

public sealed class WebhookEndpointCreateInputType : InputObjectGraphType<WebhookEndpointInput>
{
    public WebhookEndpointCreateInputType()
    {
        Name = "WebhookEndpointCreateInput";
        Description = "A webhook endpoint to create.";
        Field<NonNullGraphType<StringGraphType>>("url").Description("Where to POST deliveries: an absolute https URL on the public internet (at most 2000 characters).");
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<StringGraphType>>>>("eventTypes").Description($"The event types to deliver, at least one of: {string.Join(", ", EventTypes.All.Keys)}.");
        Field<StringGraphType>("description").Description("Your note about the endpoint (at most 500 characters).");
        Field<StringGraphType>("payloadQuery").Description("A GraphQL document over the event that shapes each payload, e.g. `{ event { ... on OrderLineStatusChanged { line { number status tracking { number } } } } }`; without it the default thin payload is sent. Patient data cannot be selected.");
    }
}

public sealed class WebhookEndpointUpdateInputType : InputObjectGraphType<WebhookEndpointInput>
{
    public WebhookEndpointUpdateInputType()
    {
        Name = "WebhookEndpointUpdateInput";
        Description = "Changes to a webhook endpoint; fields left out stay as they are.";
        Field<StringGraphType>("url").Description("A new URL (https, public internet).");
        Field<ListGraphType<NonNullGraphType<StringGraphType>>>("eventTypes").Description("The new set of event types (at least one).");
        Field<StringGraphType>("description").Description("A new note.");
        Field<StringGraphType>("payloadQuery").Description("A new payload document; an empty string goes back to the default payload.");
    }
}

public sealed class WebhookEndpointPayloadType : ObjectGraphType<WebhookEndpointResult>
{
    public WebhookEndpointPayloadType()
    {
        Name = "WebhookEndpointPayload";
        Description = "The result of a webhook endpoint mutation.";
        Field<WebhookEndpointType>("endpoint").Description("The endpoint as saved (as it was, for webhookEndpointDelete); null when userErrors is not empty.").Resolve(c => c.Source.Endpoint);
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<UserErrorType>>>>("userErrors").Description("Problems with the input. When not empty, nothing was changed.").Resolve(c => c.Source.UserErrors);
    }
}

public sealed class WebhookEndpointSecretPayloadType : ObjectGraphType<WebhookEndpointResult>
{
    public WebhookEndpointSecretPayloadType()
    {
        Name = "WebhookEndpointSecretPayload";
        Description = "The result of creating an endpoint or rotating its secret: the new secret, shown this once.";
        Field<WebhookEndpointType>("endpoint").Description("The endpoint as saved; null when userErrors is not empty.").Resolve(c => c.Source.Endpoint);
        Field<StringGraphType>("secret").Description("The new signing secret (whsec_ and base64 of 32 random bytes). Store it now: it is never shown again.").Resolve(c => c.Source.Secret);
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<UserErrorType>>>>("userErrors").Description("Problems with the input. When not empty, nothing was changed.").Resolve(c => c.Source.UserErrors);
    }
}

public sealed class WebhookDeliveryPayloadType : ObjectGraphType<WebhookDeliveryResult>
{
    public WebhookDeliveryPayloadType()
    {
        Name = "WebhookDeliveryPayload";
        Description = "The result of webhookDeliveryRetry and webhookEndpointTest.";
        Field<WebhookDeliveryType>("delivery").Description("The delivery queued; null when userErrors is not empty.").Resolve(c => c.Source.Delivery);
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<UserErrorType>>>>("userErrors").Description("Problems with the input. When not empty, nothing was changed.").Resolve(c => c.Source.UserErrors);
    }
}

public sealed class WebhookEndpointReplayPayloadType : ObjectGraphType<WebhookReplayResult>
{
    public WebhookEndpointReplayPayloadType()
    {
        Name = "WebhookEndpointReplayPayload";
        Description = "The result of webhookEndpointReplay.";
        Field<WebhookEndpointType>("endpoint").Description("The endpoint; null when userErrors is not empty.").Resolve(c => c.Source.Endpoint);
        Field<NonNullGraphType<IntGraphType>>("replayed").Description("How many events were queued again (at most 1000 per call).").Resolve(c => c.Source.Replayed);
        Field<StringGraphType>("endCursor").Description("The cursor of the last event queued: pass it as `after` to replay the rest when hasMore is true.").Resolve(c => c.Source.EndCursor);
        Field<NonNullGraphType<BooleanGraphType>>("hasMore").Description("True when more events follow endCursor.").Resolve(c => c.Source.HasMore);
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<UserErrorType>>>>("userErrors").Description("Problems with the input. When not empty, nothing was changed.").Resolve(c => c.Source.UserErrors);
    }
}

/// <summary>What webhookSamplePayload answers.</summary>
public sealed record WebhookSample(string? Payload, IReadOnlyList<UserError> UserErrors);

public sealed class WebhookSamplePayloadType : ObjectGraphType<WebhookSample>
{
    public WebhookSamplePayloadType()
    {
        Name = "WebhookSamplePayload";
        Description = "What a delivery of an event type would contain, built from your latest event of that type (or a made-up one).";
        Field<JsonScalar>("payload").Description("The JSON body a delivery would carry; null when userErrors is not empty.").Resolve(c => c.Source.Payload);
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<UserErrorType>>>>("userErrors").Description("Problems with the event type or the payloadQuery.").Resolve(c => c.Source.UserErrors);
    }
}
