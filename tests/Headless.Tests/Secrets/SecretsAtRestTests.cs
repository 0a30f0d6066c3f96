using System.Net;
using Headless.Data;
using Headless.Fulfillment;
using Headless.Outbox;
using Headless.Shared;
using Headless.Tests.Fulfillment;
using Headless.Tests.Infrastructure;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.Extensions.DependencyInjection;
using static Headless.Tests.Partners.PartnerCallbacks;
using static Headless.Tests.Secrets.SecretStore;

namespace Headless.Tests.Secrets;

/// <summary>
/// Pharmacy secrets at rest: only ciphertext in the columns, plain-text rows from before the upgrade encrypted at
/// start-up (by several instances at once), and one key ring in the database shared by every instance on it.
/// </summary>
public abstract class SecretsAtRestTests(DatabaseProvider provider, PostgresServer? postgres) : ProviderTest(provider, postgres)
{
    private CartFixture _f = null!;

    protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["Headless:Partners:CallbackBaseUrl"] = "http://localhost",
    };

    protected override async Task InitializeAppAsync() => _f = await CartData.CreateAsync(App, 2);

    private HeadlessApp AnotherInstance() => HeadlessApp.On(App.Provider, App.ConnectionString, Settings);

    private static async Task<HttpStatusCode> CallbackAsync(HeadlessApp app, string pharmacyId, string secret, string lineNumber, string type)
    {
        using var http = app.CreateClient();
        using var response = await PostAsync(http, pharmacyId, secret, Body(type, lineNumber, app.Clock.GetUtcNow()), app.Clock.GetUtcNow());
        return response.StatusCode;
    }

    [ProviderFact]
    public async Task Secrets_set_through_the_service_are_only_ciphertext_in_the_columns()
    {
        var order = await CheckoutAsync(App, _f, [_f.Catalog.SemaEast], "at-rest");
        var pharmacies = new[] { _f.Catalog.EastPharmacy, _f.Catalog.WestPharmacy, _f.Catalog.SlowPharmacy };
        var stored = new List<RawSecrets>();
        foreach (var pharmacy in pharmacies)
        {
            var raw = await ReadAsync(App, PharmacyKey(pharmacy));
            AssertProtected(raw.ClientSecret, "client-secret");
            AssertProtected(raw.WebhookSecret, order.Secrets[pharmacy]);
            stored.Add(raw);
        }

        // The same plain secret encrypts differently each time: the column says nothing about which pharmacies share one.
        Assert.Equal(3, stored.Select(s => s.ClientSecret).Distinct().Count());

        // And the ciphertext is the real one: a callback signed with the plain secret is accepted.
        var line = order.Lines[0];
        Assert.Equal(HttpStatusCode.OK, await CallbackAsync(App, line.PharmacyId, order.SecretOf(line), line.Number, "line.received"));
    }

    [ProviderFact]
    public async Task Plain_text_secrets_from_before_the_upgrade_are_encrypted_at_start_up_by_instances_starting_together_and_still_work()
    {
        await using var api = await FakePharmacyApi.StartAsync();
        var order = await CheckoutAsync(App, _f, [_f.Catalog.SemaEast], "legacy");
        var line = order.Lines[0];
        var east = PharmacyKey(_f.Catalog.EastPharmacy);
        const string clientSecret = "legacy-client-secret-7Qm2x9";
        var webhookSecret = NewSecret();
        await WritePlainAsync(App, east, api.BaseUrl, "legacy-client", clientSecret, webhookSecret);

        // A plain value is never used as a secret, not even by an instance that is running already.
        Assert.Equal(HttpStatusCode.NotFound, await CallbackAsync(App, line.PharmacyId, webhookSecret, line.Number, "line.received"));

        // Two instances of the new version start at the same moment on the same database.
        await using var first = AnotherInstance();
        await using var second = AnotherInstance();
        await Task.WhenAll(Task.Run(() => first.Server), Task.Run(() => second.Server));

        var raw = await ReadAsync(App, east);
        AssertProtected(raw.ClientSecret, clientSecret);
        AssertProtected(raw.WebhookSecret, webhookSecret);

        // A submission asks for its token with the right client secret, and the pharmacy gets the order.
        Assert.Equal(1, await first.Services.GetRequiredService<OutboxProcessor>().DrainOnceAsync("w", CancellationToken.None));
        var token = Assert.Single(api.Requests, r => r.Path == "/oauth/token");
        Assert.Equal(("legacy-client", clientSecret), Credentials(token));
        Assert.Equal(1, api.AcceptedOrders);

        // Signed callbacks verify on both instances.
        Assert.Equal(HttpStatusCode.OK, await CallbackAsync(first, line.PharmacyId, webhookSecret, line.Number, "line.received"));
        Assert.Equal(HttpStatusCode.OK, await CallbackAsync(second, line.PharmacyId, webhookSecret, line.Number, "line.compounding"));
        Assert.Equal("COMPOUNDING", (await ReadLineAsync(order.Client, line.Id)).GetProperty("status").GetString());

        // Starting again changes nothing: the values are left as they are.
        await using (var third = AnotherInstance())
        {
            _ = third.Server;
            Assert.Equal(raw, await ReadAsync(third, east));
        }

        Assert.Single(await KeysAsync(App));
    }

    [ProviderFact]
    public async Task Two_instances_share_the_key_ring_so_a_secret_written_by_one_is_read_by_the_other()
    {
        var order = await CheckoutAsync(App, _f, [_f.Catalog.SemaEast], "shared");
        var line = order.Lines[0];
        await using var other = AnotherInstance();

        // Written by App, read by the other instance.
        Assert.Equal(HttpStatusCode.OK, await CallbackAsync(other, line.PharmacyId, order.SecretOf(line), line.Number, "line.received"));

        // Rotated through the other instance, read by App: only the new secret verifies now.
        var rotated = NewSecret();
        await using (var db = other.Database.CreatePlatformContext())
        {
            var pharmacy = await db.Pharmacies.FindAsync(PharmacyKey(line.PharmacyId));
            pharmacy!.ConfigureIntegration("http://127.0.0.1:1/", "http://127.0.0.1:1/token", "client", other.Secrets.Protect("client-secret"), other.Secrets.Protect(rotated));
            await db.SaveChangesAsync();
        }

        AssertProtected((await ReadAsync(App, PharmacyKey(line.PharmacyId))).WebhookSecret, rotated);
        Assert.Equal(HttpStatusCode.Unauthorized, await CallbackAsync(App, line.PharmacyId, order.SecretOf(line), line.Number, "line.compounding"));
        Assert.Equal(HttpStatusCode.OK, await CallbackAsync(App, line.PharmacyId, rotated, line.Number, "line.compounding"));

        // One key, created by the first instance, serves both.
        Assert.Single(await KeysAsync(App));
    }

    [ProviderFact]
    public async Task After_its_key_is_revoked_the_next_start_up_moves_every_secret_to_a_new_key()
    {
        var order = await CheckoutAsync(App, _f, [_f.Catalog.SemaEast], "rotate");
        var line = order.Lines[0];
        var east = PharmacyKey(line.PharmacyId);
        var before = await ReadAsync(App, east);
        var oldKey = Assert.Single(await KeysAsync(App)).Id;

        // A suspected compromise: the operator revokes the key (IKeyManager; the revocation is a row of the same table).
        App.Services.GetRequiredService<IKeyManager>().RevokeAllKeys(DateTimeOffset.UtcNow, "suspected compromise");

        await using var next = AnotherInstance();
        _ = next.Server;

        var after = await ReadAsync(App, east);
        AssertProtected(after.ClientSecret, "client-secret");
        AssertProtected(after.WebhookSecret, order.SecretOf(line));
        Assert.NotEqual(before.ClientSecret, after.ClientSecret);
        Assert.NotEqual(before.WebhookSecret, after.WebhookSecret);
        var keys = (await KeysAsync(App)).Select(k => k.Id).ToList();
        Assert.Equal(2, keys.Count);
        Assert.Contains(oldKey, keys);

        // Under the new key the secret works as before.
        Assert.Equal(HttpStatusCode.OK, await CallbackAsync(next, line.PharmacyId, order.SecretOf(line), line.Number, "line.received"));
    }

    [ProviderFact]
    public async Task A_secret_up_to_the_limit_fits_its_column_and_a_longer_one_is_refused_without_being_echoed()
    {
        var longest = new string('s', ProtectedSecret.MaxPlainBytes);
        var protectedLongest = App.Secrets.Protect(longest);
        Assert.InRange(protectedLongest.Stored.Length, 1, ProtectedSecret.StoredMaxLength);

        // On PostgreSQL the column's length is enforced: the save itself proves the fit.
        var east = PharmacyKey(_f.Catalog.EastPharmacy);
        await using (var db = App.Database.CreatePlatformContext())
        {
            var pharmacy = await db.Pharmacies.FindAsync(east);
            pharmacy!.ConfigureIntegration("http://127.0.0.1:1/", "http://127.0.0.1:1/token", "client", protectedLongest, App.Secrets.Protect(NewSecret()));
            await db.SaveChangesAsync();
        }

        Assert.Equal(protectedLongest.Stored, (await ReadAsync(App, east)).ClientSecret);
        Assert.Equal(longest, App.Secrets.Reveal(protectedLongest));

        var tooLong = "t" + longest;
        var refused = Assert.Throws<ArgumentException>(() => App.Secrets.Protect(tooLong));
        Assert.DoesNotContain("ttt", refused.Message, StringComparison.Ordinal);
        var multiByte = new string('é', (ProtectedSecret.MaxPlainBytes / 2) + 1);
        Assert.Throws<ArgumentException>(() => App.Secrets.Protect(multiByte));
        Assert.Equal("[protected]", protectedLongest.ToString());
        Assert.Equal("[protected]", $"{protectedLongest}");
    }
}

public sealed class SecretsAtRestTestsOnSqlite() : SecretsAtRestTests(DatabaseProvider.Sqlite, null);

[Collection(PostgresCollection.Name)]
public sealed class SecretsAtRestTestsOnPostgres(PostgresServer postgres) : SecretsAtRestTests(DatabaseProvider.Postgres, postgres);
