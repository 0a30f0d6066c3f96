using System.CommandLine;
using System.Globalization;
using System.Text;
using Headless.GraphQL;
using Headless.Organizations;
using Microsoft.EntityFrameworkCore;

namespace Headless.Operator;

/// <summary>'org create' and 'org list': organizations (brands) are created by the platform operator, never over the API.</summary>
internal static class OrganizationCommands
{
    public const string FirstKeyName = "Admin key";

    public static Command Create(OperatorSession session)
    {
        var name = new Option<string>("--name") { Description = "The brand's name, as its coordinators know it (1 to 200 characters).", Required = true };
        var slug = new Option<string?>("--slug") { Description = "A unique handle (lowercase letters, digits and '-'); derived from the name when omitted." };
        var create = new Command("create", "Creates an organization and prints its ID and its first API key (shown once).") { name, slug };
        create.SetOperatorAction(session, async (parse, s, ct) =>
        {
            var orgName = parse.GetValue(name)!.Trim();
            if (orgName.Length is 0 or > 200)
            {
                throw new OperatorException("--name must be 1 to 200 characters.");
            }

            var orgSlug = parse.GetValue(slug)?.Trim() ?? Slugify(orgName);
            if (!IsSlug(orgSlug))
            {
                throw new OperatorException($"The slug '{orgSlug}' is not valid: use 1 to 100 lowercase letters, digits and single '-' (set one with --slug).");
            }

            await using var db = s.Database.CreatePlatformContext();
            if (await db.Organizations.AnyAsync(o => o.Slug == orgSlug, ct))
            {
                throw new OperatorException($"An organization with the slug '{orgSlug}' already exists; choose another with --slug.");
            }

            var now = s.Clock.GetUtcNow();
            await using var transaction = await db.Database.BeginTransactionAsync(ct);
            var organization = new Organization(orgName, orgSlug, now);
            db.Organizations.Add(organization);
            await db.SaveChangesAsync(ct);
            var (key, plain) = OperatorApiKeys.IssueAdminKey(organization.Id, FirstKeyName, now);
            db.ApiKeys.Add(key);
            await db.SaveChangesAsync(ct);
            await transaction.CommitAsync(ct);

            var o = s.Console.Out;
            await o.WriteLineAsync($"Created organization '{orgName}' (slug {orgSlug}).");
            await o.WriteLineAsync($"Organization ID: {GlobalId.Encode("Organization", organization.Id)}");
            await o.WriteLineAsync($"API key {key.Prefix} (shown once; only its hash is stored): {plain}");
            await o.WriteLineAsync("Hand the key to the brand over a secure channel; they send it as 'Authorization: Bearer <key>'.");
            return 0;
        });

        var list = new Command("list", "Lists every organization: ID, slug, name, created, active and revoked keys.");
        list.SetOperatorAction(session, async (_, s, ct) =>
        {
            await using var db = s.Database.CreatePlatformContext();
            var rows = await db.Organizations.AsNoTracking().OrderBy(o => o.Id)
                .Select(o => new
                {
                    o.Id,
                    o.Slug,
                    o.Name,
                    o.CreatedAt,
                    Active = db.ApiKeys.IgnoreQueryFilters().Count(k => k.OrganizationId == o.Id && k.RevokedAt == null),
                    Revoked = db.ApiKeys.IgnoreQueryFilters().Count(k => k.OrganizationId == o.Id && k.RevokedAt != null),
                })
                .ToListAsync(ct);

            var o = s.Console.Out;
            await o.WriteLineAsync($"{"ID",-28} {"SLUG",-24} {"CREATED (UTC)",-20} {"KEYS",-12} NAME");
            foreach (var r in rows)
            {
                var created = r.CreatedAt.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);
                var keys = r.Revoked == 0 ? $"{r.Active}" : $"{r.Active} (+{r.Revoked} revoked)";
                await o.WriteLineAsync($"{GlobalId.Encode("Organization", r.Id),-28} {r.Slug,-24} {created,-20} {keys,-12} {r.Name}");
            }

            await o.WriteLineAsync($"{rows.Count} organization(s).");
            return 0;
        });

        return new Command("org", "Organizations (brands) and their first API key.") { create, list };
    }

    /// <summary>Finds an organization by its global ID or its slug.</summary>
    public static async Task<Organization> FindAsync(Data.HeadlessDbContext db, string idOrSlug, CancellationToken ct)
    {
        var organization = GlobalId.TryDecode(idOrSlug, "Organization", out var id)
            ? await db.Organizations.FirstOrDefaultAsync(o => o.Id == id, ct)
            : await db.Organizations.FirstOrDefaultAsync(o => o.Slug == idOrSlug, ct);
        return organization ?? throw new OperatorException($"No organization has the ID or slug '{idOrSlug}' ('org list' shows them).");
    }

    internal static string Slugify(string name)
    {
        var sb = new StringBuilder();
        foreach (var c in name.Normalize(NormalizationForm.FormKD).ToLowerInvariant())
        {
            if (char.IsAsciiLetterOrDigit(c))
            {
                sb.Append(c);
            }
            else if ((char.IsWhiteSpace(c) || c is '-' or '_' or '.' or '&' or '/') && sb.Length > 0 && sb[^1] != '-')
            {
                sb.Append('-');
            }
        }

        var slug = sb.ToString().Trim('-');
        return slug.Length > 100 ? slug[..100].TrimEnd('-') : slug;
    }

    private static bool IsSlug(string slug) =>
        slug.Length is > 0 and <= 100 && slug[0] != '-' && slug[^1] != '-' && !slug.Contains("--", StringComparison.Ordinal) &&
        slug.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '-');
}
