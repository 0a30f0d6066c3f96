using System.Text;
using System.Xml.Linq;
using Headless.GraphQL;
using Headless.Tests.Fulfillment;
using Headless.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Headless.Tests.Secrets;

/// <summary>A pharmacy's secret columns exactly as the database holds them.</summary>
public sealed record RawSecrets(string? ClientSecret, string? WebhookSecret);

/// <summary>Reads and writes secret columns with raw SQL, around the service, the way an attacker or an old version would see them.</summary>
public static class SecretStore
{
    public static long PharmacyKey(string globalId)
    {
        Assert.True(GlobalId.TryDecode(globalId, "Pharmacy", out var id));
        return id;
    }

    public static async Task<RawSecrets> ReadAsync(HeadlessApp app, long pharmacyId)
    {
        await using var db = app.Database.CreatePlatformContext();
        var connection = db.Database.GetDbConnection();
        await db.Database.OpenConnectionAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = """SELECT "ClientSecret", "WebhookSecret" FROM "Pharmacies" WHERE "Id" = @id""";
        var parameter = command.CreateParameter();
        parameter.ParameterName = "@id";
        parameter.Value = pharmacyId;
        command.Parameters.Add(parameter);
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        return new RawSecrets(reader.IsDBNull(0) ? null : reader.GetString(0), reader.IsDBNull(1) ? null : reader.GetString(1));
    }

    /// <summary>Points a pharmacy at an API with plain-text secrets, as rows written before secrets were encrypted look.</summary>
    public static async Task WritePlainAsync(HeadlessApp app, long pharmacyId, Uri api, string clientId, string clientSecret, string webhookSecret)
    {
        await using var db = app.Database.CreatePlatformContext();
        var changed = await db.Database.ExecuteSqlRawAsync(
            """UPDATE "Pharmacies" SET "ApiBaseUrl" = {0}, "TokenEndpoint" = {1}, "ClientId" = {2}, "ClientSecret" = {3}, "WebhookSecret" = {4} WHERE "Id" = {5}""",
            api.ToString(), new Uri(api, "oauth/token").ToString(), clientId, clientSecret, webhookSecret, pharmacyId);
        Assert.Equal(1, changed);
    }

    /// <summary>The key ring's keys (not its revocation records): key ids and the raw XML of each.</summary>
    public static async Task<List<(Guid Id, string Xml)>> KeysAsync(HeadlessApp app)
    {
        await using var db = app.Database.CreatePlatformContext();
        var rows = await db.DataProtectionKeys.AsNoTracking().Select(k => k.Xml).ToListAsync();
        return rows.Select(x => XElement.Parse(x!)).Where(e => e.Name == "key").Select(e => (Guid.Parse(e.Attribute("id")!.Value), e.ToString())).ToList();
    }

    /// <summary>Each key's master key material as stored (the keys are not encrypted in these tests).</summary>
    public static async Task<List<string>> MasterKeysAsync(HeadlessApp app) =>
        (await KeysAsync(app)).SelectMany(k => XElement.Parse(k.Xml).Descendants("value").Select(v => v.Value.Trim())).Where(v => v.Length > 0).ToList();

    /// <summary>A stored value must be ciphertext: the protected prefix, and no trace of the plain secret or its key bytes.</summary>
    public static void AssertProtected(string? stored, string plain)
    {
        Assert.NotNull(stored);
        Assert.StartsWith(Headless.Shared.ProtectedSecret.Prefix, stored, StringComparison.Ordinal);
        foreach (var form in Forms(plain))
        {
            Assert.DoesNotContain(form, stored, StringComparison.Ordinal);
        }
    }

    /// <summary>The ways a secret could show up in text: itself, and for a whsec_ secret its base64 key.</summary>
    public static IEnumerable<string> Forms(string plain)
    {
        yield return plain;
        if (plain.StartsWith("whsec_", StringComparison.Ordinal))
        {
            yield return plain["whsec_".Length..];
        }
    }

    /// <summary>The OAuth client id and secret a token request carried (HTTP Basic or form body).</summary>
    public static (string? Id, string? Secret) Credentials(FakePharmacyRequest request)
    {
        if (request.Authorization is { } auth && auth.StartsWith("Basic ", StringComparison.Ordinal))
        {
            var pair = Encoding.UTF8.GetString(Convert.FromBase64String(auth["Basic ".Length..])).Split(':', 2);
            return (Uri.UnescapeDataString(pair[0].Replace('+', ' ')), Uri.UnescapeDataString(pair[1].Replace('+', ' ')));
        }

        var form = request.Body.Split('&').Select(p => p.Split('=', 2)).ToDictionary(p => p[0], p => Uri.UnescapeDataString(p[1].Replace('+', ' ')));
        return (form.GetValueOrDefault("client_id"), form.GetValueOrDefault("client_secret"));
    }
}
