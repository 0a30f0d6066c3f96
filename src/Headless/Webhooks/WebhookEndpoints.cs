using Headless.Data;
using Headless.Events;
using Headless.GraphQL;
using Headless.Secrets;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Headless.Webhooks;

/// <summary>The outcome of an endpoint mutation; <see cref="Secret"/> is the plain whsec_ secret, only on create and rotate.</summary>
public sealed record WebhookEndpointResult(WebhookEndpoint? Endpoint, string? Secret, IReadOnlyList<UserError> UserErrors)
{
    public static WebhookEndpointResult Failed(params UserError[] errors) => new(null, null, errors);
}

/// <summary>
/// Endpoints of the caller's organization: create (with a new secret, shown once), update, disable, enable, delete and
/// rotate the secret. URLs are checked against the destination guard on every save.
/// </summary>
public sealed class WebhookEndpoints(
    IDbContextFactory<HeadlessDbContext> contexts,
    SecretProtector secrets,
    WebhookDestinations destinations,
    WebhookPayloadQueries payloadQueries,
    IOptions<WebhooksOptions> options,
    TimeProvider clock)
{
    public static UserError NotFound(params string[] field) => new(UserErrorCode.NotFound, field, "No webhook endpoint with this ID exists for your organization.");

    public async Task<WebhookEndpointResult> CreateAsync(CreateWebhookEndpoint command, CancellationToken ct)
    {
        var errors = new UserErrorList();
        var url = await UrlAsync(errors, command.Url, ["input", "url"], ct);
        var types = WebhookEndpointRules.Types(errors, command.EventTypes, "input", "eventTypes");
        var description = WebhookEndpointRules.Description(errors, command.Description, "input", "description");
        var query = PayloadQuery(errors, command.PayloadQuery, "input", "payloadQuery");
        if (errors.Count > 0)
        {
            return new WebhookEndpointResult(null, null, errors);
        }

        await using var db = await contexts.CreateDbContextAsync(ct);
        var max = options.Value.MaxEndpointsPerOrganization;
        if (await db.Set<WebhookEndpoint>().CountAsync(ct) >= max)
        {
            return WebhookEndpointResult.Failed(new UserError(UserErrorCode.InvalidValue, ["input"], $"Your organization has {max} webhook endpoints, the most it may have; delete one first."));
        }

        // Encrypted before any transaction (Data Protection may need to write its key ring).
        var plain = WebhookSigning.NewSecret();
        var secret = secrets.Protect(plain);
        var now = clock.GetUtcNow();
        var start = await LastPositionAsync(db, command.OrganizationId, ct);
        var endpoint = new WebhookEndpoint(command.OrganizationId, url!.AbsoluteUri, types!, description, query, secret, start, now);
        db.Add(endpoint);
        await db.SaveChangesAsync(ct);
        return new WebhookEndpointResult(endpoint, plain, []);
    }

    public async Task<WebhookEndpointResult> UpdateAsync(UpdateWebhookEndpoint command, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var endpoint = await db.Set<WebhookEndpoint>().FirstOrDefaultAsync(e => e.Id == command.EndpointId, ct);
        if (endpoint is null)
        {
            return WebhookEndpointResult.Failed(NotFound("id"));
        }

        var errors = new UserErrorList();
        var url = command.Url is null ? null : await UrlAsync(errors, command.Url, ["input", "url"], ct);
        var types = command.EventTypes is null ? null : WebhookEndpointRules.Types(errors, command.EventTypes, "input", "eventTypes");
        var description = WebhookEndpointRules.Description(errors, command.Description, "input", "description");
        var clearQuery = command.PayloadQuery is { } q && string.IsNullOrWhiteSpace(q);
        var query = clearQuery ? null : PayloadQuery(errors, command.PayloadQuery, "input", "payloadQuery");
        if (errors.Count > 0)
        {
            return new WebhookEndpointResult(null, null, errors);
        }

        endpoint.Update(url?.AbsoluteUri, types, description, query, clearQuery, clock.GetUtcNow());
        await db.SaveChangesAsync(ct);
        return new WebhookEndpointResult(endpoint, null, []);
    }

    public Task<WebhookEndpointResult> DisableAsync(WebhookEndpointRef command, CancellationToken ct) =>
        ChangeAsync(command, (_, e, now) =>
        {
            if (e.Status == WebhookEndpointStatus.Enabled)
            {
                e.Disable(WebhookDisabledReason.Manual, now);
            }

            return Task.CompletedTask;
        }, ct);

    public Task<WebhookEndpointResult> EnableAsync(WebhookEndpointRef command, CancellationToken ct) =>
        ChangeAsync(command, async (db, e, now) => e.Enable(await LastPositionAsync(db, command.OrganizationId, ct), now), ct);

    public async Task<WebhookEndpointResult> RotateSecretAsync(WebhookEndpointRef command, CancellationToken ct)
    {
        var plain = WebhookSigning.NewSecret();
        var secret = secrets.Protect(plain);
        var result = await ChangeAsync(command, (_, e, now) =>
        {
            e.Rotate(secret, now + options.Value.SecretRotationOverlap, now);
            return Task.CompletedTask;
        }, ct);
        return result.Endpoint is null ? result : result with { Secret = plain };
    }

    /// <summary>Deletes the endpoint with its deliveries; their queued messages find nothing to send and finish.</summary>
    public async Task<WebhookEndpointResult> DeleteAsync(WebhookEndpointRef command, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var endpoint = await db.Set<WebhookEndpoint>().FirstOrDefaultAsync(e => e.Id == command.EndpointId, ct);
        if (endpoint is null)
        {
            return WebhookEndpointResult.Failed(NotFound("id"));
        }

        db.Remove(endpoint);
        await db.SaveChangesAsync(ct);
        return new WebhookEndpointResult(endpoint, null, []);
    }

    private async Task<WebhookEndpointResult> ChangeAsync(WebhookEndpointRef command, Func<HeadlessDbContext, WebhookEndpoint, DateTimeOffset, Task> change, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var endpoint = await db.Set<WebhookEndpoint>().FirstOrDefaultAsync(e => e.Id == command.EndpointId, ct);
        if (endpoint is null)
        {
            return WebhookEndpointResult.Failed(NotFound("id"));
        }

        await change(db, endpoint, clock.GetUtcNow());
        await db.SaveChangesAsync(ct);
        return new WebhookEndpointResult(endpoint, null, []);
    }

    private async Task<Uri?> UrlAsync(UserErrorList errors, string? text, string[] field, CancellationToken ct)
    {
        var url = WebhookEndpointRules.Url(errors, text, destinations.AllowPrivate, field);
        if (url is null)
        {
            return null;
        }

        try
        {
            await destinations.ResolveAsync(url.IdnHost, ct);
            return url;
        }
        catch (WebhookDestinationRefusedException ex)
        {
            errors.Add(UserErrorCode.DestinationNotAllowed, $"The URL is refused: {ex.Message} Webhooks are only sent to public internet addresses.", field);
        }
        catch (System.Net.Sockets.SocketException)
        {
            errors.Add(UserErrorCode.DestinationNotAllowed, "The URL's host does not resolve; use a host name that resolves to a public address.", field);
        }

        return null;
    }

    private string? PayloadQuery(UserErrorList errors, string? query, params string[] field)
    {
        if (string.IsNullOrWhiteSpace(query))
        {
            return null;
        }

        if (query.Length > WebhookEndpointRules.MaxPayloadQueryLength)
        {
            errors.Add(UserErrorCode.TooLong, $"The payloadQuery has at most {WebhookEndpointRules.MaxPayloadQueryLength} characters.", field);
            return null;
        }

        if (payloadQueries.Validate(query) is { } problem)
        {
            errors.Add(new UserError(problem.Code, field, problem.Message));
            return null;
        }

        return query;
    }

    internal static async Task<long> LastPositionAsync(HeadlessDbContext db, long organizationId, CancellationToken ct) =>
        await db.Set<EventStream>().Where(s => s.OrganizationId == organizationId).Select(s => (long?)s.LastPosition).FirstOrDefaultAsync(ct) ?? 0;
}
