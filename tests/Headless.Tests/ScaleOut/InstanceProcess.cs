using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Headless.Tests.ScaleOut;

/// <summary>
/// One service instance as an operating-system process of its own (<c>dotnet Headless.dll</c> from src/Headless's build
/// output), so that it can die the way a crashed or OOM-killed container does: <see cref="Kill"/> is SIGKILL, with no
/// shutdown code run. Settings go in as environment variables (<c>Headless__Outbox__LeaseDuration</c>); every line it
/// writes to standard output or error is kept for the test to inspect.
/// </summary>
public sealed class InstanceProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _lines = new();

    private InstanceProcess(string name, int port, Process process)
    {
        Name = name;
        BaseAddress = new Uri($"http://127.0.0.1:{port}/");
        _process = process;
        _process.OutputDataReceived += (_, e) => Keep(e.Data);
        _process.ErrorDataReceived += (_, e) => Keep(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public string Name { get; }

    public Uri BaseAddress { get; }

    public Uri WebSocketAddress => new UriBuilder(BaseAddress) { Scheme = "ws", Path = "/graphql" }.Uri;

    public bool Killed { get; private set; }

    /// <summary>Everything the process wrote so far, one console log entry per line ("HH:mm:ss.fff level: category message").</summary>
    public IReadOnlyList<string> Lines => [.. _lines];

    /// <summary>The entries at Error or Critical ("fail:", "crit:").</summary>
    public IReadOnlyList<string> Errors => [.. _lines.Where(l => l.Length > 13 && (l.AsSpan(13).StartsWith("fail:") || l.AsSpan(13).StartsWith("crit:")))];

    /// <summary>
    /// src/Headless/bin/{Configuration}/{tfm}/Headless.dll of the same build as this test assembly, found from the test's
    /// own output directory (tests/Headless.Tests/bin/{Configuration}/{tfm}); null when it is not there.
    /// </summary>
    public static string? FindServiceAssembly()
    {
        var testOutput = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var (tfm, configuration) = (testOutput.Name, testOutput.Parent?.Name);
        for (var dir = testOutput; dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Headless.sln")) && configuration is not null)
            {
                var dll = Path.Combine(dir.FullName, "src", "Headless", "bin", configuration, tfm, "Headless.dll");
                return File.Exists(dll) && File.Exists(Path.ChangeExtension(dll, ".runtimeconfig.json")) ? dll : null;
            }
        }

        return null;
    }

    /// <summary>Starts the service; its database sessions carry <paramref name="name"/> as their application name.</summary>
    public static InstanceProcess Start(string name, string serviceAssembly, IReadOnlyDictionary<string, string> settings)
    {
        var port = FreePort();
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetDirectoryName(serviceAssembly)!,
        };
        foreach (var a in (string[])[serviceAssembly, "--urls", $"http://127.0.0.1:{port}"])
        {
            start.ArgumentList.Add(a);
        }

        // Production, as deployed; nothing inherited from the test run's own host settings.
        foreach (var inherited in (string[])["ASPNETCORE_ENVIRONMENT", "DOTNET_ENVIRONMENT", "ASPNETCORE_URLS", "DOTNET_URLS", "ASPNETCORE_CONTENTROOT", "DOTNET_CONTENTROOT"])
        {
            start.Environment.Remove(inherited);
        }

        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        start.Environment["Logging__Console__FormatterName"] = "simple";
        start.Environment["Logging__Console__FormatterOptions__SingleLine"] = "true";
        start.Environment["Logging__Console__FormatterOptions__ColorBehavior"] = "Disabled";
        start.Environment["Logging__Console__FormatterOptions__TimestampFormat"] = "HH:mm:ss.fff ";
        start.Environment["Logging__Console__FormatterOptions__UseUtcTimestamp"] = "true";
        foreach (var (key, value) in settings)
        {
            start.Environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;
        }

        const string connection = "Headless__Database__ConnectionString";
        if (start.Environment.TryGetValue(connection, out var cs) && cs is not null)
        {
            start.Environment[connection] = new Npgsql.NpgsqlConnectionStringBuilder(cs) { ApplicationName = name }.ConnectionString;
        }

        return new InstanceProcess(name, port, Process.Start(start) ?? throw new InvalidOperationException($"Could not start {name}."));
    }

    /// <summary>Waits until /health/ready answers 200 (the database answers), failing with the log if the process exits first.</summary>
    public async Task WaitReadyAsync(TimeSpan patience)
    {
        using var http = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(5) };
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"{Name} exited with {_process.ExitCode} before it was ready:\n{string.Join('\n', Lines.TakeLast(40))}");
            }

            try
            {
                using var response = await http.GetAsync("health/ready");
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                // Not listening yet.
            }

            if (deadline.Elapsed > patience)
            {
                throw new TimeoutException($"{Name} was not ready within {patience}:\n{string.Join('\n', Lines.TakeLast(40))}");
            }

            // An external process cannot follow a fake clock: poll it with a short pause.
            await Task.Delay(100);
        }
    }

    /// <summary>SIGKILL: the process ends at once, leases held, transactions open, sockets dropped.</summary>
    public void Kill()
    {
        Killed = true;
        _process.Kill(entireProcessTree: true);
        _process.WaitForExit();
    }

    public ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
        }

        _process.Dispose();
        return ValueTask.CompletedTask;
    }

    private void Keep(string? line)
    {
        if (line is not null)
        {
            _lines.Enqueue(line);
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
