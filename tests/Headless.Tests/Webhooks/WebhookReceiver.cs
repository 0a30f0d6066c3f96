using System.Collections.Concurrent;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Headless.Tests.Webhooks;

/// <summary>One request the receiver got: its webhook headers and raw body.</summary>
public sealed record ReceivedWebhook(string Path, string? Id, string? Timestamp, string? Signature, string? ContentType, string Body);

/// <summary>What the receiver answers: a status, and optionally a Retry-After (seconds) and a body.</summary>
public sealed record ReceiverAnswer(int Status, int? RetryAfterSeconds = null, string? Body = null);

/// <summary>
/// A CRM's receiving side on Kestrel at 127.0.0.1 (a free port): records every request and answers as the test's script
/// says (by default 204). Real sockets, so the service's HTTP client, timeout and redirect handling are what is tested.
/// </summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<ReceivedWebhook> _received = new();
    private int _count;

    private WebhookReceiver(WebApplication app) => _app = app;

    /// <summary>The answer to the n-th request (1-based); 204 unless set.</summary>
    public Func<int, ReceivedWebhook, ReceiverAnswer> Script { get; set; } = (_, _) => new ReceiverAnswer(204);

    /// <summary>Awaited before answering the n-th request: a receiver that hangs.</summary>
    public Func<int, Task>? Before { get; set; }

    public IReadOnlyList<ReceivedWebhook> Received => [.. _received];

    public Uri BaseAddress { get; private set; } = null!;

    public string Url(string path = "hooks") => new Uri(BaseAddress, path).ToString();

    public static async Task<WebhookReceiver> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var receiver = new WebhookReceiver(app);
        app.Run(async http =>
        {
            using var reader = new StreamReader(http.Request.Body);
            var body = await reader.ReadToEndAsync();
            var h = http.Request.Headers;
            var received = new ReceivedWebhook(http.Request.Path, h["webhook-id"], h["webhook-timestamp"], h["webhook-signature"], http.Request.ContentType, body);
            receiver._received.Enqueue(received);
            var n = Interlocked.Increment(ref receiver._count);
            if (receiver.Before is { } before)
            {
                await before(n);
            }

            var answer = receiver.Script(n, received);
            http.Response.StatusCode = answer.Status;
            if (answer.RetryAfterSeconds is { } seconds)
            {
                http.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
            }

            if (answer.Status is >= 300 and < 400)
            {
                http.Response.Headers.Location = "http://127.0.0.1:9/elsewhere";
            }

            if (answer.Body is { } text)
            {
                await http.Response.WriteAsync(text);
            }
        });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        receiver.BaseAddress = new Uri(address.EndsWith('/') ? address : address + "/");
        return receiver;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
