using System.ComponentModel;
using Headless.Shared;

namespace Headless.Fulfillment;

/// <summary>Partner order statuses, stored as their <see cref="WireEnum{T}"/> strings.</summary>
public enum PartnerOrderStatus
{
    [Description("Written with the order; its submission waits in the outbox.")]
    Queued,

    [Description("The pharmacy acknowledged the submission.")]
    Submitted,
}

/// <summary>The lines of one order that go to one pharmacy: one submission to that pharmacy.</summary>
public sealed class PartnerOrder : IEntity, ITenantOwned
{
    private PartnerOrder()
    {
    }

    public PartnerOrder(long organizationId, long orderId, long pharmacyId, DateTimeOffset now)
    {
        OrganizationId = organizationId;
        OrderId = orderId;
        PharmacyId = pharmacyId;
        Status = PartnerOrderStatus.Queued;
        CreatedAt = now;
    }

    public long Id { get; private set; }

    public long OrganizationId { get; private set; }

    public long OrderId { get; private set; }

    public long PharmacyId { get; private set; }

    public PartnerOrderStatus Status { get; private set; } = PartnerOrderStatus.Queued;

    /// <summary>The pharmacy's own reference for the submission, once it acknowledged it.</summary>
    public string? ExternalReference { get; private set; }

    public DateTimeOffset CreatedAt { get; private set; }

    public DateTimeOffset? SubmittedAt { get; private set; }

    public void MarkSubmitted(string? externalReference, DateTimeOffset now)
    {
        if (Status == PartnerOrderStatus.Submitted)
        {
            return;
        }

        Status = PartnerOrderStatus.Submitted;
        ExternalReference = externalReference;
        SubmittedAt = now;
    }
}
