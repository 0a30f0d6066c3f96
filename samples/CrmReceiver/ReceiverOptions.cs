namespace CrmReceiver;

/// <summary>Settings under CrmReceiver.</summary>
public sealed class ReceiverOptions
{
    public const string Section = "CrmReceiver";

    /// <summary>
    /// The endpoint's whsec_ secrets. One normally; during a rotation put the new one next to the old one (any of them
    /// verifying a delivery is enough), and remove the old one once the overlap is over.
    /// </summary>
    public string[] Secrets { get; set; } = [];

    /// <summary>Where deliveries are POSTed.</summary>
    public string Path { get; set; } = "/webhooks/headless";

    /// <summary>How far webhook-timestamp may be from this receiver's clock (the Standard Webhooks default).</summary>
    public TimeSpan Tolerance { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// How long a webhook-id is remembered to drop a duplicate. Retries reuse the id with a fresh, valid timestamp for
    /// more than three days (the sender's schedule spans about 75.5 hours, up to 20% more with jitter), so keep ids for
    /// longer than that; five minutes is not enough.
    /// </summary>
    public TimeSpan DuplicateRetention { get; set; } = TimeSpan.FromDays(4);

    /// <summary>Bodies larger than this are refused (Headless keeps payloads far smaller).</summary>
    public int MaxBodyBytes { get; set; } = 1024 * 1024;
}
