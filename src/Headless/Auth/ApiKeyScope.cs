using System.ComponentModel;

namespace Headless.Auth;

/// <summary>What a credential may do. Each scope includes the ones before it; the order is the ranking.</summary>
[Description("What an API key may do. Each scope includes the ones before it: WRITE can do all READ can, ADMIN all WRITE can.")]
public enum ApiKeyScope
{
    [Description("Queries and subscriptions only.")]
    Read,

    [Description("Everything except administering API keys and webhooks (apiKey*, webhookEndpoint*, webhookDeliveryRetry).")]
    Write,

    [Description("Everything, including API keys and webhooks.")]
    Admin,
}
