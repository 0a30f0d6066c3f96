using System.Data.Common;
using System.Globalization;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;

namespace Headless.Tests.Infrastructure;

/// <summary>
/// A text snapshot of every row the database holds for one organization, for "nothing of B changed" checks.
/// The tables come from the EF model, so a new table is covered without touching this: rows are attributed to
/// an organization by their OrganizationId column, the Organizations row by its key, and a table of owned
/// rows (prescriber licenses) through its owner. Tables that belong to no organization (the partner catalog,
/// inbound event records) are "shared": included only when asked for.
/// </summary>
public static class OrganizationRows
{
    public static async Task<string> SnapshotAsync(HeadlessApp app, long organizationId, bool includeShared = false)
    {
        await using var db = app.Database.CreatePlatformContext();
        var connection = db.Database.GetDbConnection();
        await db.Database.OpenConnectionAsync();
        try
        {
            var text = new StringBuilder();
            foreach (var table in Tables(db.Model))
            {
                if (table.Filter is null && !includeShared)
                {
                    continue;
                }

                await using var command = connection.CreateCommand();
                command.CommandText = $"SELECT r.* FROM \"{table.Name}\" r {table.Join} {(table.Filter is null ? "" : "WHERE " + table.Filter)}";
                var p = command.CreateParameter();
                p.ParameterName = "org";
                p.Value = organizationId;
                command.Parameters.Add(p);
                var rows = new List<string>();
                await using (var reader = await command.ExecuteReaderAsync())
                {
                    while (await reader.ReadAsync())
                    {
                        rows.Add(Row(reader));
                    }
                }

                rows.Sort(StringComparer.Ordinal);
                text.Append('[').Append(table.Name).Append("]\n");
                foreach (var row in rows)
                {
                    text.Append(row).Append('\n');
                }
            }

            return text.ToString();
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }

    /// <summary>The line-by-line difference of two snapshots, for failure messages.</summary>
    public static string Diff(string before, string after)
    {
        var b = before.Split('\n').ToHashSet(StringComparer.Ordinal);
        var a = after.Split('\n').ToHashSet(StringComparer.Ordinal);
        return string.Join("\n", b.Except(a).Select(l => "- " + l).Concat(a.Except(b).Select(l => "+ " + l)).Take(20));
    }

    private static string Row(DbDataReader reader)
    {
        var parts = new List<string>(reader.FieldCount);
        for (var i = 0; i < reader.FieldCount; i++)
        {
            var value = reader.IsDBNull(i) ? "null" : reader.GetValue(i) switch
            {
                byte[] bytes => Convert.ToBase64String(bytes),
                IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
                var v => v.ToString(),
            };
            parts.Add($"{reader.GetName(i)}={value}");
        }

        parts.Sort(StringComparer.Ordinal);
        return string.Join("|", parts);
    }

    private sealed record Table(string Name, string Join, string? Filter);

    private static IEnumerable<Table> Tables(IModel model)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var entity in model.GetEntityTypes().OrderBy(e => e.GetTableName(), StringComparer.Ordinal))
        {
            var name = entity.GetTableName();
            if (name is null || !seen.Add(name))
            {
                continue;
            }

            var (join, filter) = Attribution(entity, "r");
            yield return new Table(name, join, filter);
        }
    }

    /// <summary>How rows of <paramref name="entity"/> (aliased <paramref name="alias"/>) are tied to @org, or a null filter for shared tables.</summary>
    private static (string Join, string? Filter) Attribution(IEntityType entity, string alias)
    {
        var table = StoreObjectIdentifier.Table(entity.GetTableName()!, entity.GetSchema());
        if (entity.GetTableName() == "Organizations")
        {
            return ("", $"{alias}.\"{entity.FindPrimaryKey()!.Properties[0].GetColumnName(table)}\" = @org");
        }

        if (entity.FindProperty("OrganizationId") is { } org)
        {
            return ("", $"{alias}.\"{org.GetColumnName(table)}\" = @org");
        }

        if (entity.FindOwnership() is { } ownership && ownership.PrincipalEntityType.GetTableName() != entity.GetTableName())
        {
            var owner = ownership.PrincipalEntityType;
            var ownerAlias = alias + "x";
            var (join, filter) = Attribution(owner, ownerAlias);
            if (filter is null)
            {
                return ("", null);
            }

            var ownerTable = StoreObjectIdentifier.Table(owner.GetTableName()!, owner.GetSchema());
            var on = string.Join(" AND ", ownership.Properties.Zip(ownership.PrincipalKey.Properties, (fk, pk) =>
                $"{alias}.\"{fk.GetColumnName(table)}\" = {ownerAlias}.\"{pk.GetColumnName(ownerTable)}\""));
            return ($"JOIN \"{owner.GetTableName()}\" {ownerAlias} ON {on} {join}", filter);
        }

        return ("", null);
    }
}
