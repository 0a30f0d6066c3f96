using System.ComponentModel.DataAnnotations;

namespace Headless.Hosting;

/// <summary>Settings under Headless:Http: TLS, proxies and the headers every response carries.</summary>
public sealed class HttpSecurityOptions
{
    public const string Section = "Headless:Http";

    /// <summary>
    /// Addresses of reverse proxies whose X-Forwarded-For and X-Forwarded-Proto are trusted. With a proxy (or
    /// network) configured, the proxy terminates TLS: the service neither redirects to HTTPS nor sends HSTS.
    /// </summary>
    public string[] KnownProxies { get; set; } = [];

    /// <summary>Networks of trusted reverse proxies in CIDR notation, e.g. "10.0.0.0/8".</summary>
    public string[] KnownNetworks { get; set; } = [];

    /// <summary>
    /// Redirect HTTP to HTTPS (308) and send HSTS. Default: on outside Development and Testing, unless a proxy is
    /// configured.
    /// </summary>
    public bool? RequireHttps { get; set; }

    /// <summary>The HTTPS port redirects point to, when the server cannot tell (e.g. behind port mapping).</summary>
    [Range(1, 65535)]
    public int? HttpsPort { get; set; }

    /// <summary>HSTS max-age in days.</summary>
    [Range(1, 3650)]
    public int HstsMaxAgeDays { get; set; } = 365;

    public bool BehindProxy => KnownProxies.Length > 0 || KnownNetworks.Length > 0;

    public bool HttpsRequired(IHostEnvironment environment) =>
        RequireHttps ?? (!BehindProxy && !environment.IsDevelopment() && !environment.IsEnvironment("Testing"));
}
