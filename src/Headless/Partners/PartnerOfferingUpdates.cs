using System.Globalization;
using System.Text.Json;
using Headless.Catalog;
using Headless.Data;
using Headless.GraphQL;
using Microsoft.EntityFrameworkCore;

namespace Headless.Partners;

/// <summary>
/// offering.updated, a pharmacy's own stock and price for one of its offerings, posted to /partners/{pharmacyId}/events
/// like its line callbacks (and verified the same way before it gets here):
/// <c>{ id, type: "offering.updated", occurredAt, offeringId: "&lt;Offering global ID&gt;", stock?, unitPrice?, maxQuantity?, active? }</c>,
/// at least one of the four figures. The offering is named by its global ID (the catalog's <c>Offering.id</c>): offerings
/// carry no pharmacy product reference, and the ID is what the pharmacy is given when its catalog is set up.
/// Answers: 400 for an invalid body or value (nothing applied); 404 when the offering is unknown or another pharmacy's;
/// 200 <c>{"duplicate":true}</c> for an event id applied before; 200 <c>{"duplicate":false,"changed":…,"stock":…,"unitPrice":…,"maxQuantity":…,"active":…}</c>
/// otherwise, changed=false when a newer update (by occurredAt, ties by id) was applied before; 503 when the offering stays too busy.
/// The event id is recorded (PartnerEventRecord) in the same transaction as the update.
/// </summary>
internal sealed class PartnerOfferingUpdates(HeadlessDatabase database, TimeProvider clock) : IPartnerEventHandler
{
    public const string EventType = "offering.updated";

    public string Type => EventType;

    public async Task<PartnerEventAnswer> HandleAsync(long pharmacyId, JsonElement body, CancellationToken ct)
    {
        if (!TryParse(pharmacyId, body, out var update, out var problem))
        {
            return new PartnerEventAnswer(StatusCodes.Status400BadRequest, new { error = problem });
        }

        var outcome = await Contention.RetryAsync(async _ => await ApplyAsync(update!, ct), ct);
        return outcome ?? new PartnerEventAnswer(StatusCodes.Status503ServiceUnavailable, new { error = "The offering is busy; deliver the event again." });
    }

    /// <summary>Reads and checks the body; the first problem wins and is safe to return.</summary>
    public static bool TryParse(long pharmacyId, JsonElement body, out OfferingPartnerUpdate? update, out string problem)
    {
        update = null;
        string? error = null;
        var id = PartnerEventBody.Text(body, "id", 200, true, ref error);
        var occurredText = PartnerEventBody.Text(body, "occurredAt", 64, true, ref error);
        var offeringText = PartnerEventBody.Text(body, "offeringId", 100, true, ref error);
        var stock = Integer(body, "stock", 0, int.MaxValue, ref error);
        var price = Integer(body, "unitPrice", 0, long.MaxValue, ref error);
        var max = Integer(body, "maxQuantity", 1, int.MaxValue, ref error);
        bool? active = null;
        if (body.TryGetProperty("active", out var a) && a.ValueKind != JsonValueKind.Null)
        {
            if (a.ValueKind is JsonValueKind.True or JsonValueKind.False)
            {
                active = a.GetBoolean();
            }
            else
            {
                error ??= "'active' must be true or false.";
            }
        }

        var occurredAt = default(DateTimeOffset);
        if (occurredText is not null && !DateTimeOffset.TryParse(occurredText, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out occurredAt))
        {
            error ??= "'occurredAt' must be an ISO 8601 date and time.";
        }

        var offeringId = 0L;
        if (offeringText is not null && !GlobalId.TryDecode(offeringText, "Offering", out offeringId))
        {
            error ??= "'offeringId' must be an Offering ID.";
        }

        if (error is null && stock is null && price is null && max is null && active is null)
        {
            error = "Give at least one of 'stock', 'unitPrice', 'maxQuantity' and 'active'.";
        }

        if (error is not null)
        {
            problem = error;
            return false;
        }

        update = new OfferingPartnerUpdate(offeringId, pharmacyId, id!, occurredAt, (int?)stock, price, (int?)max, active);
        problem = "";
        return true;
    }

    /// <summary>An optional whole number in [min, max]; a fraction, a string or a number beyond 64 bits is refused, not rounded.</summary>
    private static long? Integer(JsonElement body, string name, long min, long max, ref string? problem)
    {
        if (!body.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt64(out var n))
        {
            problem ??= $"'{name}' must be a whole number between {min} and {max}.";
            return null;
        }

        if (n < min || n > max)
        {
            problem ??= $"'{name}' must be between {min} and {max}; it is {n}.";
            return null;
        }

        return n;
    }

    private async Task<PartnerEventAnswer> ApplyAsync(OfferingPartnerUpdate update, CancellationToken ct)
    {
        await using var db = database.CreatePlatformContext();
        if (await OfferingPartnerUpdates.FiguresAsync(db, update.OfferingId, update.PharmacyId, ct) is null)
        {
            return new PartnerEventAnswer(StatusCodes.Status404NotFound, new { error = "No such offering." });
        }

        if (await IsRecordedAsync(db, update, ct))
        {
            return new PartnerEventAnswer(StatusCodes.Status200OK, new { duplicate = true });
        }

        bool changed;
        try
        {
            await using var tx = await db.Database.BeginTransactionAsync(ct);

            // The record first: a concurrent delivery of the same event waits on its key, then fails on it and is a duplicate.
            db.Set<PartnerEventRecord>().Add(new PartnerEventRecord(update.PharmacyId, update.EventId, EventType, clock.GetUtcNow()));
            await db.SaveChangesAsync(ct);
            changed = await OfferingPartnerUpdates.ApplyAsync(db, update, ct);
            await tx.CommitAsync(ct);
        }
        catch (DbUpdateException ex) when (!Contention.IsTransient(ex.InnerException ?? ex))
        {
            await using var check = database.CreatePlatformContext();
            if (await IsRecordedAsync(check, update, ct))
            {
                return new PartnerEventAnswer(StatusCodes.Status200OK, new { duplicate = true });
            }

            throw;
        }

        var figures = (await OfferingPartnerUpdates.FiguresAsync(db, update.OfferingId, update.PharmacyId, ct))!;
        return new PartnerEventAnswer(StatusCodes.Status200OK, new { duplicate = false, changed, figures.Stock, figures.UnitPrice, figures.MaxQuantity, figures.Active });
    }

    private static Task<bool> IsRecordedAsync(HeadlessDbContext db, OfferingPartnerUpdate update, CancellationToken ct) =>
        db.Set<PartnerEventRecord>().AsNoTracking().AnyAsync(r => r.PharmacyId == update.PharmacyId && r.EventId == update.EventId, ct);
}
