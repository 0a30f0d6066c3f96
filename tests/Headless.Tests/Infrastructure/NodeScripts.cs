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
    /// <summary>The graphql-ws client scripts.</summary>
    public const string WebSockets = "Transport/WebSockets/node";

    /// <summary>The Standard Webhooks verifier script (the standardwebhooks npm package).</summary>
    public const string Webhooks = "Webhooks/node";

    private static readonly Lazy<string?> Node = new(() =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator).Select(p => Path.Combine(p, "node")).FirstOrDefault(File.Exists));

    /// <summary>tests/Headless.Tests/{folder}, found above the test binaries.</summary>
    private static string? Folder(string folder)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine([dir.FullName, "tests", "Headless.Tests", .. folder.Split('/')]);
            if (Directory.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    public static string? SkipReason => SkipReasonFor(WebSockets, "graphql-ws");

    public static string? SkipReasonFor(string folder, string package) =>
        string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase) ? null
        : Node.Value is null ? "No node on PATH (install Node.js; .ci/run does)."
        : Folder(folder) is not { } path || !Directory.Exists(Path.Combine(path, "node_modules", package)) ? $"The Node test packages are not installed: run `npm ci` in tests/Headless.Tests/{folder} (.ci/run does)."
        : null;

    /// <summary>Starts a script of the graphql-ws folder; its stdout lines (JSON) arrive on <see cref="NodeProcess.Lines"/>.</summary>
    public static NodeProcess Start(string script, params string[] args) => StartIn(WebSockets, script, args);

    /// <summary>Starts a script of tests/Headless.Tests/{folder}.</summary>
    public static NodeProcess StartIn(string folder, string script, params string[] args)
    {
        var path = Folder(folder) ?? throw new InvalidOperationException($"tests/Headless.Tests/{folder} not found.");
        var info = new ProcessStartInfo(Node.Value ?? "node") { WorkingDirectory = path, RedirectStandardOutput = true, RedirectStandardError = true };
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
    /// <summary>Needs the graphql-ws packages.</summary>
    public NodeFactAttribute()
    {
        Skip = NodeScripts.SkipReason;
    }

    /// <summary>Needs <paramref name="package"/> installed in tests/Headless.Tests/<paramref name="folder"/>.</summary>
    public NodeFactAttribute(string folder, string package)
    {
        Skip = NodeScripts.SkipReasonFor(folder, package);
    }
}
