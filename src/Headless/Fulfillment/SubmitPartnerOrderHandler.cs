using System.ComponentModel.DataAnnotations;
using Headless.Data;
using Headless.GraphQL;
using Headless.Orders;
using Headless.Outbox;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Headless.Fulfillment;

/// <summary>Delivers partner-order.submit: reads the partner order fresh and posts it to its pharmacy.</summary>
internal sealed class SubmitPartnerOrderHandler(HeadlessDatabase database, IPharmacyAdapter adapter, IOptions<PartnerOptions> options, TimeProvider clock, ILogger<SubmitPartnerOrderHandler> logger)
    : IOutboxHandler
{
    public string Kind => PartnerRouting.SubmitKind;

    public async Task HandleAsync(OutboxMessage message, CancellationToken ct)
    {
        var payload = OutboxQueue.Read<SubmitPartnerOrder>(message);
        await using var db = database.CreatePlatformContext();
        var partnerOrder = await db.PartnerOrders.IgnoreQueryFilters().FirstAsync(p => p.Id == payload.PartnerOrderId, ct);
        if (partnerOrder.Status == PartnerOrderStatus.Submitted)
        {
            return;
        }

        var pharmacy = await db.Pharmacies.AsNoTracking().FirstAsync(p => p.Id == partnerOrder.PharmacyId, ct);
        if (!pharmacy.HasIntegration)
        {
            // A pharmacy without an API takes orders by other means (portal, fax); nothing to send from here.
            logger.LogInformation("Partner order {PartnerOrderId}: pharmacy {PharmacyId} has no API integration; left for manual submission", partnerOrder.Id, pharmacy.Id);
            partnerOrder.MarkSubmitted(null, clock.GetUtcNow());
            await db.SaveChangesAsync(ct);
            return;
        }

        var lines = await db.OrderLines.IgnoreQueryFilters().AsNoTracking().Where(l => l.PartnerOrderId == partnerOrder.Id).OrderBy(l => l.Position).ToListAsync(ct);
        var views = await OrderLineView.LoadAsync(db, lines, ct);
        var orderNumber = Order.FormatNumber(partnerOrder.OrderId);
        var document = new PartnerOrderDocument(
            GlobalId.Encode("PartnerOrder", partnerOrder.Id),
            orderNumber,
            $"{options.Value.CallbackBaseUrl.TrimEnd('/')}/partners/{GlobalId.Encode("Pharmacy", pharmacy.Id)}/events",
            views.Select(v => new PartnerOrderLine(
                v.Number, v.Product.Name, v.Product.Strength, v.Product.Form, v.Line.Quantity, v.Line.Sig, v.Line.DaysSupply,
                new PartnerPatient(v.Patient.FirstName, v.Patient.LastName, v.Patient.DateOfBirth,
                    new PartnerAddress(v.Line.ShipTo.Line1, v.Line.ShipTo.Line2, v.Line.ShipTo.City, v.Line.ShipTo.State, v.Line.ShipTo.Zip)),
                new PartnerPrescriber(v.Prescriber.FirstName, v.Prescriber.LastName, v.Prescriber.Npi, v.Prescriber.DeaNumber))).ToList());

        var submission = await adapter.SubmitAsync(pharmacy, document, message.Key, ct);
        partnerOrder.MarkSubmitted(submission.Reference, clock.GetUtcNow());
        await db.SaveChangesAsync(ct);
        logger.LogInformation("Partner order {PartnerOrderId} submitted to pharmacy {PharmacyId}", partnerOrder.Id, pharmacy.Id);
    }
}
