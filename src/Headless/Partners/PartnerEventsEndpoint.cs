using Headless.Data;
using Headless.GraphQL;
using Headless.Orders.Lifecycle;
using Headless.Secrets;
using Headless.Shared;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.EntityFrameworkCore;

namespace Headless.Partners;

/// <summary>
/// POST /partners/{pharmacyId}/events: a partner pharmacy's callbacks about its lines, signed with the pharmacy's
/// Standard Webhooks secret (the signature is the authentication; the route takes the pharmacy's global ID).
/// <list type="bullet">
/// <item>404: no such pharmacy, or it has no usable webhook secret.</item>
/// <item>413: the body is over 64 KB.</item>
/// <item>401, and nothing changes: a missing or wrong signature, or webhook-timestamp more than 5 minutes off.</item>
/// <item>400: a signed body that is not a valid event.</item>
/// <item>404: the line number is unknown, or the line is not routed to this pharmacy (it learns nothing about others' lines).</item>
/// <item>200 <c>{"duplicate":true}</c>: the event id was applied before; nothing changes.</item>
/// <item>200 <c>{"duplicate":false,"changed":…,"status":…,"sequence":…}</c>: applied. A late or older status is
/// acknowledged with changed=false: it never moves a line backwards.</item>
/// </list>
/// A verified callback whose type has a registered <see cref="IPartnerEventHandler"/> (support.reply, offering.updated)
/// is handed to that handler, which answers it by the same rules (400 invalid, 404 unknown, 200 duplicate or applied).
/// The event id is recorded in the same transaction as the line change, under the line's row lock, so concurrent
/// deliveries of one event change the line once on every provider; the (pharmacy, event id) key settles the rest.
/// </summary>
internal sealed class PartnerEventsEndpoint(
    HeadlessDatabase database,
    LineChanges changes,
    SecretProtector secrets,
    TimeProvider clock,
    IEnumerable<IPartnerEventHandler> handlers,
    ILogger<PartnerEventsEndpoint> logger)
{
    private readonly Dictionary<string, IPartnerEventHandler> _handlers = handlers.ToDictionary(h => h.Type, StringComparer.Ordinal);

    public const string Route = "/partners/{pharmacyId}/events";
    public const int MaxBodyBytes = 64 * 1024;

    public async Task HandleAsync(HttpContext context, string pharmacyId)
    {
        if (!GlobalId.TryDecode(pharmacyId, "Pharmacy", out var pharmacyKey))
        {
            await WriteAsync(context, StatusCodes.Status404NotFound, new { error = "No such pharmacy." });
            return;
        }

        byte[]? key;
        await using (var db = database.CreatePlatformContext())
        {
            var stored = await db.Pharmacies.AsNoTracking().Where(p => p.Id == pharmacyKey).Select(p => new { p.WebhookSecret }).FirstOrDefaultAsync(context.RequestAborted);
            if (stored?.WebhookSecret is null)
            {
                key = null;
            }
            else if (!secrets.TryReveal(stored.WebhookSecret, out var secret))
            {
                key = null;
                logger.LogError("Pharmacy {PharmacyId} has a webhook secret that cannot be decrypted; its callbacks are refused.", pharmacyKey);
            }
            else if ((key = StandardWebhookVerifier.DecodeSecret(secret)) is null)
            {
                logger.LogError("Pharmacy {PharmacyId} has a webhook secret that is not whsec_ base64; its callbacks are refused.", pharmacyKey);
            }
        }

        if (key is null)
        {
            await WriteAsync(context, StatusCodes.Status404NotFound, new { error = "No such pharmacy." });
            return;
        }

        var body = await ReadBodyAsync(context);
        if (body is null)
        {
            await WriteAsync(context, StatusCodes.Status413PayloadTooLarge, new { error = $"The body exceeds {MaxBodyBytes} bytes." });
            return;
        }

        var headers = context.Request.Headers;
        var rejected = StandardWebhookVerifier.Verify(
            key,
            headers[StandardWebhookVerifier.IdHeader].ToString(),
            headers[StandardWebhookVerifier.TimestampHeader].ToString(),
            headers[StandardWebhookVerifier.SignatureHeader].ToString(),
            body,
            clock.GetUtcNow());
        if (rejected is not null)
        {
            logger.LogWarning("Rejected a callback for pharmacy {PharmacyId}: {Reason}", pharmacyKey, rejected);
            await WriteAsync(context, StatusCodes.Status401Unauthorized, new { error = "Invalid or missing webhook signature." });
            return;
        }

        if (_handlers.Count > 0 && await DispatchAsync(context, pharmacyKey, body))
        {
            return;
        }

        if (!PartnerEvent.TryParse(body, out var evt, out var problem))
        {
            await WriteAsync(context, StatusCodes.Status400BadRequest, new { error = problem });
            return;
        }

        var lineId = await FindLineAsync(pharmacyKey, evt!.LineNumber, context.RequestAborted);
        if (lineId is null)
        {
            await WriteAsync(context, StatusCodes.Status404NotFound, new { error = "No such line." });
            return;
        }

        // Verified and addressed: finish even if the pharmacy hangs up. A half-done delivery costs only a retry.
        // A transaction that loses a race (a deadlock, a lock held too long) is run again; if the line stays that
        // busy, 503 asks the pharmacy to deliver again later, which its retries do.
        var processed = await Contention.RetryAsync(async _ => new Processed(await ProcessAsync(pharmacyKey, lineId.Value, evt, CancellationToken.None)), CancellationToken.None);
        if (processed is null)
        {
            context.Response.Headers.RetryAfter = "5";
            await WriteAsync(context, StatusCodes.Status503ServiceUnavailable, new { error = "The line is busy; deliver the event again." });
            return;
        }

        var outcome = processed.Outcome;
        if (outcome is null)
        {
            logger.LogInformation("Callback {EventId} from pharmacy {PharmacyId} was a duplicate.", evt.Id, pharmacyKey);
            await WriteAsync(context, StatusCodes.Status200OK, new { duplicate = true });
            return;
        }

        var (result, sequence, _) = outcome;
        logger.LogInformation(
            "Callback {EventId} ({Type}) from pharmacy {PharmacyId} on line {LineId}: {Outcome} {From} -> {To}.",
            evt.Id, evt.Type, pharmacyKey, lineId, result.Outcome, result.FromStatus.ToWire(), result.ToStatus.ToWire());

        await WriteAsync(context, StatusCodes.Status200OK, new { duplicate = false, changed = result.Changed, status = result.ToStatus.ToWire(), sequence });
    }

    /// <summary>Hands a verified callback whose type a capability registered to its handler; false for line callbacks.</summary>
    private async Task<bool> DispatchAsync(HttpContext context, long pharmacyId, byte[] body)
    {
        if (!PartnerEventBody.TryRead(body, out var root, out _)
            || !root.TryGetProperty("type", out var type) || type.ValueKind != System.Text.Json.JsonValueKind.String
            || !_handlers.TryGetValue(type.GetString()!, out var handler))
        {
            return false; // the line path parses it again and answers any problem the same way as before
        }

        // Verified and addressed: finish even if the pharmacy hangs up, as for line callbacks.
        var answer = await handler.HandleAsync(pharmacyId, root, CancellationToken.None);
        logger.LogInformation("Callback ({Type}) from pharmacy {PharmacyId}: HTTP {Status}.", handler.Type, pharmacyId, answer.Status);
        await WriteAsync(context, answer.Status, answer.Body);
        return true;
    }

    /// <summary>The line's key when the number names a routed line of this pharmacy; null otherwise (all reported as 404).</summary>
    private async Task<long?> FindLineAsync(long pharmacyId, string lineNumber, CancellationToken ct)
    {
        if (!PartnerEvent.TryParseLineNumber(lineNumber, out var orderId, out var position))
        {
            return null;
        }

        await using var db = database.CreatePlatformContext();
        var line = await db.OrderLines.IgnoreQueryFilters().AsNoTracking()
            .Where(l => l.OrderId == orderId && l.Position == position)
            .Select(l => new { l.Id, l.PharmacyId, l.Status })
            .FirstOrDefaultAsync(ct);
        return line is not null && line.PharmacyId == pharmacyId && LineLifecycle.IsRouted(line.Status) ? line.Id : null;
    }

    /// <summary>
    /// Records the event and applies it to the line on the line-change path, in one transaction. Null for a duplicate:
    /// the record is checked under the line's lock, so a concurrent delivery of the same event waits, then sees it.
    /// </summary>
    private async Task<LineChangeOutcome?> ProcessAsync(long pharmacyId, long lineId, PartnerEvent evt, CancellationToken ct)
    {
        try
        {
            return await changes.ChangeAsync(
                new LineChangeRequest(lineId, _ => evt.ToSignal())
                {
                    Admit = async (db, token) => !await db.Set<PartnerEventRecord>().AsNoTracking().AnyAsync(r => r.PharmacyId == pharmacyId && r.EventId == evt.Id, token),
                    Alongside = (db, now) => db.Set<PartnerEventRecord>().Add(new PartnerEventRecord(pharmacyId, evt.Id, evt.Type, now)),
                },
                ct);
        }
        catch (DbUpdateException ex) when (!Contention.IsTransient(ex.InnerException ?? ex))
        {
            // The same event id recorded meanwhile through another line's lock: a duplicate. The failed statement
            // may have aborted the transaction, so look with a fresh context.
            await using var check = database.CreatePlatformContext();
            if (await check.Set<PartnerEventRecord>().AsNoTracking().AnyAsync(r => r.PharmacyId == pharmacyId && r.EventId == evt.Id, ct))
            {
                return null;
            }

            throw;
        }
    }

    private sealed record Processed(LineChangeOutcome? Outcome);

    private static Task<byte[]?> ReadBodyAsync(HttpContext context) => Transport.RequestBody.ReadLimitedAsync(context, MaxBodyBytes);

    private static Task WriteAsync(HttpContext context, int status, object body)
    {
        context.Response.StatusCode = status;
        return context.Response.WriteAsJsonAsync(body, context.RequestAborted);
    }
}

public static class PartnerEventsExtensions
{
    /// <summary>The partner callback endpoint's services.</summary>
    public static IServiceCollection AddPartnerEvents(this IServiceCollection services)
    {
        services.AddSingleton<PartnerEventsEndpoint>();
        services.AddSingleton<IPartnerEventHandler, PartnerOfferingUpdates>();
        return services;
    }

    /// <summary>Maps POST /partners/{pharmacyId}/events (anonymous: the Standard Webhooks signature is the authentication).</summary>
    public static IEndpointRouteBuilder MapPartnerEvents(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapPost(PartnerEventsEndpoint.Route, (HttpContext context, string pharmacyId) =>
                context.RequestServices.GetRequiredService<PartnerEventsEndpoint>().HandleAsync(context, pharmacyId))
            .AllowAnonymous()
            .DisableAntiforgery();
        return endpoints;
    }
}
