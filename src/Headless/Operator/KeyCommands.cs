using System.CommandLine;
using Headless.Auth;
using Microsoft.EntityFrameworkCore;

namespace Headless.Operator;

/// <summary>'key create' (a new key for an organization, e.g. to recover the demo key) and 'key revoke'.</summary>
internal static class KeyCommands
{
    public static Command Create(OperatorSession session)
    {
        var org = new Option<string>("--org") { Description = "The organization's ID or slug (the demo organization's slug is 'demo').", Required = true };
        var name = new Option<string>("--name") { Description = "What the key is for, shown to operators (1 to 100 characters).", DefaultValueFactory = _ => "Operator key" };
        var create = new Command("create", "Creates a new API key for an organization and prints it (shown once). Existing keys keep working.") { org, name };
        create.SetOperatorAction(session, async (parse, s, ct) =>
        {
            var keyName = parse.GetValue(name)!.Trim();
            if (keyName.Length is 0 or > 100)
            {
                throw new OperatorException("--name must be 1 to 100 characters.");
            }

            await using var db = s.Database.CreatePlatformContext();
            var organization = await OrganizationCommands.FindAsync(db, parse.GetValue(org)!.Trim(), ct);
            var (key, plain) = OperatorApiKeys.IssueAdminKey(organization.Id, keyName, s.Clock.GetUtcNow());
            db.ApiKeys.Add(key);
            await db.SaveChangesAsync(ct);
            await s.Console.Out.WriteLineAsync($"Created API key {key.Prefix} for '{organization.Name}' (shown once; only its hash is stored): {plain}");
            return 0;
        });

        var prefix = new Argument<string>("prefix") { Description = $"The key's visible prefix, '{ApiKey.KeyPrefix}' and 8 hex digits (the start of the key)." };
        var revoke = new Command("revoke", "Revokes an API key: requests with it are refused (401) from now on.") { prefix };
        revoke.SetOperatorAction(session, async (parse, s, ct) =>
        {
            var given = parse.GetValue(prefix)!.Trim();
            // The whole key is accepted too: an operator often has only that at hand.
            var keyPrefix = ApiKey.TryParsePrefix(given, out var parsed) ? parsed : given;
            if (keyPrefix.Length != ApiKey.KeyPrefix.Length + 8 || !keyPrefix.StartsWith(ApiKey.KeyPrefix, StringComparison.Ordinal))
            {
                throw new OperatorException($"'{Redacted(given)}' is not a key prefix: expected '{ApiKey.KeyPrefix}' and 8 hex digits.");
            }

            await using var db = s.Database.CreatePlatformContext();
            var key = await db.ApiKeys.IgnoreQueryFilters().FirstOrDefaultAsync(k => k.Prefix == keyPrefix, ct)
                ?? throw new OperatorException($"No API key has the prefix {keyPrefix}.");
            if (key.RevokedAt is { } revokedAt)
            {
                await s.Console.Out.WriteLineAsync($"API key {keyPrefix} ('{key.Name}') was already revoked at {revokedAt.UtcDateTime:u}; nothing changed.");
                return 0;
            }

            key.Revoke(s.Clock.GetUtcNow());
            await db.SaveChangesAsync(ct);
            await s.Console.Out.WriteLineAsync($"Revoked API key {keyPrefix} ('{key.Name}') of organization {Headless.GraphQL.GlobalId.Encode("Organization", key.OrganizationId)}.");
            return 0;
        });

        return new Command("key", "API keys of organizations.") { create, revoke };
    }

    /// <summary>An argument that is not a prefix may be a whole key pasted by mistake: never echo more than a prefix's length.</summary>
    private static string Redacted(string given) => given.Length <= 11 ? given : given[..11] + "...";
}
