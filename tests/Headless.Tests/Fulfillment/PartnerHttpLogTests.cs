using System.Text.Json;
using Headless.Fulfillment;
using Headless.Hosting;
using Headless.Outbox;
using Headless.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using PartnerPharmacy;
using static Headless.Tests.Fulfillment.RefillDayEndToEndTests;

namespace Headless.Tests.Fulfillment;

/// <summary>
/// A partner submission through the partner HttpClient (a token request and the order, to the simulator) writes
/// none of IHttpClientFactory's per-request Information lines by default; the setting turns them back on.
/// </summary>
public sealed class PartnerHttpLogTests
{
    private static readonly string PartnerCategory = $"{HeadlessHost.HttpClientLogCategory}.{HttpPharmacyAdapter.HttpClientName}.";

    [Fact]
    public async Task A_partner_request_logs_no_information_lines_from_the_http_client()
    {
        var (entries, orders) = await SubmitOnePartnerOrderAsync(new Dictionary<string, string?>());

        Assert.Equal(1, orders);
        Assert.DoesNotContain(entries, e => e.Category.StartsWith(HeadlessHost.HttpClientLogCategory, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Configuration_turns_the_http_client_lines_back_on()
    {
        var (entries, orders) = await SubmitOnePartnerOrderAsync(new Dictionary<string, string?>
        {
            [$"Logging:LogLevel:{HeadlessHost.HttpClientLogCategory}"] = "Information",
        });

        // Two requests (the client-credentials token, then the order), four lines each.
        Assert.Equal(1, orders);
        var lines = entries.Where(e => e.Category.StartsWith(PartnerCategory, StringComparison.Ordinal)).ToList();
        Assert.Equal(8, lines.Count);
        Assert.All(lines, e => Assert.Equal(LogLevel.Information, e.Level));
    }

    private static async Task<(IReadOnlyList<LogEntry> Entries, int OrdersReceived)> SubmitOnePartnerOrderAsync(Dictionary<string, string?> settings)
    {
        var recorder = new LogRecorder(LogLevel.Information);
        settings["Headless:Outbox:Enabled"] = "false";
        settings["Headless:Partners:CallbackBaseUrl"] = "http://localhost";
        await using var app = HeadlessApp.Sqlite(settings, services => services.AddSingleton<ILoggerProvider>(recorder));
        var f = await CartData.CreateAsync(app, 1);
        await using var pharmacy = await StartSimulatorAsync(app, port: 0, outOfStock: []);
        var address = SimulatorHost.GetBaseAddress(pharmacy);
        await ConnectPharmaciesAsync(app, address);
        await CheckOutAsync(f, CartData.GoodLine(f.Patients[0], f.Prescriber, f.Catalog.SemaEast));
        recorder.Clear();

        Assert.Equal(1, await app.Services.GetRequiredService<OutboxProcessor>().DrainOnceAsync("test-worker", default));

        using var http = new HttpClient { BaseAddress = address };
        var stats = JsonDocument.Parse(await http.GetStringAsync("v1/stats")).RootElement;
        return (recorder.Entries, stats.GetProperty("ordersReceived").GetInt32());
    }
}
