using Headless.Shared;

namespace Headless.Fulfillment;

/// <summary>Partner order statuses, stored as strings.</summary>
public static class PartnerOrderStatus
{
    /// <summary>Written with the order; its submission waits in the outbox.</summary>
    public const string Queued = "QUEUED";

    /// <summary>The pharmacy acknowledged the submission.</summary>
    public const string Submitted = "SUBMITTED";
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

    public string Status { get; private set; } = PartnerOrderStatus.Queued;

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
