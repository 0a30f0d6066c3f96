using System.Collections.Concurrent;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Headless.Tests.Fulfillment;

/// <summary>How a <see cref="FakePharmacyApi"/> answers one route.</summary>
public enum FakeAnswer
{
    /// <summary>Answers at once: a token, or 201 with a reference (once per Idempotency-Key, replayed after).</summary>
    Ok,

    /// <summary>Accepts the connection and the request, then never answers.</summary>
    Hang,

    /// <summary>Sends 200 and the start of a body, then never finishes it.</summary>
    HangMidBody,

    /// <summary>Answers <see cref="FakePharmacyApi.RedirectStatus"/> with a Location on <see cref="FakePharmacyApi.RedirectTo"/>.</summary>
    Redirect,
}

/// <summary>One request a <see cref="FakePharmacyApi"/> received.</summary>
public sealed record FakePharmacyRequest(string Path, string? IdempotencyKey, string? Authorization, string Body);

/// <summary>
/// A partner pharmacy's API on 127.0.0.1 (a free port), scripted per test: POST /oauth/token and POST /v1/orders,
/// each answering as told. It records every request, counts requests in flight (a hanging request stays in flight
/// until the client drops it), and signals when a hanging request arrives and when its client gives up.
/// </summary>
public sealed class FakePharmacyApi : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<FakePharmacyRequest> _requests = new();
    private readonly ConcurrentDictionary<string, string> _accepted = new(StringComparer.Ordinal);
    private int _inFlight;
    private int _maxInFlight;
    private int _aborted;
    private TaskCompletionSource _hanging = NewSignal();
    private TaskCompletionSource _released = NewSignal();

    private FakePharmacyApi(WebApplication app)
    {
        _app = app;
    }

    /// <summary>The base URL, e.g. http://127.0.0.1:54321/ (with the trailing slash the adapter expects).</summary>
    public Uri BaseUrl { get; private set; } = null!;

    public FakeAnswer Orders { get; set; } = FakeAnswer.Ok;

    public FakeAnswer Token { get; set; } = FakeAnswer.Ok;

    public int RedirectStatus { get; set; } = StatusCodes.Status307TemporaryRedirect;

    /// <summary>Where a redirect points (another fake, which must never be called).</summary>
    public Uri? RedirectTo { get; set; }

    public IReadOnlyList<FakePharmacyRequest> Requests => _requests.ToArray();

    public IReadOnlyList<FakePharmacyRequest> OrderRequests => Requests.Where(r => r.Path == "/v1/orders").ToArray();

    /// <summary>Orders accepted (a 201 given), one per Idempotency-Key.</summary>
    public int AcceptedOrders => _accepted.Count;

    public int InFlight => Volatile.Read(ref _inFlight);

    /// <summary>The most requests ever in flight at once.</summary>
    public int MaxInFlight => Volatile.Read(ref _maxInFlight);

    /// <summary>Hanging requests whose client gave up (closed the connection).</summary>
    public int Aborted => Volatile.Read(ref _aborted);

    /// <summary>Completes when the next hanging request has arrived.</summary>
    public Task Hanging => Volatile.Read(ref _hanging).Task;

    /// <summary>Completes when the client of the current hanging request has dropped it.</summary>
    public Task Released => Volatile.Read(ref _released).Task;

    public static async Task<FakePharmacyApi> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel().UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var api = new FakePharmacyApi(app);
        app.Run(api.HandleAsync);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        api.BaseUrl = new Uri(address.TrimEnd('/') + "/");
        return api;
    }

    /// <summary>Arms the signals for the next hanging request.</summary>
    public void ExpectHang()
    {
        Volatile.Write(ref _hanging, NewSignal());
        Volatile.Write(ref _released, NewSignal());
    }

    private async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        using var reader = new StreamReader(request.Body, Encoding.UTF8);
        var body = await reader.ReadToEndAsync(context.RequestAborted);
        var path = request.Path.Value ?? "";
        _requests.Enqueue(new FakePharmacyRequest(path, request.Headers["Idempotency-Key"].FirstOrDefault(), request.Headers.Authorization.FirstOrDefault(), body));

        var answer = path switch
        {
            "/oauth/token" => Token,
            "/v1/orders" => Orders,
            _ => (FakeAnswer?)null,
        };
        switch (answer)
        {
            case null:
                context.Response.StatusCode = StatusCodes.Status404NotFound;
                return;

            case FakeAnswer.Redirect:
                context.Response.StatusCode = RedirectStatus;
                context.Response.Headers.Location = new Uri(RedirectTo!, path.TrimStart('/')).ToString();
                return;

            case FakeAnswer.Hang or FakeAnswer.HangMidBody:
                await HangAsync(context, answer == FakeAnswer.HangMidBody);
                return;

            case FakeAnswer.Ok when path == "/oauth/token":
                await WriteJsonAsync(context, StatusCodes.Status200OK, new JsonObject { ["access_token"] = "tok_fake", ["token_type"] = "Bearer", ["expires_in"] = 3600 });
                return;

            default:
                var key = request.Headers["Idempotency-Key"].FirstOrDefault() ?? Guid.NewGuid().ToString();
                var reference = _accepted.GetOrAdd(key, _ => $"FAKE-{_accepted.Count + 1:D4}");
                await WriteJsonAsync(context, StatusCodes.Status201Created, new JsonObject { ["reference"] = reference });
                return;
        }
    }

    private async Task HangAsync(HttpContext context, bool midBody)
    {
        var now = Interlocked.Increment(ref _inFlight);
        InterlockedMax(ref _maxInFlight, now);
        try
        {
            if (midBody)
            {
                context.Response.StatusCode = StatusCodes.Status200OK;
                context.Response.ContentType = "application/json";
                await context.Response.WriteAsync("{\"refer", context.RequestAborted);
                await context.Response.Body.FlushAsync(context.RequestAborted);
            }

            Volatile.Read(ref _hanging).TrySetResult();
            await Task.Delay(Timeout.Infinite, context.RequestAborted);
        }
        catch (OperationCanceledException)
        {
            Interlocked.Increment(ref _aborted);
        }
        finally
        {
            Interlocked.Decrement(ref _inFlight);
            Volatile.Read(ref _released).TrySetResult();
        }
    }

    private static Task WriteJsonAsync(HttpContext context, int status, JsonObject body)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        return context.Response.WriteAsync(body.ToJsonString());
    }

    private static void InterlockedMax(ref int target, int value)
    {
        int seen;
        while ((seen = Volatile.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, seen) != seen)
        {
        }
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
