using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Headless.Tests.Hosting;

/// <summary>
/// The built service, started as its own process from a directory other than its own, still reads its
/// appsettings.json and keeps EF Core's SQL command log quiet; the SQLite file lands in the working directory.
/// </summary>
public sealed class ContentRootTests
{
    [Fact]
    public async Task Started_from_another_directory_the_service_reads_its_own_settings()
    {
        var workingDirectory = Directory.CreateTempSubdirectory("headless-cwd-").FullName;
        var port = FreePort();
        var output = new StringBuilder();
        using var process = new Process
        {
            StartInfo = new ProcessStartInfo("dotnet", [ServiceDll(), "--urls", $"http://127.0.0.1:{port}"])
            {
                WorkingDirectory = workingDirectory,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                Environment =
                {
                    ["ASPNETCORE_ENVIRONMENT"] = "Production",
                    ["Headless__Demo__Seed"] = "false",
                    ["Headless__Outbox__Enabled"] = "false",
                    ["ASPNETCORE_CONTENTROOT"] = null,
                    ["DOTNET_CONTENTROOT"] = null,
                },
            },
        };
        process.OutputDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        process.ErrorDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(5) };
            await WaitUntilLiveAsync(http, process, output);
            var graphql = await http.PostAsync("/graphql", new StringContent("{\"query\":\"{ __typename }\"}", Encoding.UTF8, "application/json"));
            Assert.Equal(HttpStatusCode.Unauthorized, graphql.StatusCode);
        }
        finally
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }

        var log = output.ToString();

        // appsettings.json sets Microsoft.AspNetCore to Warning: without it every request would log "Request starting".
        Assert.DoesNotContain("Request starting", log);
        Assert.Contains("Database ready on Sqlite", log);
        Assert.DoesNotContain("Executed DbCommand", log);
        Assert.True(File.Exists(Path.Combine(workingDirectory, "headless.db")), "The default SQLite file is created in the working directory.");
        Directory.Delete(workingDirectory, recursive: true);
    }

    private static async Task WaitUntilLiveAsync(HttpClient http, Process process, StringBuilder output)
    {
        // Bounded polling of a real process: start-up includes migrating a fresh SQLite database.
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            Assert.False(process.HasExited, $"The service exited early:\n{output}");
            try
            {
                if ((await http.GetAsync("/health/live")).StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }

            await Task.Delay(200);
        }

        Assert.Fail($"The service did not start within 60 s:\n{output}");
    }

    /// <summary>src/Headless's own build output, in the configuration the tests were built in.</summary>
    private static string ServiceDll()
    {
        var testBin = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var framework = testBin.Name;
        var configuration = testBin.Parent!.Name;
        var root = testBin;
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "Headless.sln")))
        {
            root = root.Parent;
        }

        var dll = Path.Combine(root!.FullName, "src", "Headless", "bin", configuration, framework, "Headless.dll");
        Assert.True(File.Exists(dll), $"Build src/Headless first: {dll} is missing.");
        return dll;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
