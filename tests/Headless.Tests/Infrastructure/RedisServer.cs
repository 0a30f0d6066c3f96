using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Headless.Tests.Infrastructure;

/// <summary>
/// A private redis-server for a test class: started on a free port of 127.0.0.1 without persistence, stopped (killed)
/// and started again on the same port when a test wants Redis to go away for a while, and killed on dispose.
/// Outside CI, without a redis-server binary, <see cref="SkipReason"/> says why and <see cref="RedisFactAttribute"/>
/// tests are skipped; in CI they run, and fail.
/// </summary>
public sealed class RedisServer : IAsyncLifetime
{
    private static readonly Lazy<string?> Binary = new(() =>
        new[] { "/usr/bin/redis-server", "/usr/local/bin/redis-server" }.FirstOrDefault(File.Exists));

    private Process? _process;

    public static string? SkipReason =>
        Binary.Value is not null || InCi ? null : "No redis-server binary (apt-get install redis-server; .ci/run installs it).";

    private static bool InCi => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    public int Port { get; private set; }

    /// <summary>The StackExchange.Redis configuration string for Headless:Redis:Configuration.</summary>
    public string Configuration => $"127.0.0.1:{Port},connectTimeout=2000,syncTimeout=2000";

    public async Task InitializeAsync()
    {
        if (SkipReason is not null)
        {
            return;
        }

        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        Port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        await StartAsync();
    }

    /// <summary>Starts the server (again) on its port and waits until it accepts connections.</summary>
    public async Task StartAsync()
    {
        var binary = Binary.Value ?? throw new InvalidOperationException("No redis-server binary, and CI=true: Redis tests must not be skipped.");
        _process = Process.Start(new ProcessStartInfo(binary, ["--port", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--protected-mode", "no"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        _process.OutputDataReceived += (_, _) => { };
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        using var patience = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        while (true)
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, Port, patience.Token);
                return;
            }
            catch (SocketException) when (!patience.IsCancellationRequested && !_process.HasExited)
            {
                await Task.Delay(50, patience.Token);
            }
        }
    }

    /// <summary>Kills the server, as a crash would.</summary>
    public async Task KillAsync()
    {
        if (_process is { HasExited: false } process)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
    }

    public async Task DisposeAsync()
    {
        await KillAsync();
        _process?.Dispose();
    }
}

/// <summary>A fact that needs a redis-server: skipped, with the reason, when there is none outside CI.</summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false)]
public sealed class RedisFactAttribute : FactAttribute
{
    public RedisFactAttribute()
    {
        Skip = RedisServer.SkipReason ?? PostgresServer.SkipReason;
    }
}
