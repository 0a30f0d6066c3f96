using Headless.Data;
using Headless.Shared;
using Microsoft.EntityFrameworkCore;

namespace Headless.Carts.Validation;

/// <summary>Reads parts of a stored validation without loading all of its issues.</summary>
public static class CartValidationReads
{
    /// <summary>
    /// The issues a validation found on the lines whose keys lie in [<paramref name="fromLineId"/>, <paramref name="toLineId"/>],
    /// in the order the rules reported them. The database filters the JSON column, so reading a page of lines
    /// reads that page's issues only.
    /// </summary>
    public static async Task<List<CartIssue>> IssuesOnLinesAsync(HeadlessDbContext db, long validationId, long fromLineId, long toLineId, CancellationToken ct)
    {
        if (db.Database.IsSqlite())
        {
            // EF translates a query into a JSON collection with APPLY, which SQLite lacks; json_each joined
            // laterally is SQLite's own way to say the same thing.
            var rows = await db.Database.SqlQuery<IssueRow>($"""
                SELECT json_extract(j.value, '$.LineId') AS "LineId", json_extract(j.value, '$.Code') AS "Code",
                    json_extract(j.value, '$.Severity') AS "Severity", json_extract(j.value, '$.Field') AS "Field",
                    json_extract(j.value, '$.Message') AS "Message"
                FROM "CartValidations" AS v, json_each(v."Issues") AS j
                WHERE v."Id" = {validationId} AND v."OrganizationId" = {db.CurrentOrganizationId}
                    AND json_extract(j.value, '$.LineId') BETWEEN {fromLineId} AND {toLineId}
                ORDER BY j.key
                """).ToListAsync(ct);
            return rows.Select(r => new CartIssue(r.LineId, WireEnum<CartIssueCode>.Parse(r.Code), WireEnum<IssueSeverity>.Parse(r.Severity), r.Field, r.Message)).ToList();
        }

        return await db.CartValidations.AsNoTracking()
            .Where(v => v.Id == validationId)
            .SelectMany(v => v.Issues.Where(i => i.LineId >= fromLineId && i.LineId <= toLineId))
            .ToListAsync(ct);
    }

    /// <summary>A row of the SQLite query above.</summary>
    public sealed class IssueRow
    {
        public long? LineId { get; init; }

        public string Code { get; init; } = "";

        public string Severity { get; init; } = "";

        public string Field { get; init; } = "";

        public string Message { get; init; } = "";
    }
}
