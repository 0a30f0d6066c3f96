namespace Headless.Hosting;

/// <summary>Settings under Headless:Cors: which browser origins may call the API from their own pages.</summary>
public sealed class CrossOriginOptions
{
    public const string Section = "Headless:Cors";

    /// <summary>
    /// Exact origins ("https://app.brand.example", scheme, host and port, no path). Empty (the default): no
    /// cross-origin response headers at all, so browsers refuse every cross-origin call.
    /// </summary>
    public string[] AllowedOrigins { get; set; } = [];

    /// <summary>Seconds a browser may cache a preflight answer.</summary>
    [System.ComponentModel.DataAnnotations.Range(0, 86_400)]
    public int PreflightMaxAgeSeconds { get; set; } = 600;
}
