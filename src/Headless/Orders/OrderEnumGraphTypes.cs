using GraphQL;
using GraphQL.Types;
using Headless.Catalog;
using Headless.Clinics;
using Headless.Data;
using Headless.GraphQL;
using Headless.Patients;
using Headless.Prescribers;
using Headless.Shared;
using Headless.Orders.Lifecycle;
using Microsoft.EntityFrameworkCore;

namespace Headless.Orders;

public sealed class LineOwnerType : EnumerationGraphType
{
    public LineOwnerType()
    {
        Name = "LineOwner";
        Description = "Who must act next on an order line.";
        Add(LineOwner.Pharmacy, LineOwner.Pharmacy, "The pharmacy: it has to receive, compound or ship the line, or resolve its own hold.");
        Add(LineOwner.Clinic, LineOwner.Clinic, "The clinic: a fixable rejection to correct and resubmit, or a hold waiting for the clinic.");
        Add(LineOwner.Patient, LineOwner.Patient, "The patient: a hold waiting for the patient (for example an address to confirm).");
        Add(LineOwner.Payment, LineOwner.Payment, "The payment: the order's authorization is pending or failed.");
        Add(LineOwner.None, LineOwner.None, "Nobody: the line is shipped, delivered, cancelled or rejected for good.");
    }
}

public sealed class LineEventSourceType : EnumerationGraphType
{
    public LineEventSourceType()
    {
        Name = "LineEventSource";
        Description = "Who caused a change of an order line.";
        Add(EventSource.Pharmacy, EventSource.Pharmacy, "The line's pharmacy, through its signed callbacks.");
        Add(EventSource.Clinic, EventSource.Clinic, "The clinic, for example cancelling the line.");
        Add(EventSource.Payment, EventSource.Payment, "The payment: authorization, capture or refund.");
        Add(EventSource.System, EventSource.System, "The service itself, for example a deadline.");
    }
}

public sealed class OrderStatusType : EnumerationGraphType
{
    public OrderStatusType()
    {
        Name = "OrderStatus";
        Description = "Where an order stands as a whole.";
        Add(OrderStatus.PendingPayment, OrderStatus.PendingPayment, "Checkout created the order and is authorizing the payment.");
        Add(OrderStatus.PaymentFailed, OrderStatus.PaymentFailed, "The payment was declined or failed: nothing was routed, stock was released and the cart is open again.");
        Add(OrderStatus.Submitted, OrderStatus.Submitted, "Paid (authorized) and handed to the pharmacies; follow each line's status.");
    }
}

public sealed class PaymentStatusType : EnumerationGraphType
{
    public PaymentStatusType()
    {
        Name = "PaymentStatus";
        Description = "Where an order's one payment stands.";
        Add(PaymentStatus.Pending, PaymentStatus.Pending, "Authorization not answered yet.");
        Add(PaymentStatus.Authorized, PaymentStatus.Authorized, "The total is held on the card; nothing is charged until the pharmacies decide.");
        Add(PaymentStatus.Failed, PaymentStatus.Failed, "The authorization was declined or failed.");
        Add(PaymentStatus.Captured, PaymentStatus.Captured, "The accepted lines were charged, once.");
        Add(PaymentStatus.PartiallyRefunded, PaymentStatus.PartiallyRefunded, "Some captured lines were refunded.");
        Add(PaymentStatus.Refunded, PaymentStatus.Refunded, "Everything captured was refunded.");
        Add(PaymentStatus.Canceled, PaymentStatus.Canceled, "The hold was released without a charge (every line declined, or cancelled at the gateway).");
    }
}

public sealed class LinePaymentStatusType : EnumerationGraphType
{
    public LinePaymentStatusType()
    {
        Name = "LinePaymentStatus";
        Description = "Where one line's share of the payment stands.";
        Add(LinePaymentStatus.Pending, LinePaymentStatus.Pending, "Authorization not answered yet.");
        Add(LinePaymentStatus.Authorized, LinePaymentStatus.Authorized, "Held as part of the order's authorization.");
        Add(LinePaymentStatus.Captured, LinePaymentStatus.Captured, "Charged.");
        Add(LinePaymentStatus.Refunded, LinePaymentStatus.Refunded, "Charged, then refunded for its own amount.");
        Add(LinePaymentStatus.Voided, LinePaymentStatus.Voided, "Declined before the capture: never charged.");
        Add(LinePaymentStatus.NotCaptured, LinePaymentStatus.NotCaptured, "Accepted only after the order's one capture: not charged.");
        Add(LinePaymentStatus.Failed, LinePaymentStatus.Failed, "The order's authorization failed.");
    }
}

public sealed class OrderLineStatusType : EnumerationGraphType
{
    public OrderLineStatusType()
    {
        Name = "OrderLineStatus";
        Description = "The line lifecycle: SUBMITTED → RECEIVED → COMPOUNDING → SHIPPED → DELIVERED, with REJECTED, CANCELLED and ON_HOLD on the way.";
        Add(OrderLineStatus.PendingPayment, OrderLineStatus.PendingPayment, "Waiting for the order's payment authorization.");
        Add(OrderLineStatus.PaymentFailed, OrderLineStatus.PaymentFailed, "The order's payment failed; the line was not routed.");
        Add(OrderLineStatus.Submitted, OrderLineStatus.Submitted, "Paid and routed to its pharmacy.");
        Add(OrderLineStatus.Received, OrderLineStatus.Received, "The pharmacy accepted the line.");
        Add(OrderLineStatus.Compounding, OrderLineStatus.Compounding, "The pharmacy is compounding it.");
        Add(OrderLineStatus.Shipped, OrderLineStatus.Shipped, "On its way; see tracking.");
        Add(OrderLineStatus.Delivered, OrderLineStatus.Delivered, "Delivered.");
        Add(OrderLineStatus.Rejected, OrderLineStatus.Rejected, "The pharmacy rejected the line; see statusReason.");
        Add(OrderLineStatus.Cancelled, OrderLineStatus.Cancelled, "Cancelled by the clinic before compounding.");
        Add(OrderLineStatus.OnHold, OrderLineStatus.OnHold, "Paused until someone acts; see the owner.");
    }
}
