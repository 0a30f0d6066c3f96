using System.Net;
using Headless.Tests.Infrastructure;
using Headless.Tests.Partners;

namespace Headless.Tests.Transport.WebSockets;

/// <summary>
/// The real graphql-ws client from npm, in Node, against the service on Kestrel: the close codes it sees, and a line
/// followed from SUBMITTED to DELIVERED while the pharmacy works, with the client killed midway and restarted with its
/// last cursor, ending with every status exactly once.
/// </summary>
public sealed class GraphQLWsClientTests : IAsyncLifetime
{
    private HeadlessApp _app = null!;
    private Uri _ws = null!;

    public Task InitializeAsync()
    {
        _app = HeadlessApp.Sqlite(new Dictionary<string, string?> { ["Headless:WebSockets:ConnectionInitTimeout"] = "00:00:05" });
        if (NodeScripts.SkipReason is null)
        {
            var http = _app.StartKestrel();
            _ws = new UriBuilder(http) { Scheme = "ws", Path = "/graphql" }.Uri;
        }

        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _app.DisposeAsync();

    [NodeFact]
    public async Task The_graphql_ws_client_sees_every_close_code_of_the_protocol()
    {
        var tenant = await _app.CreateTenantAsync("Node Org");
        await using var node = NodeScripts.Start("protocol.mjs", _ws.ToString(), tenant.ApiKey);

        var seen = new Dictionary<string, int>();
        using var ticking = new CancellationTokenSource();
        Task? ticker = null;
        while (seen.Count < 6)
        {
            var line = await node.NextAsync();
            if (line.TryGetProperty("waiting", out _))
            {
                // The socket is open and silent. Its session may not have started its timer yet when the client sees the
                // socket open, so the service's clock moves on a second at a time until the close arrives.
                ticker = Task.Run(async () =>
                {
                    while (!ticking.IsCancellationRequested)
                    {
                        _app.Clock.Advance(TimeSpan.FromSeconds(1));
                        await Task.Delay(50, CancellationToken.None);
                    }
                });
                continue;
            }

            var name = line.GetProperty("case").GetString()!;
            if (name == "query")
            {
                Assert.Equal("Node Org", line.GetProperty("name").GetString());
                continue;
            }

            seen[name] = line.GetProperty("code").GetInt32();
        }

        await ticking.CancelAsync();
        if (ticker is not null)
        {
            await ticker;
        }

        Assert.Equal(4403, seen["forbidden"]);
        Assert.Equal(4409, seen["duplicate-id"]);
        Assert.Equal(4401, seen["subscribe-before-ack"]);
        Assert.Equal(4429, seen["second-init"]);
        Assert.Equal(4400, seen["malformed"]);
        Assert.Equal(4408, seen["init-timeout"]);
    }

    [NodeFact]
    public async Task A_client_killed_midway_and_restarted_with_its_last_cursor_sees_every_status_once()
    {
        var f = await CartData.CreateAsync(_app, 2);

        // Something in the log first, so there is a cursor from before the checkout.
        var added = (await f.Tenant.Client.DataAsync(CartData.Add, new { clinicId = f.ClinicId, lines = new[] { CartData.GoodLine(f.Patients[1], f.Prescriber, f.Catalog.TestoEast) } })).At("cartLinesAdd.cart");
        await f.Tenant.Client.DataAsync(CartData.Remove, new { cartId = added.GetProperty("id").GetString(), ids = new[] { added.At("lines.nodes.0.id").GetString() } });
        var before = (await f.Tenant.Client.DataAsync("{ events(first: 100) { pageInfo { endCursor } } }")).At("events.pageInfo.endCursor").GetString()!;
        var order = await PartnerCallbacks.CheckoutAsync(_app, f, [f.Catalog.SemaEast], "node-follow");
        _app.Clock.Advance(TimeSpan.FromHours(1));
        var line = order.Lines[0];
        var http = _app.CreateClient();

        async Task MoveAsync(string type, int minutes)
        {
            var extra = type == "line.shipped" ? new { carrier = "UPS", trackingNumber = "1Z999AA10123456784", trackingUrl = "https://www.ups.com/track?tracknum=1Z999AA10123456784" } : null;
            var (status, body) = await PartnerCallbacks.SendAsync(_app, http, order, line, type, _app.Clock.GetUtcNow().AddMinutes(minutes - 60), extra);
            Assert.True(status == HttpStatusCode.OK, $"{type}: {(int)status} {body}");
        }

        var statuses = new List<string>();
        string cursor;
        await using (var first = NodeScripts.Start("follow-line.mjs", _ws.ToString(), f.Tenant.ApiKey, line.Id, before))
        {
            Assert.True((await first.NextAsync()).GetProperty("subscribing").GetBoolean());

            // From the cursor taken before checkout: the move to SUBMITTED is replayed.
            var submitted = await first.NextAsync();
            Assert.Equal(("PENDING_PAYMENT", "SUBMITTED"), (submitted.GetProperty("previousStatus").GetString(), submitted.GetProperty("status").GetString()));
            statuses.Add(submitted.GetProperty("status").GetString()!);

            await MoveAsync("line.received", 10);
            var received = await first.NextAsync();
            statuses.Add(received.GetProperty("status").GetString()!);
            cursor = received.GetProperty("cursor").GetString()!;

            // Killed midway; the pharmacy carries on.
            await first.KillAsync();
        }

        await MoveAsync("line.compounding", 20);
        await MoveAsync("line.shipped", 30);

        await using (var second = NodeScripts.Start("follow-line.mjs", _ws.ToString(), f.Tenant.ApiKey, line.Id, cursor))
        {
            Assert.True((await second.NextAsync()).GetProperty("subscribing").GetBoolean());
            statuses.Add((await second.NextAsync()).GetProperty("status").GetString()!);
            statuses.Add((await second.NextAsync()).GetProperty("status").GetString()!);
            await MoveAsync("line.delivered", 40);
            var delivered = await second.NextAsync();
            statuses.Add(delivered.GetProperty("status").GetString()!);
            Assert.Equal("DELIVERED", delivered.At("line.status").GetString());
        }

        Assert.Equal(["SUBMITTED", "RECEIVED", "COMPOUNDING", "SHIPPED", "DELIVERED"], statuses);
    }
}
