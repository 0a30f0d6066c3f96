using GraphQL;
using GraphQL.Types;
using Headless.Events;
using Headless.GraphQL;
using Microsoft.EntityFrameworkCore;

namespace Headless.Webhooks;

/// <summary>The webhook queries and mutations: global IDs decoded here into typed commands for the services.</summary>
internal sealed class WebhooksSchema : ISchemaContribution
{
    public void AddQueryFields(ObjectGraphType query)
    {
        query.Field<NonNullGraphType<ConnectionType<WebhookEndpointType, WebhookEndpoint>>>("webhookEndpoints")
            .Description("Your organization's webhook endpoints, oldest first.")
            .PagingArguments()
            .ResolveAsync(async ctx =>
            {
                var (first, after) = ctx.ReadPaging();
                return await ctx.WithDbAsync((db, ct) => db.Set<WebhookEndpoint>().AsNoTracking().ToConnectionAsync(first, after, ct));
            });

        query.Field<NonNullGraphType<WebhookSamplePayloadType>>("webhookSamplePayload")
            .Description("What a delivery of `eventType` would contain, with the default payload or with `payloadQuery`: built from your latest event of that type, or a made-up event when you have none yet.")
            .Argument<NonNullGraphType<StringGraphType>>("eventType", $"One of {string.Join(", ", EventTypes.All.Keys)}.")
            .Argument<StringGraphType>("payloadQuery", "A payload document to try; without it, the default payload.")
            .ResolveAsync(async ctx =>
                await ctx.Service<WebhookSamples>().SampleAsync(ctx.OrganizationId(), ctx.GetArgument<string>("eventType"), ctx.GetArgument<string?>("payloadQuery"), ctx.CancellationToken));
    }

    public void AddMutationFields(ObjectGraphType mutation)
    {
        mutation.Field<NonNullGraphType<WebhookEndpointSecretPayloadType>>("webhookEndpointCreate")
            .Description("Creates a webhook endpoint: events of its types that happen from now on are delivered to it, signed with the secret this returns once.")
            .Argument<NonNullGraphType<WebhookEndpointCreateInputType>>("input", "The endpoint.")
            .ResolveAsync(async ctx =>
            {
                var input = ctx.GetArgument<WebhookEndpointInput>("input");
                return await Endpoints(ctx).CreateAsync(new CreateWebhookEndpoint(ctx.OrganizationId(), input.Url, input.EventTypes, input.Description, input.PayloadQuery), ctx.CancellationToken);
            });

        mutation.Field<NonNullGraphType<WebhookEndpointPayloadType>>("webhookEndpointUpdate")
            .Description("Changes an endpoint's URL, event types, description or payload document. Deliveries already made keep the body they were sent with.")
            .Argument<NonNullGraphType<IdGraphType>>("id", "The endpoint's global ID.")
            .Argument<NonNullGraphType<WebhookEndpointUpdateInputType>>("input", "The changes.")
            .ResolveAsync(async ctx =>
            {
                if (!TryEndpoint(ctx, "id", out var id))
                {
                    return WebhookEndpointResult.Failed(WebhookEndpoints.NotFound("id"));
                }

                var input = ctx.GetArgument<WebhookEndpointInput>("input");
                return await Endpoints(ctx).UpdateAsync(new UpdateWebhookEndpoint(ctx.OrganizationId(), id, input.Url, input.EventTypes, input.Description, input.PayloadQuery), ctx.CancellationToken);
            });

        EndpointMutation<WebhookEndpointPayloadType>(mutation, "webhookEndpointDisable", "Stops deliveries to an endpoint (reason MANUAL). Deliveries waiting for it are given up; replay them after enabling it.", (s, c, ct) => s.DisableAsync(c, ct));
        EndpointMutation<WebhookEndpointPayloadType>(mutation, "webhookEndpointEnable", "Starts deliveries to a disabled endpoint again, for events from now on; webhookEndpointReplay sends what it missed.", (s, c, ct) => s.EnableAsync(c, ct));
        EndpointMutation<WebhookEndpointPayloadType>(mutation, "webhookEndpointDelete", "Deletes an endpoint with its deliveries. Nothing more is sent to it.", (s, c, ct) => s.DeleteAsync(c, ct));
        EndpointMutation<WebhookEndpointSecretPayloadType>(mutation, "webhookEndpointRotateSecret", "Gives the endpoint a new secret, returned once. For Headless:Webhooks:SecretRotationOverlap (24 hours) both sign each delivery, the new one first, so the receiver can switch without missing one.", (s, c, ct) => s.RotateSecretAsync(c, ct));

        mutation.Field<NonNullGraphType<WebhookDeliveryPayloadType>>("webhookDeliveryRetry")
            .Description("Sends one delivery again now (with the same webhook-id), whatever its status, with a fresh retry schedule.")
            .Argument<NonNullGraphType<IdGraphType>>("deliveryId", "The delivery's global ID.")
            .ResolveAsync(async ctx =>
                !GlobalId.TryDecode(ctx.GetArgument<string>("deliveryId"), WebhookDeliveryType.TypeName, out var id)
                    ? new WebhookDeliveryResult(null, [new UserError(UserErrorCode.NotFound, ["deliveryId"], "No webhook delivery with this ID exists for your organization.")])
                    : await ctx.Service<WebhookDeliveries>().RetryAsync(new RetryWebhookDelivery(ctx.OrganizationId(), id), ctx.CancellationToken));

        mutation.Field<NonNullGraphType<WebhookEndpointReplayPayloadType>>("webhookEndpointReplay")
            .Description("Sends every event of the endpoint's types after `after` again, in order, each with its original webhook-id (receivers drop what they already have): after an outage, or after enabling a disabled endpoint. At most 1000 events per call; continue from endCursor while hasMore.")
            .Argument<NonNullGraphType<IdGraphType>>("endpointId", "The endpoint's global ID.")
            .Argument<StringGraphType>("after", "An event cursor (an event's `cursor`, or a delivery's `event { cursor }`); without it, every event the log still keeps.")
            .ResolveAsync(async ctx =>
            {
                if (!TryEndpoint(ctx, "endpointId", out var id))
                {
                    return new WebhookReplayResult(null, 0, null, false, [WebhookEndpoints.NotFound("endpointId")]);
                }

                long? after = null;
                if (ctx.GetArgument<string?>("after") is { } cursor)
                {
                    if (!EventCursor.TryDecode(cursor, out var position))
                    {
                        return new WebhookReplayResult(null, 0, null, false, [new UserError(UserErrorCode.InvalidFormat, ["after"], "The `after` cursor is not an event cursor this API issued.")]);
                    }

                    after = position;
                }

                return await ctx.Service<WebhookDeliveries>().ReplayAsync(new ReplayWebhookEndpoint(ctx.OrganizationId(), id, after), ctx.CancellationToken);
            });

        mutation.Field<NonNullGraphType<WebhookDeliveryPayloadType>>("webhookEndpointTest")
            .Description("Sends the endpoint a test event (type webhook.test), signed like any delivery, and shows how it went in its deliveries.")
            .Argument<NonNullGraphType<IdGraphType>>("endpointId", "The endpoint's global ID.")
            .ResolveAsync(async ctx =>
                !TryEndpoint(ctx, "endpointId", out var id)
                    ? new WebhookDeliveryResult(null, [WebhookEndpoints.NotFound("endpointId")])
                    : await ctx.Service<WebhookDeliveries>().TestAsync(new WebhookEndpointRef(ctx.OrganizationId(), id), ctx.CancellationToken));
    }

    private static void EndpointMutation<TPayload>(ObjectGraphType mutation, string name, string description, Func<WebhookEndpoints, WebhookEndpointRef, CancellationToken, Task<WebhookEndpointResult>> run)
        where TPayload : IGraphType =>
        mutation.Field<NonNullGraphType<TPayload>>(name)
            .Description(description)
            .Argument<NonNullGraphType<IdGraphType>>("id", "The endpoint's global ID.")
            .ResolveAsync(async ctx =>
                !TryEndpoint(ctx, "id", out var id)
                    ? WebhookEndpointResult.Failed(WebhookEndpoints.NotFound("id"))
                    : await run(Endpoints(ctx), new WebhookEndpointRef(ctx.OrganizationId(), id), ctx.CancellationToken));

    private static WebhookEndpoints Endpoints(IResolveFieldContext ctx) => ctx.Service<WebhookEndpoints>();

    private static bool TryEndpoint(IResolveFieldContext ctx, string argument, out long id) =>
        GlobalId.TryDecode(ctx.GetArgument<string>(argument), WebhookEndpointType.TypeName, out id);
}
