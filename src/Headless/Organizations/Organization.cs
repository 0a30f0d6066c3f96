using Headless.Shared;

namespace Headless.Organizations;

/// <summary>The tenant: a telehealth brand. Every clinic, prescriber and patient belongs to one.</summary>
public sealed class Organization : IEntity
{
    private Organization()
    {
    }

    public Organization(string name, string slug, DateTimeOffset createdAt)
    {
        Name = name;
        Slug = slug;
        CreatedAt = createdAt;
    }

    public long Id { get; private set; }

    public string Name { get; private set; } = "";

    /// <summary>A stable, unique handle used by operators and the demo seeder (never by tenancy checks).</summary>
    public string Slug { get; private set; } = "";

    public DateTimeOffset CreatedAt { get; private set; }

    /// <summary>The organization's customer at the payment gateway (one per organization), once created.</summary>
    public string? PaymentCustomerId { get; private set; }

    public void SetPaymentCustomer(string customerId) => PaymentCustomerId ??= customerId;
}
