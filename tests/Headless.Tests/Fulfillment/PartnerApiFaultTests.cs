using Headless.Data;
using Headless.Fulfillment;
using Headless.GraphQL;
using Headless.Outbox;
using Headless.Partners;
using Headless.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using static Headless.Tests.Partners.PartnerCallbacks;

namespace Headless.Tests.Fulfillment;

/// <summary>
/// Partner-order submission through the real HTTP adapter against pharmacy APIs on 127.0.0.1 that misbehave:
/// one that hangs past Headless:Partners:Timeout, and one that answers with redirects. The fake clock drives the
/// timeout and the back-off; only the sockets are real.
/// </summary>
public abstract class PartnerApiFaultTests(DatabaseProvider provider, PostgresServer? postgres) : ProviderTest(provider, postgres)
{
    private static readonly TimeSpan PartnerTimeout = TimeSpan.FromSeconds(15);

    /// <summary>A bound on real waiting for socket events, never reached when the code under test is right.</summary>
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    private CartFixture _f = null!;

    protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["Headless:Partners:Timeout"] = PartnerTimeout.ToString(),
        ["Headless:Partners:CallbackBaseUrl"] = "http://localhost",
        ["Headless:Outbox:MaxAttempts"] = "20",
    };

    protected override async Task InitializeAppAsync() => _f = await CartData.CreateAsync(App, 4);

    private OutboxProcessor Processor => App.Services.GetRequiredService<OutboxProcessor>();

    private DateTimeOffset Now => App.Clock.GetUtcNow();

    [ProviderFact]
    public async Task A_pharmacy_that_hangs_past_the_timeout_fails_each_attempt_cleanly_and_later_gets_the_order_once()
    {
        await using var east = await FakePharmacyApi.StartAsync();
        await using var west = await FakePharmacyApi.StartAsync();
        var order = await CheckoutAsync(App, _f, [_f.Catalog.SemaEast, _f.Catalog.SemaWest], "hang");
        await ConnectAsync(_f.Catalog.EastPharmacy, east);
        await ConnectAsync(_f.Catalog.WestPharmacy, west);
        var eastKey = await SubmitKeyAsync(_f.Catalog.EastPharmacy);
        east.Orders = FakeAnswer.Hang;

        // Attempt 1: East hangs. The worker is not stuck behind it for longer than the timeout, West gets its
        // order in the same drain, and the service keeps answering meanwhile.
        east.ExpectHang();
        var drain = Processor.DrainOnceAsync("w1", CancellationToken.None);
        await east.Hanging.WaitAsync(Patience);
        Assert.Equal(order.Number, (await ReadOrderAsync(order.Client, order.Number)).GetProperty("number").GetString());
        App.Clock.Advance(PartnerTimeout);
        Assert.Equal(2, await drain.WaitAsync(Patience));
        await east.Released.WaitAsync(Patience);
        var failedAt = Now;

        var message = await MessageAsync(eastKey);
        Assert.Equal((OutboxStatus.Pending, 1, OutboxProcessor.TimeoutError), (message.Status, message.Attempts, message.LastError));
        Assert.InRange(message.NextAttemptAt, failedAt + TimeSpan.FromSeconds(4), failedAt + TimeSpan.FromSeconds(6));
        Assert.Null(message.LeaseOwner);
        Assert.Equal(1, west.AcceptedOrders);
        Assert.Equal(OutboxStatus.Done, (await MessageAsync(await SubmitKeyAsync(_f.Catalog.WestPharmacy))).Status);

        // Ten virtual minutes of a pharmacy that hangs on every attempt: each attempt ends at the timeout with its
        // connection dropped (never more than one in flight), and the waits between attempts double.
        var start = failedAt;
        var attempts = 1;
        while (Now - start < TimeSpan.FromMinutes(10))
        {
            var due = message.NextAttemptAt;
            App.Clock.SetUtcNow(due - TimeSpan.FromMilliseconds(1));
            Assert.Equal(0, await Processor.DrainOnceAsync("w1", CancellationToken.None));

            App.Clock.SetUtcNow(due);
            east.ExpectHang();
            drain = Processor.DrainOnceAsync("w1", CancellationToken.None);
            await east.Hanging.WaitAsync(Patience);
            App.Clock.Advance(PartnerTimeout);
            Assert.Equal(1, await drain.WaitAsync(Patience));
            await east.Released.WaitAsync(Patience);
            attempts++;

            message = await MessageAsync(eastKey);
            var wait = OutboxProcessor.BackOff(attempts, new OutboxOptions(), 0.5);
            Assert.Equal((OutboxStatus.Pending, attempts, OutboxProcessor.TimeoutError), (message.Status, message.Attempts, message.LastError));
            Assert.InRange(message.NextAttemptAt, Now + (wait * 0.8) - TimeSpan.FromMilliseconds(1), Now + (wait * 1.2) + TimeSpan.FromMilliseconds(1));
        }

        Assert.True(attempts >= 7, $"{attempts} attempts in ten minutes");
        Assert.Equal(attempts, east.Aborted);
        Assert.Equal(1, east.MaxInFlight);
        Assert.Equal(0, east.InFlight);
        Assert.Equal(0, east.AcceptedOrders);

        // Back: the next attempt delivers the order, once, under the key every attempt carried.
        east.Orders = FakeAnswer.Ok;
        App.Clock.SetUtcNow(message.NextAttemptAt);
        Assert.Equal(1, await Processor.DrainOnceAsync("w1", CancellationToken.None));
        App.Clock.Advance(TimeSpan.FromHours(6));
        Assert.Equal(0, await Processor.DrainOnceAsync("w1", CancellationToken.None));

        Assert.Equal(1, east.AcceptedOrders);
        var sent = east.OrderRequests;
        Assert.Equal(attempts + 1, sent.Count);
        Assert.All(sent, r => Assert.Equal(eastKey, r.IdempotencyKey));
        Assert.Equal(OutboxStatus.Done, (await MessageAsync(eastKey)).Status);
        Assert.Equal(1, west.AcceptedOrders);
        Assert.Single(west.OrderRequests);
        await using var db = App.Database.CreatePlatformContext();
        Assert.All(await db.PartnerOrders.IgnoreQueryFilters().ToListAsync(), p => Assert.Equal(PartnerOrderStatus.Submitted, p.Status));
    }

    [ProviderFact]
    public async Task A_pharmacy_that_sends_half_a_response_and_stalls_fails_the_attempt_at_the_timeout()
    {
        await using var east = await FakePharmacyApi.StartAsync();
        await CheckoutAsync(App, _f, [_f.Catalog.SemaEast], "stall");
        await ConnectAsync(_f.Catalog.EastPharmacy, east);
        var key = await SubmitKeyAsync(_f.Catalog.EastPharmacy);
        east.Orders = FakeAnswer.HangMidBody;

        east.ExpectHang();
        var drain = Processor.DrainOnceAsync("w1", CancellationToken.None);
        await east.Hanging.WaitAsync(Patience);
        App.Clock.Advance(PartnerTimeout);
        Assert.Equal(1, await drain.WaitAsync(Patience));
        await east.Released.WaitAsync(Patience);

        var message = await MessageAsync(key);
        Assert.Equal((OutboxStatus.Pending, 1, OutboxProcessor.TimeoutError), (message.Status, message.Attempts, message.LastError));
        Assert.Equal(0, east.InFlight);
    }

    [ProviderFact]
    public async Task Redirects_are_not_followed_and_each_counts_as_a_failed_attempt()
    {
        await using var east = await FakePharmacyApi.StartAsync();
        await using var west = await FakePharmacyApi.StartAsync();
        await using var elsewhere = await FakePharmacyApi.StartAsync();
        await CheckoutAsync(App, _f, [_f.Catalog.SemaEast, _f.Catalog.SemaWest], "redirect");
        await ConnectAsync(_f.Catalog.EastPharmacy, east);
        await ConnectAsync(_f.Catalog.WestPharmacy, west);
        var eastKey = await SubmitKeyAsync(_f.Catalog.EastPharmacy);
        var westKey = await SubmitKeyAsync(_f.Catalog.WestPharmacy);

        // East redirects the order (which carries patients' names, dates of birth and addresses); West redirects
        // its token request (which carries the client secret). Neither may reach the other server.
        east.Orders = FakeAnswer.Redirect;
        east.RedirectTo = elsewhere.BaseUrl;
        west.Token = FakeAnswer.Redirect;
        west.RedirectTo = elsewhere.BaseUrl;

        var statuses = new[] { 301, 302, 303, 307, 308 };
        for (var i = 0; i < statuses.Length; i++)
        {
            east.RedirectStatus = west.RedirectStatus = statuses[i];
            Assert.Equal(2, await Processor.DrainOnceAsync("w1", CancellationToken.None));

            var (e, w) = (await MessageAsync(eastKey), await MessageAsync(westKey));
            Assert.Equal((OutboxStatus.Pending, i + 1, nameof(HttpRequestException)), (e.Status, e.Attempts, e.LastError));
            Assert.Equal((OutboxStatus.Pending, i + 1, nameof(HttpRequestException)), (w.Status, w.Attempts, w.LastError));
            Assert.Equal(i + 1, east.OrderRequests.Count);
            Assert.Empty(elsewhere.Requests);
            App.Clock.SetUtcNow(new[] { e.NextAttemptAt, w.NextAttemptAt }.Max());
        }

        Assert.Empty(west.OrderRequests);
        Assert.Contains("Pat00", east.OrderRequests[0].Body, StringComparison.Ordinal); // the body the redirect asked to resend elsewhere
        await using (var db = App.Database.CreatePlatformContext())
        {
            Assert.All(await db.PartnerOrders.IgnoreQueryFilters().ToListAsync(), p => Assert.Equal(PartnerOrderStatus.Queued, p.Status));
        }

        // Once the pharmacies answer properly, each order goes through once, with the key of the failed attempts.
        east.Orders = FakeAnswer.Ok;
        west.Token = FakeAnswer.Ok;
        Assert.Equal(2, await Processor.DrainOnceAsync("w1", CancellationToken.None));
        Assert.Equal((1, 1), (east.AcceptedOrders, west.AcceptedOrders));
        Assert.All(east.OrderRequests, r => Assert.Equal(eastKey, r.IdempotencyKey));
        Assert.Equal(westKey, Assert.Single(west.OrderRequests).IdempotencyKey);
        Assert.Empty(elsewhere.Requests);
    }

    private async Task ConnectAsync(string pharmacyGlobalId, FakePharmacyApi api)
    {
        GlobalId.TryDecode(pharmacyGlobalId, "Pharmacy", out var id);
        await using var db = App.Database.CreatePlatformContext();
        var pharmacy = await db.Pharmacies.SingleAsync(p => p.Id == id);
        pharmacy.ConfigureIntegration(
            api.BaseUrl.ToString(), new Uri(api.BaseUrl, "oauth/token").ToString(), "client", App.Secrets.Protect("client-secret"),
            pharmacy.WebhookSecret ?? App.Secrets.Protect(NewSecret()));
        await db.SaveChangesAsync();
    }

    private async Task<string> SubmitKeyAsync(string pharmacyGlobalId)
    {
        GlobalId.TryDecode(pharmacyGlobalId, "Pharmacy", out var id);
        await using var db = App.Database.CreatePlatformContext();
        var partnerOrder = await db.PartnerOrders.IgnoreQueryFilters().SingleAsync(p => p.PharmacyId == id);
        return PartnerRouting.SubmitKey(partnerOrder.Id);
    }

    private async Task<OutboxMessage> MessageAsync(string key)
    {
        await using var db = App.Database.CreatePlatformContext();
        return await db.OutboxMessages.AsNoTracking().SingleAsync(m => m.Key == key);
    }
}

public sealed class PartnerApiFaultTestsOnSqlite() : PartnerApiFaultTests(DatabaseProvider.Sqlite, null);

[Collection(PostgresCollection.Name)]
public sealed class PartnerApiFaultTestsOnPostgres(PostgresServer postgres) : PartnerApiFaultTests(DatabaseProvider.Postgres, postgres);
