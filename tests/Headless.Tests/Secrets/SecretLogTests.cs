using System.Net;
using System.Text;
using Headless.Data;
using Headless.Fulfillment;
using Headless.Outbox;
using Headless.Tests.Fulfillment;
using Headless.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using static Headless.Tests.Partners.PartnerCallbacks;
using static Headless.Tests.Secrets.SecretStore;

namespace Headless.Tests.Secrets;

/// <summary>
/// With every log category at Trace (SQL commands, HTTP client and server, Data Protection included), a partner
/// submission (token request and order) and partner callbacks (good and badly signed) write no secret into any log
/// entry: not the client secret, not the webhook secret or its key, not the Data Protection master key.
/// </summary>
public abstract class SecretLogTests(DatabaseProvider provider, PostgresServer? postgres) : ProviderTest(provider, postgres)
{
    private const string ClientId = "log-test-client";
    private const string ClientSecret = "cs-Sentinel-9d2f41b7e0";

    private readonly LogRecorder _everything = new(LogLevel.Trace);

    protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["Headless:Partners:CallbackBaseUrl"] = "http://localhost",
        ["Logging:LogLevel:Default"] = "Trace",
        ["Logging:LogLevel:Microsoft"] = "Trace",
        ["Logging:LogLevel:Microsoft.AspNetCore"] = "Trace",
        ["Logging:LogLevel:Microsoft.EntityFrameworkCore"] = "Trace",
        ["Logging:LogLevel:Microsoft.EntityFrameworkCore.Database.Command"] = "Trace",
        ["Logging:LogLevel:System.Net.Http"] = "Trace",
        ["Logging:LogLevel:System.Net.Http.HttpClient"] = "Trace",

        // Even asked for by name, the key repository's Debug lines (they carry the key XML) stay off.
        ["Logging:LogLevel:Microsoft.AspNetCore.DataProtection"] = "Trace",
        ["Logging:LogLevel:Microsoft.AspNetCore.DataProtection.EntityFrameworkCore"] = "Trace",
    };

    protected override void ConfigureServices(IServiceCollection services) => services.AddSingleton<ILoggerProvider>(_everything);

    [ProviderFact]
    public async Task No_secret_appears_in_any_log_entry_at_any_level()
    {
        await using var api = await FakePharmacyApi.StartAsync();
        var f = await CartData.CreateAsync(App, 2);
        var order = await CheckoutAsync(App, f, [f.Catalog.SemaEast], "logs");
        var line = order.Lines[0];
        var webhookSecret = order.SecretOf(line);
        await using (var db = App.Database.CreatePlatformContext())
        {
            var pharmacy = await db.Pharmacies.FindAsync(PharmacyKey(line.PharmacyId));
            pharmacy!.ConfigureIntegration(api.BaseUrl.ToString(), new Uri(api.BaseUrl, "oauth/token").ToString(), ClientId, App.Secrets.Protect(ClientSecret), App.Secrets.Protect(webhookSecret));
            await db.SaveChangesAsync();
        }

        // A partner submission: a token request with the client secret, then the order.
        Assert.Equal(1, await App.Services.GetRequiredService<OutboxProcessor>().DrainOnceAsync("w", CancellationToken.None));
        Assert.Equal((ClientId, ClientSecret), Credentials(Assert.Single(api.Requests, r => r.Path == "/oauth/token")));
        Assert.Equal(1, api.AcceptedOrders);

        // Partner callbacks: one signed with the secret, one signed with another, one with a tampered body.
        using var http = App.CreateClient();
        var now = App.Clock.GetUtcNow();
        var body = Body("line.received", line.Number, now);
        using (var ok = await PostAsync(http, line.PharmacyId, webhookSecret, body, now))
        {
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        }

        using (var wrong = await PostAsync(http, line.PharmacyId, webhookSecret, body, now, Sign(NewSecret(), MessageId(body), now, body)))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        }

        using (var tampered = await PostAsync(http, line.PharmacyId, webhookSecret, body.Replace("line.received", "line.shipped"), now, Sign(webhookSecret, MessageId(body), now, body)))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, tampered.StatusCode);
        }

        var sentinels = Forms(ClientSecret).Concat(Forms(webhookSecret))
            .Append(Convert.ToBase64String(Encoding.UTF8.GetBytes($"{ClientId}:{ClientSecret}")))
            .Concat(await MasterKeysAsync(App))
            .ToList();
        Assert.True(sentinels.Count >= 5, string.Join(" | ", sentinels.Select(s => s.Length)));

        // The recorder did see the traffic in detail: SQL commands, the token request, the Data Protection key ring.
        var entries = _everything.Entries;
        Assert.Contains(entries, e => e.Category == "Microsoft.EntityFrameworkCore.Database.Command");
        Assert.Contains(entries, e => e.Level == LogLevel.Trace && e.Category.StartsWith("System.Net.Http.HttpClient", StringComparison.Ordinal));
        Assert.Contains(entries, e => e.Category.StartsWith("Microsoft.AspNetCore.DataProtection", StringComparison.Ordinal));
        Assert.DoesNotContain(entries, e => e.Category.StartsWith("Microsoft.AspNetCore.DataProtection.EntityFrameworkCore", StringComparison.Ordinal) && e.Level < LogLevel.Information);

        var leaks = entries
            .Where(e => sentinels.Any(s => e.Message.Contains(s, StringComparison.Ordinal) || (e.Exception?.ToString().Contains(s, StringComparison.Ordinal) ?? false)))
            .Select(e => $"{e.Level} {e.Category}")
            .ToList();
        Assert.True(leaks.Count == 0, "Secrets in log entries: " + string.Join("; ", leaks));
    }
}

public sealed class SecretLogTestsOnSqlite() : SecretLogTests(DatabaseProvider.Sqlite, null);

[Collection(PostgresCollection.Name)]
public sealed class SecretLogTestsOnPostgres(PostgresServer postgres) : SecretLogTests(DatabaseProvider.Postgres, postgres);
