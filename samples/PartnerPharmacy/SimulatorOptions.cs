using Microsoft.Extensions.Options;

namespace PartnerPharmacy;

/// <summary>Configuration section <c>Simulator</c> (appsettings.json, env vars <c>Simulator__StepDelay</c>, args).</summary>
public sealed class SimulatorOptions
{
    public const string SectionName = "Simulator";

    /// <summary>Demo OAuth client id (also the value in appsettings.json).</summary>
    public const string DefaultClientId = "headless-demo";

    /// <summary>Demo OAuth client secret (also the value in appsettings.json). Demo only.</summary>
    public const string DefaultClientSecret = "demo-secret-change-me";

    /// <summary>Demo Standard Webhooks secret: base64 of the 32 bytes "partner-pharmacy-simulator-demo!". Demo only.</summary>
    public const string DefaultWebhookSecret = "whsec_cGFydG5lci1waGFybWFjeS1zaW11bGF0b3ItZGVtbyE=";

    public string ClientId { get; set; } = DefaultClientId;

    public string ClientSecret { get; set; } = DefaultClientSecret;

    /// <summary><c>whsec_</c> + base64 of 24–64 random bytes; signs every callback.</summary>
    public string WebhookSecret { get; set; } = DefaultWebhookSecret;

    /// <summary>Delay before each lifecycle step (acceptance → first event → compounding → shipped → delivered).</summary>
    public TimeSpan StepDelay { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Lifetime of an access token (<c>expires_in</c>).</summary>
    public TimeSpan TokenLifetime { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Product names (case-insensitive, exact) rejected with OUT_OF_STOCK, fixable false.</summary>
    public string[] OutOfStockProducts { get; set; } = [];

    /// <summary>Product names (case-insensitive, exact) put on hold (owner PHARMACY) instead of received.</summary>
    public string[] HoldProducts { get; set; } = [];

    /// <summary>Dose units the SIG rule recognises; null means <see cref="SigRules.DefaultDoseUnits"/>.</summary>
    public string[]? SigDoseUnits { get; set; }

    /// <summary>Frequency words/phrases the SIG rule recognises; null means <see cref="SigRules.DefaultFrequencyWords"/>.</summary>
    public string[]? SigFrequencyWords { get; set; }

    /// <summary>
    /// When true (default), reusing an Idempotency-Key on POST /v1/orders with a different body (SHA-256 of the raw bytes)
    /// is answered 422 <c>idempotency_key_reused</c>; when false, the stored response is replayed regardless of the body.
    /// </summary>
    public bool RejectIdempotencyKeyReuse { get; set; } = true;

    /// <summary>First retry delay for a failed callback; doubles each attempt (1 s, 2 s, 4 s, ...).</summary>
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Attempts per callback event, including the first (default 8).</summary>
    public int MaxDeliveryAttempts { get; set; } = 8;

    /// <summary>Timeout of one callback HTTP request.</summary>
    public TimeSpan CallbackTimeout { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>
    /// When true, every new support ticket message is answered, one <see cref="StepDelay"/> later, with a signed
    /// <c>support.reply</c> callback carrying <see cref="SupportReplyMessage"/>. Off by default: POST
    /// /v1/support/{ticketReference}/reply answers on demand.
    /// </summary>
    public bool SupportAutoReply { get; set; }

    /// <summary>
    /// Products whose stock the simulator counts, each "Product name|Headless Offering ID|units". Accepted lines (not
    /// rejected) take their quantity; the line that empties a product sends one signed <c>offering.updated</c> with
    /// stock 0 for that offering to the order's callback URL. Empty by default.
    /// </summary>
    public string[] OfferingStock { get; set; } = [];

    /// <summary>The text of a support reply when none is given.</summary>
    public string SupportReplyMessage { get; set; } = "Thanks, we are looking into it and will update the line shortly.";
}

/// <summary>Lets list settings also be given as one comma-separated value (e.g. <c>Simulator__OutOfStockProducts="A,B"</c>).</summary>
internal sealed class SimulatorOptionsPostConfigure(IConfiguration configuration) : IPostConfigureOptions<SimulatorOptions>
{
    public void PostConfigure(string? name, SimulatorOptions options)
    {
        options.OutOfStockProducts = Merge(options.OutOfStockProducts, nameof(SimulatorOptions.OutOfStockProducts));
        options.HoldProducts = Merge(options.HoldProducts, nameof(SimulatorOptions.HoldProducts));
        options.OfferingStock = Merge(options.OfferingStock, nameof(SimulatorOptions.OfferingStock));
        if (Scalar(nameof(SimulatorOptions.SigDoseUnits)) is { } units)
        {
            options.SigDoseUnits = units;
        }

        if (Scalar(nameof(SimulatorOptions.SigFrequencyWords)) is { } words)
        {
            options.SigFrequencyWords = words;
        }
    }

    private string[] Merge(string[] bound, string key) =>
        Scalar(key) is { } extra ? [.. bound, .. extra] : bound;

    private string[]? Scalar(string key)
    {
        var value = configuration[$"{SimulatorOptions.SectionName}:{key}"];
        return string.IsNullOrWhiteSpace(value)
            ? null
            : value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
    }
}

internal sealed class SimulatorOptionsValidator : IValidateOptions<SimulatorOptions>
{
    public ValidateOptionsResult Validate(string? name, SimulatorOptions o)
    {
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(o.ClientId))
        {
            errors.Add("Simulator:ClientId is required.");
        }

        if (string.IsNullOrWhiteSpace(o.ClientSecret))
        {
            errors.Add("Simulator:ClientSecret is required.");
        }

        if (!WebhookSigner.TryValidateSecret(o.WebhookSecret, out var secretError))
        {
            errors.Add($"Simulator:WebhookSecret {secretError}");
        }

        if (o.StepDelay < TimeSpan.Zero)
        {
            errors.Add("Simulator:StepDelay must not be negative.");
        }

        if (o.TokenLifetime <= TimeSpan.Zero)
        {
            errors.Add("Simulator:TokenLifetime must be positive.");
        }

        if (o.RetryBaseDelay < TimeSpan.Zero)
        {
            errors.Add("Simulator:RetryBaseDelay must not be negative.");
        }

        if (o.MaxDeliveryAttempts < 1)
        {
            errors.Add("Simulator:MaxDeliveryAttempts must be at least 1.");
        }

        if (string.IsNullOrWhiteSpace(o.SupportReplyMessage))
        {
            errors.Add("Simulator:SupportReplyMessage must not be empty.");
        }

        foreach (var entry in o.OfferingStock)
        {
            if (!PartnerPharmacy.OfferingStock.TryParseEntry(entry, out _, out _, out _))
            {
                errors.Add("Simulator:OfferingStock entries must be \"Product name|Offering ID|units\".");
            }
        }

        if (o.CallbackTimeout <= TimeSpan.Zero)
        {
            errors.Add("Simulator:CallbackTimeout must be positive.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
