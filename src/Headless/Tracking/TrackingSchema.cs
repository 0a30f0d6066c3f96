using GraphQL;
using GraphQL.Types;
using Headless.Data;
using Headless.GraphQL;
using Microsoft.Extensions.Options;

namespace Headless.Tracking;

internal sealed class TrackingSchema : ISchemaContribution
{
    public void AddMutationFields(ObjectGraphType mutation)
    {
        mutation.Field<NonNullGraphType<TrackingLinkPayloadType>>("trackingLinkCreate")
            .Description("Creates a link for the patient of one order line: opening it shows the brand, that line's number, status and tracking, and nothing else (no name, no product, no price, no other line). The url is returned once.")
            .Argument<NonNullGraphType<IdGraphType>>("lineId", "The order line the link shows.")
            .Argument<IntGraphType>("expiresIn", $"Seconds until the link stops opening: {TrackingLinks.MinExpiresInSeconds} (5 minutes) to {TrackingLinks.MaxExpiresInSeconds} (90 days); default {TrackingLinks.DefaultExpiresInSeconds} (7 days).")
            .ResolveAsync(async ctx =>
            {
                var lineId = GlobalId.TryDecode(ctx.GetArgument<string>("lineId"), "OrderLine", out var id) ? id : (long?)null;
                var result = await ctx.Service<TrackingLinks>().CreateAsync(
                    ctx.Service<TenantContext>(), new CreateTrackingLink(lineId, ctx.GetArgument<int?>("expiresIn")), ctx.CancellationToken);
                var url = result.Token is null ? null : $"{BaseUrl(ctx)}{TrackingEndpoint.Prefix}{result.Token}";
                return new TrackingLinkPayload(url, result.Link, result.UserErrors);
            });

        mutation.Field<NonNullGraphType<TrackingLinkPayloadType>>("trackingLinkRevoke")
            .Description("Revokes a tracking link for good: it answers 404 from now on, like an unknown link. Revoking a revoked link changes nothing.")
            .Argument<NonNullGraphType<IdGraphType>>("id", "The tracking link to revoke.")
            .ResolveAsync(async ctx =>
            {
                var linkId = GlobalId.TryDecode(ctx.GetArgument<string>("id"), TrackingLink.TypeName, out var id) ? id : (long?)null;
                var result = await ctx.Service<TrackingLinks>().RevokeAsync(ctx.Service<TenantContext>(), new RevokeTrackingLink(linkId), ctx.CancellationToken);
                return new TrackingLinkPayload(null, result.Link, result.UserErrors);
            });
    }

    /// <summary>The configured public base, else the request's own scheme, host and path base.</summary>
    private static string BaseUrl(IResolveFieldContext ctx)
    {
        if (ctx.Service<IOptions<TrackingOptions>>().Value.EffectiveBaseUrl is { } configured)
        {
            return configured;
        }

        var request = ctx.Service<IHttpContextAccessor>().HttpContext?.Request
            ?? throw new InvalidOperationException("trackingLinkCreate needs Headless:Tracking:PublicBaseUrl outside an HTTP request.");
        return $"{request.Scheme}://{request.Host.ToUriComponent()}{request.PathBase.ToUriComponent()}";
    }
}
