using Headless.Catalog;
using Headless.Fulfillment;
using Headless.Outbox;
using Headless.Tests.Checkout;
using Headless.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Headless.Tests.Fulfillment;

/// <summary>A clinic cancellation the pharmacy refuses (work had started) does not leave the line wrongly cancelled.</summary>
public sealed class CancelRefusedTests
{
    private const string Cancel = """
        mutation($lineId: ID!) { orderLineCancel(lineId: $lineId) { line { status } userErrors { code } } }
        """;

    private const string Line = """
        query($id: ID!) { node(id: $id) { ... on OrderLine { status owner paymentStatus statusReason { code } events(first: 10) { nodes { source from to reasonCode } } } } }
        """;

    [Fact]
    public async Task When_the_pharmacy_refuses_the_line_is_reinstated_and_stays_billable()
    {
        var adapter = new RefusingAdapter();
        await using var app = HeadlessApp.Sqlite(services: s => s.AddSingleton<IPharmacyAdapter>(adapter));
        var f = await CartData.CreateAsync(app, 2);
        await using (var db = app.Database.CreatePlatformContext())
        {
            foreach (var pharmacy in await db.Pharmacies.ToListAsync())
            {
                pharmacy.ConfigureIntegration(
                    "http://pharmacy.invalid/", "http://pharmacy.invalid/oauth/token", "id", app.Secrets.Protect("secret"),
                    app.Secrets.Protect("whsec_cGFydG5lci1waGFybWFjeS1zaW11bGF0b3ItZGVtbyE="));
            }

            await db.SaveChangesAsync();
        }

        var c = f.Tenant.Client;
        var lines = f.Patients.Select(p => CartData.GoodLine(p, f.Prescriber, f.Catalog.SemaEast)).ToArray();
        var cartId = (await c.DataAsync(CartData.Add, new { clinicId = f.ClinicId, lines })).At("cartLinesAdd.cart.id").GetString();
        var version = (await c.DataAsync(CartData.Validate, new { cartId })).At("cartValidate.cart.version").GetInt32();
        var order = (await c.DataAsync(CheckoutTests.Checkout, new { input = new { cartId, expectedVersion = version, paymentMethodId = "pm_card_visa", idempotencyKey = "refused" } })).At("cartCheckout.order");
        var processor = app.Services.GetRequiredService<OutboxProcessor>();
        Assert.Equal(1, await processor.DrainOnceAsync("w", default));
        var lineId = order.At("lines.nodes.0.id").GetString();

        var cancelled = (await c.DataAsync(Cancel, new { lineId })).GetProperty("orderLineCancel");
        Assert.Equal("CANCELLED", cancelled.At("line.status").GetString());
        Assert.Equal(1, await processor.DrainOnceAsync("w", default));

        var line = (await c.DataAsync(Line, new { id = lineId })).GetProperty("node");
        Assert.Equal(1, adapter.CancelCalls);
        Assert.Equal("SUBMITTED", line.GetProperty("status").GetString());
        Assert.Equal("PHARMACY", line.GetProperty("owner").GetString());
        Assert.Equal("AUTHORIZED", line.GetProperty("paymentStatus").GetString());
        Assert.Equal("CANCEL_REFUSED", line.At("statusReason.code").GetString());
        var last = line.At("events.nodes").EnumerateArray().Last();
        Assert.Equal(("PHARMACY", "CANCELLED", "SUBMITTED"), (last.GetProperty("source").GetString(), last.GetProperty("from").GetString(), last.GetProperty("to").GetString()));

        // The clinic may try again (the line is still before compounding): a new cancellation, told to the pharmacy
        // under a key of its own, so the pharmacy judges it afresh instead of replaying its first answer.
        var again = (await c.DataAsync(Cancel, new { lineId })).GetProperty("orderLineCancel");
        Assert.Empty(again.UserErrorCodes());
        Assert.Equal("CANCELLED", again.At("line.status").GetString());
        Assert.Equal(1, await processor.DrainOnceAsync("w", default));
        Assert.Equal(2, adapter.CancelCalls);
        Assert.Equal(2, adapter.Keys.Distinct().Count());
        Assert.Equal("SUBMITTED", (await c.DataAsync(Line, new { id = lineId })).At("node.status").GetString());
    }

    private sealed class RefusingAdapter : IPharmacyAdapter
    {
        private int _cancelCalls;

        public int CancelCalls => _cancelCalls;

        public System.Collections.Concurrent.ConcurrentQueue<string> Keys { get; } = new();

        public Task<PartnerSubmission> SubmitAsync(Pharmacy pharmacy, PartnerOrderDocument document, string idempotencyKey, CancellationToken ct) =>
            Task.FromResult(new PartnerSubmission("REF-1"));

        public Task<bool> CancelLineAsync(Pharmacy pharmacy, string reference, string lineNumber, string idempotencyKey, CancellationToken ct)
        {
            Interlocked.Increment(ref _cancelCalls);
            Keys.Enqueue(idempotencyKey);
            return Task.FromResult(false);
        }

        public Task SendSupportMessageAsync(Pharmacy pharmacy, string reference, string lineNumber, PartnerSupportMessage message, string idempotencyKey, CancellationToken ct) =>
            Task.CompletedTask;
    }
}
