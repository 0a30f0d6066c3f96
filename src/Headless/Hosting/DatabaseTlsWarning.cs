using Headless.Data;
using Microsoft.Data.SqlClient;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Headless.Hosting;

/// <summary>Warns at start-up, outside Development, when a server database connection does not require TLS (PHI crosses that link).</summary>
internal sealed class DatabaseTlsWarning(IOptions<DatabaseOptions> options, IHostEnvironment environment, ILogger<DatabaseTlsWarning> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        var settings = options.Value;
        if (environment.IsDevelopment() || settings.Provider == DatabaseProvider.Sqlite || string.IsNullOrWhiteSpace(settings.ConnectionString))
        {
            return Task.CompletedTask;
        }

        var requiresTls = RequiresTls(settings.Provider, settings.ConnectionString);
        if (requiresTls is not true)
        {
            logger.LogWarning(
                "The {Provider} connection string does not require TLS ({Setting}); patient data would cross the network unencrypted if the server allowed it. Set {Fix}.",
                settings.Provider,
                settings.Provider == DatabaseProvider.Postgres ? "SSL Mode" : "Encrypt",
                settings.Provider == DatabaseProvider.Postgres ? "SSL Mode=VerifyFull (or Require)" : "Encrypt=Strict (or Mandatory)");
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>True when the client refuses an unencrypted connection; null when the string cannot be read.</summary>
    internal static bool? RequiresTls(DatabaseProvider provider, string connectionString)
    {
        try
        {
            return provider switch
            {
                DatabaseProvider.Postgres => new NpgsqlConnectionStringBuilder(connectionString).SslMode is SslMode.Require or SslMode.VerifyCA or SslMode.VerifyFull,
                DatabaseProvider.SqlServer => new SqlConnectionStringBuilder(connectionString).Encrypt is var e && (e == SqlConnectionEncryptOption.Mandatory || e == SqlConnectionEncryptOption.Strict),
                _ => true,
            };
        }
        catch (ArgumentException)
        {
            return null;
        }
    }
}
