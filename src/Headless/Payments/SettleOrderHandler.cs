using Headless.Orders.Lifecycle;
using Headless.Outbox;

namespace Headless.Payments;

/// <summary>Runs the capture policy for an order a line change decided (a payment.settle outbox message).</summary>
internal sealed class SettleOrderHandler(PaymentSettlement settlement) : IOutboxHandler
{
    public string Kind => LineOutbox.SettleKind;

    public Task HandleAsync(OutboxMessage message, CancellationToken ct) =>
        settlement.SettleAsync(OutboxQueue.Read<SettleOrder>(message).OrderId, ct);
}
