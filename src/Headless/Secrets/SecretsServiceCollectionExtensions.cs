using Headless.Data;
using Microsoft.AspNetCore.DataProtection;

namespace Headless.Secrets;

public static class SecretsServiceCollectionExtensions
{
    /// <summary>The Data Protection application name: instances with the same name and database share one key ring.</summary>
    public const string ApplicationName = "Headless";

    /// <summary>How long a Data Protection key is the default before a new one replaces it (old keys stay for decryption).</summary>
    public static readonly TimeSpan KeyLifetime = TimeSpan.FromDays(90);

    /// <summary>
    /// Secrets at rest: Data Protection with its key ring in the service's own database (the DataProtectionKeys table,
    /// created by the migrations), under a fixed application name, so every instance on the database, whatever its
    /// install path, reads what another wrote; no key is ever written to a file.
    /// </summary>
    public static IServiceCollection AddSecrets(this IServiceCollection services)
    {
        services.AddDataProtection()
            .SetApplicationName(ApplicationName)
            .SetDefaultKeyLifetime(KeyLifetime)
            .PersistKeysToDbContext<HeadlessDbContext>();
        services.AddSingleton<SecretProtector>();
        services.AddSingleton<StoredSecrets>();

        // The EF key repository logs each key's XML (the master key itself, unless keys are encrypted) at Debug. Added after
        // configuration is bound, so turning on Debug logging everywhere does not turn this on.
        services.PostConfigure<LoggerFilterOptions>(o =>
            o.Rules.Add(new LoggerFilterRule(null, "Microsoft.AspNetCore.DataProtection.EntityFrameworkCore", LogLevel.Information, null)));
        return services;
    }
}
