using Headless.Data;
using Headless.Events;
using Headless.GraphQL;

namespace Headless.Orders.Lifecycle;

/// <summary>An order line's entries in the event log. Payloads name the patient by the brand's external id only.</summary>
public static class LineEvents
{
    /// <summary>order_line.status_changed: the line's status, hold, reason, owner or tracking changed (the line is as it is now).</summary>
    public static void StatusChanged(HeadlessDbContext db, OrderLine line, OrderLineStatus fromStatus, EventSource source, DateTimeOffset now, IReadOnlyDictionary<long, string?> patientExternalIds) =>
        EventLog.Append(db, line.OrganizationId, EventTypes.OrderLineStatusChanged, new EventSubject(EventSubjectKind.OrderLine, line.Id, line.Number, line.OrderId, line.Order.ClinicId), line.Sequence, now, new
        {
            lineId = GlobalId.Encode("OrderLine", line.Id),
            number = line.Number,
            orderId = GlobalId.Encode("Order", line.OrderId),
            orderNumber = line.Order.Number,
            patientExternalId = patientExternalIds.GetValueOrDefault(line.PatientId),
            pharmacyId = GlobalId.Encode("Pharmacy", line.PharmacyId),
            from = fromStatus,
            to = line.Status,
            source,
            reasonCode = line.StatusReasonCode,
            fixable = line.StatusReasonFixable,
            owner = line.Owner,
            statusSince = line.StatusSince,
            paymentStatus = line.PaymentStatus,
            tracking = line.TrackingCarrier is null && line.TrackingNumber is null && line.TrackingUrl is null
                ? null
                : new { carrier = line.TrackingCarrier, number = line.TrackingNumber, url = line.TrackingUrl },
            sequence = line.Sequence,
        });
}
