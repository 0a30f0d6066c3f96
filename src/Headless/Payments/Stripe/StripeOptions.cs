using System.ComponentModel.DataAnnotations;

namespace Headless.Payments.Stripe;

/// <summary>Settings under Headless:Payments:Stripe. Stripe is the active gateway only when <see cref="SecretKey"/> is set.</summary>
public sealed class StripeOptions
{
    public const string Section = "Headless:Payments:Stripe";

    /// <summary>The API secret key (sk_live_... / sk_test_... or a restricted rk_ key). Keep it in user secrets or the environment.</summary>
    public string? SecretKey { get; set; }

    /// <summary>The signing secret (whsec_...) of the webhook endpoint configured in the Stripe dashboard.</summary>
    public string? WebhookSecret { get; set; }

    /// <summary>The API base URL; configurable so tests can point the gateway at a local fake.</summary>
    [Required]
    public string ApiBase { get; set; } = DefaultApiBase;

    /// <summary>How old (or how far in the future) a webhook's signed timestamp may be, in seconds. Stripe's default is 300.</summary>
    [Range(1, 3600)]
    public long WebhookToleranceSeconds { get; set; } = 300;

    public const string DefaultApiBase = "https://api.stripe.com";

    public bool Enabled => !string.IsNullOrWhiteSpace(SecretKey);
}
