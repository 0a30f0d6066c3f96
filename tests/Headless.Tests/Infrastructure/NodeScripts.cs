using System.Diagnostics;
using System.Text.Json;
using System.Threading.Channels;

namespace Headless.Tests.Infrastructure;

/// <summary>
/// Runs the Node scripts under tests/Headless.Tests/Transport/WebSockets/node (the real graphql-ws client from npm).
/// Outside CI, without node or without `npm ci` having been run there, <see cref="SkipReason"/> says why and
/// <see cref="NodeFactAttribute"/> tests are skipped; in CI they run, and fail.
/// </summary>
public static class NodeScripts
{
    private static readonly Lazy<string?> Folder = new(() =>
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "tests", "Headless.Tests", "Transport", "WebSockets", "node");
            if (Directory.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    });

    private static readonly Lazy<string?> Node = new(() =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator).Select(p => Path.Combine(p, "node")).FirstOrDefault(File.Exists));

    public static string? SkipReason =>
        string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase) ? null
        : Node.Value is null ? "No node on PATH (install Node.js; .ci/run does)."
        : Folder.Value is null || !Directory.Exists(Path.Combine(Folder.Value, "node_modules", "graphql-ws")) ? "The Node test packages are not installed: run `npm ci` in tests/Headless.Tests/Transport/WebSockets/node (.ci/run does)."
        : null;

    /// <summary>Starts a script; its stdout lines (JSON) arrive on <see cref="NodeProcess.Lines"/>.</summary>
    public static NodeProcess Start(string script, params string[] args)
    {
        var folder = Folder.Value ?? throw new InvalidOperationException("tests/Headless.Tests/Transport/WebSockets/node not found.");
        var info = new ProcessStartInfo(Node.Value ?? "node") { WorkingDirectory = folder, RedirectStandardOutput = true, RedirectStandardError = true };
        info.ArgumentList.Add(script);
        foreach (var a in args)
        {
            info.ArgumentList.Add(a);
        }

        return new NodeProcess(Process.Start(info)!);
    }
}

public sealed class NodeProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly Channel<string> _lines = Channel.CreateUnbounded<string>();
    private readonly System.Text.StringBuilder _stderr = new();

    internal NodeProcess(Process process)
    {
        _process = process;
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                _lines.Writer.TryComplete();
            }
            else if (e.Data.Length > 0)
            {
                _lines.Writer.TryWrite(e.Data);
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            lock (_stderr)
            {
                _stderr.AppendLine(e.Data);
            }
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    /// <summary>The next JSON line the script printed; fails if it exits or stays silent for too long.</summary>
    public async Task<JsonElement> NextAsync()
    {
        using var patience = new CancellationTokenSource(GraphQLWebSocketClient.Patience);
        try
        {
            if (await _lines.Reader.WaitToReadAsync(patience.Token) && _lines.Reader.TryRead(out var line))
            {
                return JsonDocument.Parse(line).RootElement.Clone();
            }
        }
        catch (OperationCanceledException)
        {
        }

        string stderr;
        lock (_stderr)
        {
            stderr = _stderr.ToString();
        }

        throw new Xunit.Sdk.XunitException($"The Node script printed nothing more (exited: {_process.HasExited}). stderr: {stderr}");
    }

    /// <summary>Kills the script, as a crash or a closed laptop would.</summary>
    public async Task KillAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        await _process.WaitForExitAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        _process.Dispose();
    }
}

/// <summary>A fact that needs Node and the test packages: skipped, with the reason, when they are missing outside CI.</summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false)]
public sealed class NodeFactAttribute : FactAttribute
{
    public NodeFactAttribute()
    {
        Skip = NodeScripts.SkipReason;
    }
}
