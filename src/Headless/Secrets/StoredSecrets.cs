using System.Data.Common;
using Headless.Data;
using Headless.Shared;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Storage;

namespace Headless.Secrets;

/// <summary>What one start-up pass over the stored secrets did.</summary>
public sealed record StoredSecretsPass(int Encrypted, int Reencrypted, int Unreadable);

/// <summary>
/// The data half of the "secrets at rest" migration, run at every start-up after the schema migrations: every
/// <see cref="ProtectedSecret"/> column of the model (found from EF metadata, so a secret added later is covered with
/// no code here) is read, and each value still in plain text is encrypted; a value under a rotated or revoked key is
/// encrypted again under the current one. SQL cannot call Data Protection, so this cannot be a SQL migration.
/// <para>
/// Safe with many instances starting at once: each row is updated only if it still holds the value that was read
/// (compare-and-set), so a value encrypted meanwhile by another instance is left as that instance wrote it.
/// Running it again changes nothing.
/// </para>
/// </summary>
public sealed class StoredSecrets(HeadlessDatabase database, SecretProtector protector, ILogger<StoredSecrets> logger)
{
    public async Task<StoredSecretsPass> ProtectAllAsync(CancellationToken ct)
    {
        await using var db = database.CreatePlatformContext();
        var columns = SecretColumns(db.Model).ToList();
        var sql = db.GetService<ISqlGenerationHelper>();
        var connection = db.Database.GetDbConnection();
        await db.Database.OpenConnectionAsync(ct);
        try
        {
            var rows = new List<(SecretColumn Column, object[] Key, string Stored)>();
            foreach (var column in columns)
            {
                rows.AddRange((await ReadAsync(connection, sql, column, ct)).Select(r => (column, r.Key, r.Stored)));
            }

            // Loads the key ring, and creates the first key on a new database, here: outside any transaction, before
            // the service takes requests (on SQLite a key written from inside another write transaction would wait on it).
            protector.Protect("key ring warm-up");

            int encrypted = 0, reencrypted = 0, unreadable = 0;
            foreach (var (column, key, stored) in rows)
            {
                (string Plain, StoredSecretState State)? found;
                try
                {
                    found = protector.Inspect(ProtectedSecret.FromStored(stored));
                }
                catch (SecretUnavailableException)
                {
                    unreadable++;
                    logger.LogError(
                        "The secret {Table}.{Column} of row {Key} cannot be decrypted (its Data Protection key is missing or the value is damaged); it stays unusable until it is set again.",
                        column.Table, column.Column, string.Join(",", key));
                    continue;
                }

                if (found is not { } work)
                {
                    continue;
                }

                string replacement;
                try
                {
                    replacement = protector.Protect(work.Plain).Stored;
                }
                catch (ArgumentException)
                {
                    unreadable++;
                    logger.LogError(
                        "The plain-text secret {Table}.{Column} of row {Key} is empty or longer than {Max} bytes and was not encrypted; set it again.",
                        column.Table, column.Column, string.Join(",", key), ProtectedSecret.MaxPlainBytes);
                    continue;
                }

                if (await UpdateAsync(connection, sql, column, key, stored, replacement, ct))
                {
                    if (work.State == StoredSecretState.PlainText)
                    {
                        encrypted++;
                    }
                    else
                    {
                        reencrypted++;
                    }
                }
            }

            if (encrypted + reencrypted > 0)
            {
                logger.LogInformation(
                    "Secrets at rest: {Encrypted} plain-text value(s) encrypted, {Reencrypted} re-encrypted under the current key.", encrypted, reencrypted);
            }

            return new StoredSecretsPass(encrypted, reencrypted, unreadable);
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }

    private sealed record SecretColumn(string? Schema, string Table, string Column, string[] KeyColumns);

    /// <summary>Every table column that holds a <see cref="ProtectedSecret"/>, with the columns of its row's key.</summary>
    private static IEnumerable<SecretColumn> SecretColumns(IModel model)
    {
        foreach (var entityType in model.GetEntityTypes())
        {
            var secrets = entityType.GetDeclaredProperties().Where(p => p.ClrType == typeof(ProtectedSecret)).ToList();
            if (secrets.Count == 0 || StoreObjectIdentifier.Create(entityType, StoreObjectType.Table) is not { } table)
            {
                continue;
            }

            var keyColumns = entityType.FindPrimaryKey()!.Properties.Select(p => p.GetColumnName(table)!).ToArray();
            foreach (var property in secrets)
            {
                yield return new SecretColumn(table.Schema, table.Name, property.GetColumnName(table)!, keyColumns);
            }
        }
    }

    private static async Task<List<(object[] Key, string Stored)>> ReadAsync(DbConnection connection, ISqlGenerationHelper sql, SecretColumn c, CancellationToken ct)
    {
        await using var command = connection.CreateCommand();
        var column = sql.DelimitIdentifier(c.Column);
        command.CommandText =
            $"SELECT {string.Join(", ", c.KeyColumns.Select(k => sql.DelimitIdentifier(k)))}, {column} FROM {sql.DelimitIdentifier(c.Table, c.Schema)} WHERE {column} IS NOT NULL";
        var rows = new List<(object[] Key, string Stored)>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            var key = new object[c.KeyColumns.Length];
            for (var i = 0; i < key.Length; i++)
            {
                key[i] = reader.GetValue(i);
            }

            rows.Add((key, reader.GetString(key.Length)));
        }

        return rows;
    }

    /// <summary>Compare-and-set: true when this call replaced the value; false when the row changed meanwhile.</summary>
    private static async Task<bool> UpdateAsync(DbConnection connection, ISqlGenerationHelper sql, SecretColumn c, object[] key, string expected, string replacement, CancellationToken ct)
    {
        await using var command = connection.CreateCommand();
        var column = sql.DelimitIdentifier(c.Column);
        var conditions = c.KeyColumns.Select((k, i) => $"{sql.DelimitIdentifier(k)} = {Parameter(command, $"k{i}", key[i])}");
        command.CommandText =
            $"UPDATE {sql.DelimitIdentifier(c.Table, c.Schema)} SET {column} = {Parameter(command, "next", replacement)} " +
            $"WHERE {string.Join(" AND ", conditions)} AND {column} = {Parameter(command, "expected", expected)}";
        return await command.ExecuteNonQueryAsync(ct) == 1;
    }

    private static string Parameter(DbCommand command, string name, object value)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = "@" + name;
        parameter.Value = value;
        command.Parameters.Add(parameter);
        return parameter.ParameterName;
    }
}
