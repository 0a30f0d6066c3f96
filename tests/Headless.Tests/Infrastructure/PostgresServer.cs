using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace Headless.Tests.Infrastructure;

/// <summary>
/// A real PostgreSQL server for tests, shared by the <see cref="PostgresCollection"/>.
/// <list type="number">
/// <item>If HEADLESS_TEST_POSTGRES is set it is used: a connection string to a maintenance database
/// with CREATE DATABASE rights. Databases created on it are dropped when the fixture is disposed.</item>
/// <item>Otherwise, when PostgreSQL binaries are installed (/usr/lib/postgresql/*/bin, or initdb on PATH),
/// a private throw-away cluster is created in a temp directory and started on a free port of 127.0.0.1
/// with trust authentication; it is stopped and deleted on dispose. As root, initdb and postgres run as
/// the unprivileged "postgres" user (or "nobody") because they refuse to run as root.</item>
/// </list>
/// Outside CI, when the configured server does not answer or no binaries are installed, <see cref="SkipReason"/>
/// says why and every <see cref="ProviderFactAttribute"/> test of a PostgreSQL class is reported as skipped.
/// With CI=true nothing is skipped: a missing server fails the tests. A server that was expected (binaries
/// present, or in CI) and cannot be started fails the fixture, and so its tests.
/// </summary>
public sealed class PostgresServer : IAsyncLifetime
{
    public const string ServerVariable = "HEADLESS_TEST_POSTGRES";

    /// <summary>The value of <see cref="ServerVariable"/> that turns PostgreSQL tests off (mutation runs), outside CI.</summary>
    public const string Off = "off";

    private const string NoBinaries =
        $"No PostgreSQL server: {ServerVariable} is not set and no PostgreSQL binaries were found (/usr/lib/postgresql/*/bin or initdb on PATH).";

    private static readonly Lazy<string?> Skip = new(FindSkipReason);

    private readonly ConcurrentBag<string> _databases = [];
    private string? _maintenanceConnectionString;
    private string? _baseDirectory;
    private string? _dataDirectory;
    private string? _binDirectory;
    private string? _runAsUser;
    private bool _external;

    /// <summary>
    /// Why PostgreSQL tests are skipped here, or null when they run. Worked out once per test process, when tests
    /// are discovered, so it must be cheap: a connection probe of the configured server, or a look for binaries.
    /// </summary>
    public static string? SkipReason => Skip.Value;

    /// <summary>False only when <see cref="SkipReason"/> is set (and so no PostgreSQL test runs).</summary>
    public bool Available { get; private set; }

    private static bool InCi => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    public async Task InitializeAsync()
    {
        if (SkipReason is not null)
        {
            return;
        }

        var configured = Environment.GetEnvironmentVariable(ServerVariable);
        if (!string.IsNullOrWhiteSpace(configured))
        {
            _external = true;
            _maintenanceConnectionString = configured;
            await CheckConnectionAsync(configured).ConfigureAwait(false);
            Available = true;
            return;
        }

        var bin = FindBinDirectory() ?? throw new InvalidOperationException(NoBinaries + " CI=true, so PostgreSQL tests must not be skipped.");
        try
        {
            await StartPrivateClusterAsync(bin).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            await StopPrivateClusterAsync().ConfigureAwait(false);
            throw new InvalidOperationException($"Could not start a private PostgreSQL cluster from {bin}: {ex.Message}", ex);
        }

        Available = true;
    }

    private static string? FindSkipReason()
    {
        if (InCi)
        {
            return null;
        }

        var configured = Environment.GetEnvironmentVariable(ServerVariable);
        if (string.Equals(configured, Off, StringComparison.OrdinalIgnoreCase))
        {
            return $"{ServerVariable}={Off}: PostgreSQL tests are turned off.";
        }

        if (!string.IsNullOrWhiteSpace(configured))
        {
            try
            {
                // Short: a server that is down refuses at once, and discovery waits for this.
                var probe = new NpgsqlConnectionStringBuilder(configured) { Timeout = 5, Pooling = false };
                using var connection = new NpgsqlConnection(probe.ConnectionString);
                connection.Open();
                return null;
            }
            catch (Exception ex) when (ex is NpgsqlException or ArgumentException or InvalidOperationException or TimeoutException)
            {
                return $"{ServerVariable} does not answer: {ex.Message}";
            }
        }

        return FindBinDirectory() is null ? NoBinaries : null;
    }

    /// <summary>A fresh, empty database on the server; returns its Npgsql connection string.</summary>
    public async Task<string> CreateDatabaseAsync()
    {
        if (!Available || _maintenanceConnectionString is null)
        {
            throw new InvalidOperationException("PostgreSQL is not available: " + SkipReason);
        }

        var name = "t_" + Guid.NewGuid().ToString("N");
        await using (var connection = new NpgsqlConnection(_maintenanceConnectionString))
        {
            await connection.OpenAsync().ConfigureAwait(false);
            await using var command = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
            await command.ExecuteNonQueryAsync().ConfigureAwait(false);
        }

        _databases.Add(name);
        return new NpgsqlConnectionStringBuilder(_maintenanceConnectionString) { Database = name }.ConnectionString;
    }

    public async Task DisposeAsync()
    {
        if (_external)
        {
            await DropDatabasesAsync().ConfigureAwait(false);
            return;
        }

        await StopPrivateClusterAsync().ConfigureAwait(false);
    }

    private async Task DropDatabasesAsync()
    {
        if (_maintenanceConnectionString is null || _databases.IsEmpty)
        {
            return;
        }

        NpgsqlConnection.ClearAllPools();
        try
        {
            await using var connection = new NpgsqlConnection(_maintenanceConnectionString);
            await connection.OpenAsync().ConfigureAwait(false);
            foreach (var name in _databases)
            {
                await using var command = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)", connection);
                await command.ExecuteNonQueryAsync().ConfigureAwait(false);
            }
        }
        catch (NpgsqlException)
        {
            // Best effort: leftover t_* databases on a shared server are harmless.
        }
    }

    private async Task StartPrivateClusterAsync(string bin)
    {
        _binDirectory = bin;
        _runAsUser = Environment.UserName == "root" ? UnprivilegedUser() : null;
        // As root, stay out of a TMPDIR the unprivileged user may not be able to traverse.
        var tempRoot = _runAsUser is not null && Directory.Exists("/tmp") ? "/tmp" : Path.GetTempPath();
        _baseDirectory = Path.Combine(tempRoot, "headless-pg-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(_baseDirectory);
        _dataDirectory = Path.Combine(_baseDirectory, "data");
        if (_runAsUser is not null)
        {
            await RunAsync("chown", [_runAsUser, _baseDirectory], asUser: false).ConfigureAwait(false);
        }

        await RunAsync(Path.Combine(bin, "initdb"),
            ["-D", _dataDirectory, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync", "--no-instructions"],
            asUser: true).ConfigureAwait(false);

        // A port picked now may be taken before postgres binds it: retry a few times.
        Exception? last = null;
        for (var attempt = 0; attempt < 3; attempt++)
        {
            var port = FreePort();
            var serverOptions = $"-c listen_addresses=127.0.0.1 -p {port} -k {_dataDirectory} " +
                "-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=400";
            try
            {
                await RunAsync(Path.Combine(bin, "pg_ctl"),
                    ["start", "-D", _dataDirectory, "-w", "-t", "60", "-s", "-l", Path.Combine(_baseDirectory, "postgres.log"), "-o", serverOptions],
                    asUser: true).ConfigureAwait(false);
            }
            catch (InvalidOperationException ex)
            {
                last = ex;
                continue;
            }

            var connectionString = new NpgsqlConnectionStringBuilder
            {
                Host = "127.0.0.1",
                Port = port,
                Username = "postgres",
                Database = "postgres",
                Timeout = 15,
            }.ConnectionString;
            await CheckConnectionAsync(connectionString).ConfigureAwait(false);
            _maintenanceConnectionString = connectionString;
            return;
        }

        throw new InvalidOperationException($"pg_ctl start failed: {last?.Message} {LogTail()}");
    }

    private async Task StopPrivateClusterAsync()
    {
        if (_baseDirectory is null)
        {
            return;
        }

        NpgsqlConnection.ClearAllPools();
        if (_binDirectory is not null && _dataDirectory is not null && File.Exists(Path.Combine(_dataDirectory, "postmaster.pid")))
        {
            try
            {
                await RunAsync(Path.Combine(_binDirectory, "pg_ctl"), ["stop", "-D", _dataDirectory, "-m", "immediate", "-w", "-s"], asUser: true)
                    .ConfigureAwait(false);
            }
            catch (InvalidOperationException)
            {
                // The directory is removed below either way.
            }
        }

        try
        {
            Directory.Delete(_baseDirectory, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }

        _baseDirectory = null;
    }

    private static async Task CheckConnectionAsync(string connectionString)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync().ConfigureAwait(false);
        await using var command = new NpgsqlCommand("SELECT 1", connection);
        await command.ExecuteScalarAsync().ConfigureAwait(false);
    }

    private async Task RunAsync(string fileName, string[] arguments, bool asUser)
    {
        var start = new ProcessStartInfo
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = _baseDirectory ?? Path.GetTempPath(),
        };
        if (asUser && _runAsUser is not null)
        {
            start.FileName = new[] { "/usr/sbin/runuser", "/sbin/runuser" }.FirstOrDefault(File.Exists) ?? "runuser";
            foreach (var a in (string[])["-u", _runAsUser, "--", fileName])
            {
                start.ArgumentList.Add(a);
            }
        }
        else
        {
            start.FileName = fileName;
        }

        foreach (var a in arguments)
        {
            start.ArgumentList.Add(a);
        }

        // Keep the server's locale messages predictable and independent of the caller's environment.
        start.Environment["LC_ALL"] = "C";
        start.Environment.Remove("PGDATA");
        start.Environment.Remove("PGPORT");
        start.Environment.Remove("PGHOST");

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {fileName}.");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        try
        {
            await process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new InvalidOperationException($"{Path.GetFileName(fileName)} timed out.");
        }

        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException(
                $"{Path.GetFileName(fileName)} {string.Join(' ', arguments)} exited with {process.ExitCode}: {(await stderr.ConfigureAwait(false)).Trim()} {(await stdout.ConfigureAwait(false)).Trim()}".Trim());
        }
    }

    private string LogTail()
    {
        try
        {
            var log = _baseDirectory is null ? null : Path.Combine(_baseDirectory, "postgres.log");
            return log is not null && File.Exists(log) ? "Log: " + string.Join('\n', File.ReadAllLines(log).TakeLast(10)) : "";
        }
        catch (IOException)
        {
            return "";
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static string UnprivilegedUser()
    {
        var users = File.Exists("/etc/passwd")
            ? File.ReadLines("/etc/passwd").Select(l => l.Split(':')[0]).ToHashSet(StringComparer.Ordinal)
            : [];
        return users.Contains("postgres") ? "postgres" : "nobody";
    }

    private static string? FindBinDirectory()
    {
        const string debianRoot = "/usr/lib/postgresql";
        if (Directory.Exists(debianRoot))
        {
            var best = Directory.GetDirectories(debianRoot)
                .Select(d => (Dir: Path.Combine(d, "bin"), Version: int.TryParse(Path.GetFileName(d), out var v) ? v : 0))
                .Where(x => File.Exists(Path.Combine(x.Dir, "initdb")) && File.Exists(Path.Combine(x.Dir, "pg_ctl")))
                .OrderByDescending(x => x.Version)
                .Select(x => x.Dir)
                .FirstOrDefault();
            if (best is not null)
            {
                return best;
            }
        }

        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            if (File.Exists(Path.Combine(dir, "initdb")) && File.Exists(Path.Combine(dir, "pg_ctl")))
            {
                return dir;
            }
        }

        return null;
    }
}

[CollectionDefinition(Name)]
public sealed class PostgresCollection : ICollectionFixture<PostgresServer>
{
    public const string Name = "postgres";
}
