using Headless.Organizations;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Headless.Webhooks;

internal sealed class WebhookEndpointConfiguration : IEntityTypeConfiguration<WebhookEndpoint>
{
    public void Configure(EntityTypeBuilder<WebhookEndpoint> b)
    {
        b.ToTable("WebhookEndpoints");
        b.Property(x => x.Url).HasMaxLength(WebhookEndpointRules.MaxUrlLength);
        b.Property(x => x.EventTypeList).HasMaxLength(1000);
        b.Property(x => x.Description).HasMaxLength(WebhookEndpointRules.MaxDescriptionLength);
        b.Property(x => x.PayloadQuery).HasMaxLength(WebhookEndpointRules.MaxPayloadQueryLength);
        b.Property(x => x.Status).HasMaxLength(20);
        b.Property(x => x.DisabledReason).HasMaxLength(20);
        b.Ignore(x => x.EventTypes);
        b.HasOne<Organization>().WithMany().HasForeignKey(x => x.OrganizationId).OnDelete(DeleteBehavior.Cascade);
        b.HasIndex(x => new { x.OrganizationId, x.Status });
    }
}

internal sealed class WebhookDeliveryConfiguration : IEntityTypeConfiguration<WebhookDelivery>
{
    public void Configure(EntityTypeBuilder<WebhookDelivery> b)
    {
        b.ToTable("WebhookDeliveries");
        b.Property(x => x.EventType).HasMaxLength(60);
        b.Property(x => x.Status).HasMaxLength(20);
        b.Property(x => x.NextTrigger).HasMaxLength(20);
        b.Property(x => x.Body).HasMaxLength(WebhookPayloads.MaxBodyLength);
        b.Ignore(x => x.WebhookId);
        b.Property(x => x.Version).IsConcurrencyToken();
        b.HasOne<WebhookEndpoint>().WithMany().HasForeignKey(x => x.EndpointId).OnDelete(DeleteBehavior.Cascade);

        // One delivery per endpoint and event: replays and retries send it again rather than make another.
        b.HasIndex(x => new { x.EndpointId, x.EventId }).IsUnique();

        // The order gate and the deliveries connection read an endpoint's deliveries by status and position.
        b.HasIndex(x => new { x.EndpointId, x.Status, x.EventPosition });
        b.HasIndex(x => x.OrganizationId);
    }
}

internal sealed class WebhookDeliveryAttemptConfiguration : IEntityTypeConfiguration<WebhookDeliveryAttempt>
{
    public void Configure(EntityTypeBuilder<WebhookDeliveryAttempt> b)
    {
        b.ToTable("WebhookDeliveryAttempts");
        b.Property(x => x.Trigger).HasMaxLength(20);
        b.Property(x => x.ErrorClass).HasMaxLength(30);
        b.Property(x => x.ResponseBody).HasMaxLength(WebhookDeliveryAttempt.MaxResponseBody);
        b.HasOne<WebhookDelivery>().WithMany().HasForeignKey(x => x.DeliveryId).OnDelete(DeleteBehavior.Cascade);
        b.HasIndex(x => new { x.DeliveryId, x.Number });
        b.HasIndex(x => x.OrganizationId);
    }
}

internal sealed class WebhookFanoutCursorConfiguration : IEntityTypeConfiguration<WebhookFanoutCursor>
{
    public void Configure(EntityTypeBuilder<WebhookFanoutCursor> b)
    {
        b.ToTable("WebhookFanoutCursors");
        b.HasKey(x => x.OrganizationId);
        b.Property(x => x.OrganizationId).ValueGeneratedNever();
        b.HasOne<Organization>().WithMany().HasForeignKey(x => x.OrganizationId).OnDelete(DeleteBehavior.Cascade);
    }
}
