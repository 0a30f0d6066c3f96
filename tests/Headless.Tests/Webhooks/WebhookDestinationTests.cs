using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using Headless.Tests.Infrastructure;
using Headless.Webhooks;
using Microsoft.Extensions.DependencyInjection;

namespace Headless.Tests.Webhooks;

/// <summary>A DNS stand-in: each name resolves to whatever the test says, so no test ever reaches a real network.</summary>
internal sealed class StubDnsResolver : IWebhookDnsResolver
{
    public ConcurrentDictionary<string, IPAddress[]> Names { get; } = new(StringComparer.OrdinalIgnoreCase);

    public Task<IPAddress[]> ResolveAsync(string host, CancellationToken ct) =>
        Names.TryGetValue(host, out var addresses) ? Task.FromResult(addresses) : throw new System.Net.Sockets.SocketException((int)System.Net.Sockets.SocketError.HostNotFound);
}

/// <summary>
/// The destination guard with private destinations not allowed (production configuration): refused when saved, and
/// again when sent, since a name can resolve elsewhere later. Names resolve through a stub; the only address ever
/// connected to is the test's own receiver on 127.0.0.1, and only to show that the guard stops it.
/// </summary>
public sealed class WebhookDestinationTests : IAsyncLifetime
{
    private readonly StubDnsResolver _dns = new();
    private HeadlessApp _app = null!;
    private WebhookReceiver _receiver = null!;

    public async Task InitializeAsync()
    {
        _app = HeadlessApp.Sqlite(
            new Dictionary<string, string?> { ["Headless:Webhooks:AllowPrivateDestinations"] = "false" },
            services => services.AddSingleton<IWebhookDnsResolver>(_dns));
        _receiver = await WebhookReceiver.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _receiver.DisposeAsync();
        await _app.DisposeAsync();
    }

    [Theory]
    [InlineData("https://127.0.0.1/hook")]
    [InlineData("https://10.0.0.5/hook")]
    [InlineData("https://172.20.1.1/hook")]
    [InlineData("https://192.168.1.10/hook")]
    [InlineData("https://169.254.169.254/latest/meta-data/")]
    [InlineData("https://100.100.100.200/")]
    [InlineData("https://[::1]/hook")]
    [InlineData("https://[fd00:ec2::254]/")]
    [InlineData("https://[::ffff:127.0.0.1]/hook")]
    [InlineData("https://0.0.0.0/hook")]
    [InlineData("https://internal.brand.test/hook")]
    [InlineData("https://mixed.brand.test/hook")]
    public async Task A_private_loopback_link_local_or_metadata_destination_is_refused_when_saved(string url)
    {
        _dns.Names["internal.brand.test"] = [IPAddress.Parse("10.20.30.40")];
        _dns.Names["mixed.brand.test"] = [IPAddress.Parse("93.184.216.34"), IPAddress.Parse("192.168.0.7")];
        var c = (await _app.CreateTenantAsync($"Ssrf {Guid.NewGuid():N}"[..20])).Client;
        var payload = (await c.DataAsync(WebhookHarness.Create, new { input = new { url, eventTypes = new[] { "order.created" } } })).GetProperty("webhookEndpointCreate");
        Assert.Equal(["DESTINATION_NOT_ALLOWED"], payload.UserErrorCodes());
        Assert.Equal(["input", "url"], payload.At("userErrors.0.field").EnumerateArray().Select(f => f.GetString()));
        Assert.Equal(JsonValueKind.Null, payload.GetProperty("endpoint").ValueKind);
        Assert.Equal(0, (await c.DataAsync("{ webhookEndpoints { totalCount } }")).At("webhookEndpoints.totalCount").GetInt32());
    }

    [Fact]
    public async Task Plain_http_and_names_that_do_not_resolve_are_refused()
    {
        var c = (await _app.CreateTenantAsync("Ssrf Http")).Client;
        var http = (await c.DataAsync(WebhookHarness.Create, new { input = new { url = "http://crm.brand.test/hook", eventTypes = new[] { "order.created" } } })).GetProperty("webhookEndpointCreate");
        Assert.Equal(["INVALID_FORMAT"], http.UserErrorCodes());
        var unknown = (await c.DataAsync(WebhookHarness.Create, new { input = new { url = "https://nowhere.brand.test/hook", eventTypes = new[] { "order.created" } } })).GetProperty("webhookEndpointCreate");
        Assert.Equal(["DESTINATION_NOT_ALLOWED"], unknown.UserErrorCodes());
    }

    [Fact]
    public async Task A_name_that_resolves_to_a_private_address_at_send_time_is_not_called()
    {
        // Saved while the name resolves to a public address (never connected to: the stub changes before any send).
        _dns.Names["crm.brand.test"] = [IPAddress.Parse("93.184.216.34")];
        var f = await CartData.CreateAsync(_app, 1, "Ssrf Rebind");
        var (id, _) = await WebhookHarness.CreateEndpointAsync(f.Tenant.Client, $"https://crm.brand.test:{_receiver.BaseAddress.Port}/hooks", ["order.created"]);

        // Now it points at loopback, where the receiver listens: the guard stops the connection.
        _dns.Names["crm.brand.test"] = [IPAddress.Loopback];
        await WebhookHarness.CheckOutAsync(f, lines: 1);
        await WebhookHarness.DeliverAsync(_app);

        Assert.Empty(_receiver.Received);
        var delivery = (await WebhookHarness.EndpointAsync(f.Tenant.Client, id)).At("deliveries.nodes.0");
        Assert.Equal("PENDING", delivery.GetProperty("status").GetString());
        var attempt = Assert.Single(delivery.GetProperty("attempts").EnumerateArray());
        Assert.Equal("DESTINATION_NOT_ALLOWED", attempt.GetProperty("errorClass").GetString());
        Assert.Equal(JsonValueKind.Null, attempt.GetProperty("statusCode").ValueKind);
    }

    [Theory]
    [InlineData("93.184.216.34", true)]
    [InlineData("8.8.8.8", true)]
    [InlineData("2606:4700:4700::1111", true)]
    [InlineData("127.0.0.1", false)]
    [InlineData("127.255.0.9", false)]
    [InlineData("10.1.2.3", false)]
    [InlineData("172.16.0.1", false)]
    [InlineData("172.31.255.255", false)]
    [InlineData("172.32.0.1", true)]
    [InlineData("192.168.5.5", false)]
    [InlineData("169.254.169.254", false)]
    [InlineData("100.64.0.1", false)]
    [InlineData("0.0.0.0", false)]
    [InlineData("224.0.0.1", false)]
    [InlineData("255.255.255.255", false)]
    [InlineData("::1", false)]
    [InlineData("::", false)]
    [InlineData("fe80::1", false)]
    [InlineData("fd12:3456::1", false)]
    [InlineData("::ffff:10.0.0.1", false)]
    [InlineData("::ffff:93.184.216.34", true)]
    [InlineData("64:ff9b::a00:1", false)]
    [InlineData("ff02::1", false)]
    public void Addresses_are_public_only_outside_the_refused_ranges(string address, bool isPublic) =>
        Assert.Equal(isPublic, WebhookDestinations.IsPublic(IPAddress.Parse(address)));
}
