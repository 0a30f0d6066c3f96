using System.Text.Json;

using Headless.Tests.Fulfillment;
using Headless.Tests.Infrastructure;
using Headless.Webhooks;
using Microsoft.EntityFrameworkCore;
using PartnerPharmacy;

namespace Headless.Tests.Webhooks;

/// <summary>
/// A whole refill day through the partner pharmacy simulator (submissions, callbacks, a rejection, a hold, the capture),
/// with a webhook endpoint subscribed to every event type: what the brand's CRM receives.
/// </summary>
public sealed class WebhookRefillDayTests
{
    private sealed record SeededPatient(string Id, string FirstName, string LastName, string DateOfBirth, string Street, string City);

    [Fact]
    public async Task No_default_payload_of_a_full_refill_day_holds_any_patients_name_date_of_birth_or_street()
    {
        await using var app = HeadlessApp.Sqlite(new Dictionary<string, string?> { ["Headless:Partners:CallbackBaseUrl"] = "http://localhost" });
        await using var receiver = await WebhookReceiver.StartAsync();
        var f = await CartData.CreateAsync(app, 0, "Phi Scan Org");
        var patients = new List<SeededPatient>();
        for (var i = 0; i < 8; i++)
        {
            var p = new SeededPatient("", $"Wilhelmina{(char)('A' + i)}", $"Quartermaine{(char)('A' + i)}", $"19{60 + i}-0{1 + (i % 9)}-1{i}", $"{400 + i} Juniper Hollow Rd", "Georgetown");
            var id = await TestData.CreateAsync(f.Tenant.Client, TestData.PatientCreate, "patientCreate", new
            {
                externalId = $"CRM-{i:000}",
                firstName = p.FirstName,
                lastName = p.LastName,
                dateOfBirth = p.DateOfBirth,
                address = new { line1 = p.Street, city = p.City, state = "TX", zip = "78626" },
            });
            patients.Add(p with { Id = id });
        }

        await using var pharmacy = await RefillDayEndToEndTests.StartSimulatorAsync(app, port: 0, outOfStock: ["NAD+"]);
        await RefillDayEndToEndTests.ConnectPharmaciesAsync(app, SimulatorHost.GetBaseAddress(pharmacy));
        await WebhookHarness.CreateEndpointAsync(f.Tenant.Client, receiver.Url(), WebhookHarness.AllTypes);

        var offerings = new[] { f.Catalog.SemaEast, f.Catalog.TestoEast, f.Catalog.SemaWest, f.Catalog.NadWest };
        await RefillDayEndToEndTests.CheckOutAsync(f, [.. patients.Select((p, i) => CartData.GoodLine(p.Id, f.Prescriber, offerings[i % offerings.Length]))]);
        await RunDayAsync(app, f);

        // Every event of the day reached the endpoint once: the log and the receiver agree.
        await using var db = app.Database.CreatePlatformContext();
        var events = await db.Events.IgnoreQueryFilters().Where(e => e.OrganizationId == f.Tenant.OrganizationId).OrderBy(e => e.Position).ToListAsync();
        var start = (await WebhookHarness.AllDeliveriesAsync(app)).Min(d => d.EventPosition);
        var expected = events.Where(e => e.Position >= start).ToList();
        Assert.Equal(expected.Select(e => $"msg_evt{e.Id}"), receiver.Received.Select(r => r.Id));
        Assert.Contains(expected, e => e.Type == Headless.Events.EventTypes.OrderPaymentCaptured);
        Assert.Contains(receiver.Received, r => r.Body.Contains("\"status\":\"REJECTED\"", StringComparison.Ordinal));

        // Six lines go SUBMITTED, RECEIVED, COMPOUNDING, SHIPPED, DELIVERED; the two NAD+ lines SUBMITTED, REJECTED.
        Assert.Equal(34, receiver.Received.Count(r => r.Body.Contains("order_line.status_changed", StringComparison.Ordinal)));

        // The brand's own patient ids are there; nothing that identifies a patient otherwise is.
        Assert.All(patients.Select((_, i) => $"CRM-{i:000}"), x => Assert.Contains(receiver.Received, r => r.Body.Contains(x, StringComparison.Ordinal)));
        var bodies = receiver.Received.Select(r => r.Body).Concat((await WebhookHarness.AllDeliveriesAsync(app)).Select(d => d.Body ?? "")).ToList();
        var findings = new List<string>();
        foreach (var p in patients)
        {
            var dob = DateOnly.Parse(p.DateOfBirth, System.Globalization.CultureInfo.InvariantCulture);
            foreach (var value in new[] { p.FirstName, p.LastName, p.DateOfBirth, dob.ToString("MM/dd/yyyy", System.Globalization.CultureInfo.InvariantCulture), p.Street, "Juniper", p.City })
            {
                findings.AddRange(bodies.Where(b => b.Contains(value, StringComparison.OrdinalIgnoreCase)).Select(b => $"{value} in {b[..Math.Min(120, b.Length)]}"));
            }
        }

        Assert.True(findings.Count == 0, string.Join("\n", findings.Take(10)));
    }

    /// <summary>Moves the shared clock on in simulator steps, delivering partner work and webhooks, until every line is done.</summary>
    internal static async Task RunDayAsync(HeadlessApp app, CartFixture f)
    {
        for (var i = 0; i < 400; i++)
        {
            await WebhookHarness.DeliverAsync(app);
            await using (var db = app.Database.CreatePlatformContext())
            {
                var open = await db.OrderLines.IgnoreQueryFilters().CountAsync(l => l.OrganizationId == f.Tenant.OrganizationId
                    && l.Status != Headless.Orders.OrderLineStatus.Delivered && l.Status != Headless.Orders.OrderLineStatus.Rejected);
                if (open == 0)
                {
                    break;
                }
            }

            app.Clock.Advance(TimeSpan.FromSeconds(5));
            await Task.Delay(100);
        }

        // The last callbacks' events, fanned out and sent.
        await Task.Delay(200);
        await WebhookHarness.DeliverAsync(app);
        await WebhookHarness.DeliverAsync(app);
    }
}
