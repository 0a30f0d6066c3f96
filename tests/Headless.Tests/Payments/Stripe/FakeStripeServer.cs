using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Headless.Tests.Payments.Stripe;

/// <summary>One request the fake Stripe API received.</summary>
public sealed record FakeStripeRequest(
    string Method,
    string Path,
    IReadOnlyDictionary<string, string> Form,
    string? IdempotencyKey,
    string? Authorization);

/// <summary>
/// A small stand-in for the Stripe API on 127.0.0.1 (a free port), enough for Stripe.net: customers,
/// PaymentIntents with manual capture, capture, cancel and refunds, with form-encoded bodies.
/// It records every request and honours idempotency keys the way Stripe does: the same key with the
/// same parameters replays the first response, and the same key with other parameters is an
/// idempotency_error. Some payment methods decline, like Stripe's test payment methods.
/// </summary>
public sealed class FakeStripeServer : IAsyncDisposable
{
    /// <summary>Payment methods that decline: the id, then the error code and decline code.</summary>
    public static readonly IReadOnlyDictionary<string, (string Code, string DeclineCode, string Message)> Declines =
        new Dictionary<string, (string, string, string)>
        {
            ["pm_card_chargeDeclined"] = ("card_declined", "generic_decline", "Your card was declined."),
            ["pm_card_chargeDeclinedInsufficientFunds"] = ("card_declined", "insufficient_funds", "Your card has insufficient funds."),
            ["pm_card_chargeDeclinedExpiredCard"] = ("expired_card", "expired_card", "Your card has expired."),
        };

    /// <summary>A payment method that does not exist: a 400 invalid_request_error, not a decline.</summary>
    public const string MissingPaymentMethod = "pm_missing";

    private readonly WebApplication _app;
    private readonly ConcurrentQueue<FakeStripeRequest> _requests = new();
    private readonly Dictionary<string, (string Fingerprint, int Status, string Body)> _idempotent = new(StringComparer.Ordinal);
    private readonly Dictionary<string, JsonObject> _intents = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _refunded = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();
    private int _sequence;

    private FakeStripeServer(WebApplication app)
    {
        _app = app;
    }

    /// <summary>The base URL to give the gateway as ApiBase, e.g. http://127.0.0.1:54321.</summary>
    public string BaseUrl { get; private set; } = "";

    public IReadOnlyList<FakeStripeRequest> Requests => _requests.ToArray();

    /// <summary>The requests to one path (e.g. "/v1/payment_intents").</summary>
    public IReadOnlyList<FakeStripeRequest> RequestsTo(string path) => Requests.Where(r => r.Path == path).ToArray();

    /// <summary>The current state of a PaymentIntent, as the fake would return it.</summary>
    public JsonObject? Intent(string id)
    {
        lock (_lock)
        {
            return _intents.TryGetValue(id, out var pi) ? (JsonObject)pi.DeepClone() : null;
        }
    }

    public static async Task<FakeStripeServer> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel().UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var server = new FakeStripeServer(app);
        app.MapPost("/v1/{**path}", server.HandleAsync);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        server.BaseUrl = address.TrimEnd('/');
        return server;
    }

    private async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        var form = request.HasFormContentType
            ? (await request.ReadFormAsync()).ToDictionary(f => f.Key, f => f.Value.ToString(), StringComparer.Ordinal)
            : new Dictionary<string, string>(StringComparer.Ordinal);
        var key = request.Headers["Idempotency-Key"].FirstOrDefault();
        var path = request.Path.Value ?? "";
        _requests.Enqueue(new FakeStripeRequest(request.Method, path, form, key, request.Headers.Authorization.FirstOrDefault()));

        int status;
        string body;
        lock (_lock)
        {
            var fingerprint = path + "?" + string.Join("&", form.OrderBy(f => f.Key, StringComparer.Ordinal).Select(f => $"{f.Key}={f.Value}"));
            if (key is not null && _idempotent.TryGetValue(key, out var saved))
            {
                (status, body) = saved.Fingerprint == fingerprint
                    ? (saved.Status, saved.Body)
                    : Error(400, "idempotency_error", null, "Keys for idempotent requests can only be used with the same parameters they were first used with.");
            }
            else
            {
                (status, body) = Route(path, form);
                if (key is not null)
                {
                    _idempotent[key] = (fingerprint, status, body);
                }
            }
        }

        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        context.Response.Headers["Request-Id"] = $"req_{Interlocked.Increment(ref _sequence)}";
        if (key is not null)
        {
            context.Response.Headers["Idempotency-Key"] = key;
        }

        await context.Response.WriteAsync(body);
    }

    private (int Status, string Body) Route(string path, Dictionary<string, string> form)
    {
        var segments = path.Split('/', StringSplitOptions.RemoveEmptyEntries); // v1, resource, [id, action]
        return segments switch
        {
            ["v1", "customers"] => Ok(new JsonObject
            {
                ["id"] = NewId("cus"),
                ["object"] = "customer",
                ["name"] = form.GetValueOrDefault("name"),
                ["metadata"] = Metadata(form),
            }),
            ["v1", "payment_intents"] => CreateIntent(form),
            ["v1", "payment_intents", var id, "capture"] => Capture(id, form),
            ["v1", "payment_intents", var id, "cancel"] => Cancel(id),
            ["v1", "refunds"] => CreateRefund(form),
            _ => Error(404, "invalid_request_error", "resource_missing", $"Unrecognized request URL (POST: {path})."),
        };
    }

    private (int, string) CreateIntent(Dictionary<string, string> form)
    {
        var paymentMethod = form.GetValueOrDefault("payment_method");
        if (paymentMethod == MissingPaymentMethod)
        {
            return Error(400, "invalid_request_error", "resource_missing", $"No such PaymentMethod: '{paymentMethod}'");
        }

        var pi = new JsonObject
        {
            ["id"] = NewId("pi"),
            ["object"] = "payment_intent",
            ["amount"] = long.Parse(form["amount"], CultureInfo.InvariantCulture),
            ["amount_capturable"] = 0,
            ["amount_received"] = 0,
            ["currency"] = form.GetValueOrDefault("currency"),
            ["customer"] = form.GetValueOrDefault("customer"),
            ["payment_method"] = paymentMethod,
            ["capture_method"] = form.GetValueOrDefault("capture_method") ?? "automatic_async",
            ["metadata"] = Metadata(form),
            ["created"] = DateTimeOffset.UtcNow.ToUnixTimeSeconds(),
            ["livemode"] = false,
            ["status"] = "requires_payment_method",
        };
        _intents[pi["id"]!.GetValue<string>()] = pi;

        if (form.GetValueOrDefault("confirm") != "true")
        {
            return Ok(pi);
        }

        if (paymentMethod is not null && Declines.TryGetValue(paymentMethod, out var decline))
        {
            pi["last_payment_error"] = new JsonObject
            {
                ["type"] = "card_error",
                ["code"] = decline.Code,
                ["decline_code"] = decline.DeclineCode,
                ["message"] = decline.Message,
            };
            return Error(402, "card_error", decline.Code, decline.Message, decline.DeclineCode, pi);
        }

        if (form.GetValueOrDefault("capture_method") == "manual")
        {
            pi["status"] = "requires_capture";
            pi["amount_capturable"] = pi["amount"]!.GetValue<long>();
        }
        else
        {
            pi["status"] = "succeeded";
            pi["amount_received"] = pi["amount"]!.GetValue<long>();
        }

        return Ok(pi);
    }

    private (int, string) Capture(string id, Dictionary<string, string> form)
    {
        if (!_intents.TryGetValue(id, out var pi))
        {
            return Error(404, "invalid_request_error", "resource_missing", $"No such payment_intent: '{id}'");
        }

        if (pi["status"]!.GetValue<string>() != "requires_capture")
        {
            return Error(400, "invalid_request_error", "payment_intent_unexpected_state",
                $"This PaymentIntent could not be captured because it has a status of {pi["status"]}.", paymentIntent: pi);
        }

        var capturable = pi["amount_capturable"]!.GetValue<long>();
        var amount = form.TryGetValue("amount_to_capture", out var a) ? long.Parse(a, CultureInfo.InvariantCulture) : capturable;
        if (amount > capturable)
        {
            return Error(400, "invalid_request_error", "amount_too_large", "The amount to capture is larger than the amount capturable.");
        }

        pi["status"] = "succeeded";
        pi["amount_received"] = amount;
        pi["amount_capturable"] = 0;
        return Ok(pi);
    }

    private (int, string) Cancel(string id)
    {
        if (!_intents.TryGetValue(id, out var pi))
        {
            return Error(404, "invalid_request_error", "resource_missing", $"No such payment_intent: '{id}'");
        }

        if (pi["status"]!.GetValue<string>() is "succeeded" or "canceled")
        {
            return Error(400, "invalid_request_error", "payment_intent_unexpected_state",
                $"You cannot cancel this PaymentIntent because it has a status of {pi["status"]}.", paymentIntent: pi);
        }

        pi["status"] = "canceled";
        pi["amount_capturable"] = 0;
        pi["cancellation_reason"] = "requested_by_customer";
        return Ok(pi);
    }

    private (int, string) CreateRefund(Dictionary<string, string> form)
    {
        var id = form.GetValueOrDefault("payment_intent") ?? "";
        if (!_intents.TryGetValue(id, out var pi))
        {
            return Error(404, "invalid_request_error", "resource_missing", $"No such payment_intent: '{id}'");
        }

        var received = pi["amount_received"]!.GetValue<long>();
        var refunded = _refunded.GetValueOrDefault(id);
        var amount = form.TryGetValue("amount", out var a) ? long.Parse(a, CultureInfo.InvariantCulture) : received - refunded;
        if (received == 0 || refunded >= received)
        {
            return Error(400, "invalid_request_error", "charge_already_refunded", "Charge has already been refunded.");
        }

        if (amount > received - refunded)
        {
            return Error(400, "invalid_request_error", "amount_too_large", "Refund amount is greater than unrefunded amount on charge.");
        }

        _refunded[id] = refunded + amount;
        return Ok(new JsonObject
        {
            ["id"] = NewId("re"),
            ["object"] = "refund",
            ["amount"] = amount,
            ["currency"] = pi["currency"]?.GetValue<string>(),
            ["payment_intent"] = id,
            ["status"] = "succeeded",
            ["metadata"] = Metadata(form),
        });
    }

    private string NewId(string prefix) => $"{prefix}_fake{Interlocked.Increment(ref _sequence):D6}";

    private static JsonObject Metadata(Dictionary<string, string> form)
    {
        var metadata = new JsonObject();
        foreach (var (k, v) in form.Where(f => f.Key.StartsWith("metadata[", StringComparison.Ordinal)))
        {
            metadata[k["metadata[".Length..^1]] = v;
        }

        return metadata;
    }

    private static (int, string) Ok(JsonObject body) => (200, body.ToJsonString());

    private static (int, string) Error(int status, string type, string? code, string message, string? declineCode = null, JsonObject? paymentIntent = null)
    {
        var error = new JsonObject { ["type"] = type, ["message"] = message };
        if (code is not null)
        {
            error["code"] = code;
        }

        if (declineCode is not null)
        {
            error["decline_code"] = declineCode;
        }

        if (paymentIntent is not null)
        {
            error["payment_intent"] = paymentIntent.DeepClone();
        }

        return (status, new JsonObject { ["error"] = error }.ToJsonString());
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
