using Headless.Data;
using Headless.GraphQL;
using Headless.Orders;
using Headless.Organizations;
using Microsoft.EntityFrameworkCore;

namespace Headless.Tracking;

/// <summary>Creates a tracking link for an order line of the caller's organization; expiresIn in seconds (null: the default).</summary>
public sealed record CreateTrackingLink(long? LineId, int? ExpiresInSeconds);

/// <summary>Revokes a tracking link of the caller's organization.</summary>
public sealed record RevokeTrackingLink(long? LinkId);

/// <summary>The outcome of a tracking link mutation: the token only right after creation.</summary>
public sealed record TrackingLinkResult(TrackingLink? Link, string? Token, IReadOnlyList<UserError> UserErrors);

/// <summary>What an open link shows: the brand, the one line's number, status and tracking, and nothing else.</summary>
public sealed record TrackingView(
    string Brand,
    string LineNumber,
    OrderLineStatus Status,
    DateTimeOffset StatusSince,
    DateTimeOffset LastUpdatedAt,
    string? Carrier,
    string? TrackingNumber,
    string? TrackingUrl);

/// <summary>A link that was opened, for the audit trail: which link, which line, whose organization, and whether it was active.</summary>
public sealed record TrackingOpen(long OrganizationId, long LinkId, long LineId, TrackingView? View);

/// <summary>Tracking links: the clinic's create and revoke (tenant-bound contexts) and the patient's open (by token only).</summary>
public sealed class TrackingLinks(HeadlessDatabase database, TimeProvider clock)
{
    public const int DefaultExpiresInSeconds = 7 * 24 * 3600;
    public const int MinExpiresInSeconds = 300;
    public const int MaxExpiresInSeconds = 90 * 24 * 3600;

    private const string LineNotFound = "No order line with this ID exists in your organization.";
    private const string LinkNotFound = "No tracking link with this ID exists in your organization.";

    public async Task<TrackingLinkResult> CreateAsync(TenantContext tenant, CreateTrackingLink command, CancellationToken ct)
    {
        var seconds = command.ExpiresInSeconds ?? DefaultExpiresInSeconds;
        if (seconds is < MinExpiresInSeconds or > MaxExpiresInSeconds)
        {
            return Refused(UserErrorCode.InvalidValue, "expiresIn",
                $"expiresIn must be between {MinExpiresInSeconds} seconds (5 minutes) and {MaxExpiresInSeconds} seconds (90 days).");
        }

        await using var db = database.CreateContext(tenant);

        // The tenant filter hides other organizations' lines: missing and foreign answer alike.
        var line = command.LineId is { } lineId
            ? await db.OrderLines.AsNoTracking().Where(l => l.Id == lineId).Select(l => new { l.Id, l.OrganizationId }).FirstOrDefaultAsync(ct)
            : null;
        if (line is null)
        {
            return Refused(UserErrorCode.NotFound, "lineId", LineNotFound);
        }

        var (link, token) = TrackingLink.Create(line.OrganizationId, line.Id, clock.GetUtcNow(), TimeSpan.FromSeconds(seconds));
        db.Set<TrackingLink>().Add(link);
        await db.SaveChangesAsync(ct);
        return new TrackingLinkResult(link, token, []);
    }

    public async Task<TrackingLinkResult> RevokeAsync(TenantContext tenant, RevokeTrackingLink command, CancellationToken ct)
    {
        await using var db = database.CreateContext(tenant);
        var link = command.LinkId is { } id ? await db.Set<TrackingLink>().FirstOrDefaultAsync(l => l.Id == id, ct) : null;
        if (link is null)
        {
            return Refused(UserErrorCode.NotFound, "id", LinkNotFound);
        }

        // Idempotent: a second revoke keeps the first revokedAt and writes nothing.
        if (link.RevokedAt is null)
        {
            link.Revoke(clock.GetUtcNow());
            await db.SaveChangesAsync(ct);
        }

        return new TrackingLinkResult(link, null, []);
    }

    /// <summary>
    /// The link a token opens, on a platform context (the token is the only credential). Null when no link has this
    /// token; a link that is expired or revoked comes back without a view, so the caller can audit it and still answer 404.
    /// </summary>
    public async Task<TrackingOpen?> OpenAsync(string token, CancellationToken ct)
    {
        if (!TrackingLink.IsWellFormed(token))
        {
            return null;
        }

        var hash = TrackingLink.HashOf(token);
        await using var db = database.CreatePlatformContext();
        var link = await db.Set<TrackingLink>().IgnoreQueryFilters().AsNoTracking().FirstOrDefaultAsync(l => l.TokenHash == hash, ct);
        if (link is null)
        {
            return null;
        }

        if (!link.IsActive(clock.GetUtcNow()))
        {
            return new TrackingOpen(link.OrganizationId, link.Id, link.OrderLineId, null);
        }

        // Only the columns the page shows: no patient, product, prescriber, price or address is even read.
        var line = await db.OrderLines.IgnoreQueryFilters().AsNoTracking()
            .Where(l => l.Id == link.OrderLineId && l.OrganizationId == link.OrganizationId)
            .Select(l => new { l.OrderId, l.Position, l.Status, l.StatusSince, l.TrackingCarrier, l.TrackingNumber, l.TrackingUrl })
            .FirstOrDefaultAsync(ct);
        var brand = await db.Set<Organization>().AsNoTracking().Where(o => o.Id == link.OrganizationId).Select(o => o.Name).FirstOrDefaultAsync(ct);
        if (line is null || brand is null)
        {
            return new TrackingOpen(link.OrganizationId, link.Id, link.OrderLineId, null);
        }

        // Events are appended in order, so the highest key is the latest change (tracking attached late included).
        var lastEvent = await db.OrderLineEvents.IgnoreQueryFilters().AsNoTracking()
            .Where(e => e.OrderLineId == link.OrderLineId)
            .OrderByDescending(e => e.Id)
            .Select(e => (DateTimeOffset?)e.At)
            .FirstOrDefaultAsync(ct);
        var lastUpdated = lastEvent is { } at && at > line.StatusSince ? at : line.StatusSince;
        var view = new TrackingView(
            brand,
            OrderLine.FormatNumber(Order.FormatNumber(line.OrderId), line.Position),
            line.Status,
            line.StatusSince,
            lastUpdated,
            line.TrackingCarrier,
            line.TrackingNumber,
            line.TrackingUrl);
        return new TrackingOpen(link.OrganizationId, link.Id, link.OrderLineId, view);
    }

    private static TrackingLinkResult Refused(UserErrorCode code, string field, string message) => new(null, null, [new UserError(code, [field], message)]);
}
