using System.Text;
using Headless.Data;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Stripe;

namespace Headless.Payments.Stripe;

/// <summary>
/// POST /webhooks/stripe: Stripe's events about our PaymentIntents, verified with the endpoint's signing
/// secret and applied once each through <see cref="IPaymentEventSink"/>.
/// <list type="bullet">
/// <item>400, and no change, for a missing or bad Stripe-Signature, a timestamp outside the tolerance, or a body that is not an event.</item>
/// <item>200 <c>{"received":true}</c> for an applied, duplicate, unknown-type or unmatched event.</item>
/// <item>5xx when applying failed. Nothing is recorded then, so Stripe's retry applies the event again.</item>
/// </list>
/// An event from another API version is accepted, not thrown: only fields stable across versions are read.
/// A 5xx on every delivery would make Stripe retry for three days and then disable the endpoint.
/// </summary>
internal sealed class StripeWebhookEndpoint(
    HeadlessDatabase database,
    IOptionsMonitor<StripeOptions> options,
    TimeProvider clock,
    ILogger<StripeWebhookEndpoint> logger)
{
    public const string Path = "/webhooks/stripe";
    public const int MaxBodyBytes = 256 * 1024;

    private readonly KeyedGate _gate = new();

    public async Task HandleAsync(HttpContext context)
    {
        var o = options.CurrentValue;
        if (string.IsNullOrWhiteSpace(o.WebhookSecret))
        {
            // Not configured: a 5xx makes Stripe keep the events and retry them once the secret is set.
            logger.LogError("A Stripe webhook arrived but {Section}:WebhookSecret is not set.", StripeOptions.Section);
            await WriteAsync(context, StatusCodes.Status503ServiceUnavailable, new { error = "Stripe webhooks are not configured." });
            return;
        }

        var json = await ReadBodyAsync(context);
        if (json is null)
        {
            await WriteAsync(context, StatusCodes.Status413PayloadTooLarge, new { error = $"The body exceeds {MaxBodyBytes} bytes." });
            return;
        }

        var signature = context.Request.Headers["Stripe-Signature"].ToString();
        if (string.IsNullOrEmpty(signature))
        {
            await WriteAsync(context, StatusCodes.Status400BadRequest, new { error = "Missing Stripe-Signature header." });
            return;
        }

        Event stripeEvent;
        try
        {
            stripeEvent = EventUtility.ConstructEvent(json, signature, o.WebhookSecret, tolerance: o.WebhookToleranceSeconds, throwOnApiVersionMismatch: false);
        }
        catch (StripeException e)
        {
            logger.LogWarning("Rejected a Stripe webhook: {Reason}", e.Message);
            await WriteAsync(context, StatusCodes.Status400BadRequest, new { error = "Invalid Stripe-Signature." });
            return;
        }
        catch (Newtonsoft.Json.JsonException)
        {
            logger.LogWarning("Rejected a signed Stripe webhook whose body is not an event.");
            await WriteAsync(context, StatusCodes.Status400BadRequest, new { error = "The body is not a Stripe event." });
            return;
        }

        if (string.IsNullOrEmpty(stripeEvent.Id) || string.IsNullOrEmpty(stripeEvent.Type))
        {
            await WriteAsync(context, StatusCodes.Status400BadRequest, new { error = "The event has no id or type." });
            return;
        }

        // Once verified, finish the work even if Stripe hangs up: a half-done delivery only costs a retry,
        // but there is no reason to cause one.
        var applied = await ProcessAsync(context.RequestServices, stripeEvent, CancellationToken.None);
        logger.LogInformation("Stripe event {EventId} ({Type}) {Outcome}.", stripeEvent.Id, stripeEvent.Type, applied ? "processed" : "was a duplicate");
        await WriteAsync(context, StatusCodes.Status200OK, new { received = true });
    }

    /// <summary>Records the event and applies it, once. Returns false for a duplicate.</summary>
    private async Task<bool> ProcessAsync(IServiceProvider services, Event stripeEvent, CancellationToken ct)
    {
        // Concurrent deliveries of one event to this instance queue here; the primary key covers other instances.
        using var _ = await _gate.EnterAsync(stripeEvent.Id, ct);

        await using var db = database.CreatePlatformContext();
        var records = db.Set<StripeEventRecord>();
        if (await records.AsNoTracking().AnyAsync(r => r.Id == stripeEvent.Id, ct))
        {
            return false;
        }

        records.Add(new StripeEventRecord(stripeEvent.Id, Truncate(stripeEvent.Type, 100), clock.GetUtcNow()));
        var paymentEvent = Map(stripeEvent);

        if (database.Provider == DatabaseProvider.Sqlite)
        {
            // SQLite has a single writer: a transaction held open here would block the sink's own writes
            // until timeout. So apply first and record after. A crash in between means Stripe redelivers and
            // the event is applied again, never recorded without being applied. A SQLite database serves one
            // instance, whose gate above keeps concurrent deliveries apart.
            await ApplyAsync(services, paymentEvent, ct);
            return await TrySaveAsync(db, stripeEvent.Id, ct);
        }

        // Server databases: the record's insert holds the key in an open transaction while the event is
        // applied. A concurrent delivery on another instance blocks on that key. After our commit it gets a
        // duplicate-key error (a duplicate); after our rollback it applies the event itself. The record
        // commits only after the sink has returned, so a crash never leaves it recorded but unapplied.
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        if (!await TrySaveAsync(db, stripeEvent.Id, ct))
        {
            return false;
        }

        await ApplyAsync(services, paymentEvent, ct);
        await transaction.CommitAsync(ct);
        return true;
    }

    private async Task ApplyAsync(IServiceProvider services, PaymentEvent? paymentEvent, CancellationToken ct)
    {
        if (paymentEvent is null)
        {
            return; // a type we do not act on: acknowledged (and recorded) only
        }

        var sink = services.GetRequiredService<IPaymentEventSink>();
        if (!await sink.ApplyAsync(paymentEvent, ct))
        {
            logger.LogInformation("No order uses PaymentIntent {PaymentIntentId}; {Kind} ignored.", paymentEvent.PaymentIntentId, paymentEvent.Kind);
        }
    }

    /// <summary>Saves the new record; false when another delivery recorded the same event first.</summary>
    private async Task<bool> TrySaveAsync(HeadlessDbContext db, string eventId, CancellationToken ct)
    {
        try
        {
            await db.SaveChangesAsync(ct);
            return true;
        }
        catch (DbUpdateException)
        {
            // The failed statement may have aborted this context's transaction: look with a fresh context.
            await using var check = database.CreatePlatformContext();
            if (await check.Set<StripeEventRecord>().AsNoTracking().AnyAsync(r => r.Id == eventId, ct))
            {
                return false;
            }

            throw;
        }
    }

    /// <summary>The gateway-neutral event for a Stripe event, or null for a type we do not act on.</summary>
    internal static PaymentEvent? Map(Event stripeEvent) => (stripeEvent.Type, stripeEvent.Data?.Object) switch
    {
        ("payment_intent.amount_capturable_updated", PaymentIntent pi) =>
            new PaymentEvent(PaymentEventKind.AmountCapturableUpdated, pi.Id, pi.AmountCapturable, null, null),
        ("payment_intent.payment_failed", PaymentIntent pi) =>
            new PaymentEvent(
                PaymentEventKind.PaymentFailed,
                pi.Id,
                null,
                pi.LastPaymentError?.DeclineCode ?? pi.LastPaymentError?.Code,
                DeclineMessages.For(pi.LastPaymentError?.DeclineCode ?? pi.LastPaymentError?.Code)),
        ("payment_intent.canceled", PaymentIntent pi) =>
            // cancellation_reason tells an expired hold ("automatic") from a requested release.
            new PaymentEvent(PaymentEventKind.Canceled, pi.Id, null, pi.CancellationReason, null),
        ("charge.refunded", Charge { PaymentIntentId: { Length: > 0 } paymentIntentId } charge) =>
            new PaymentEvent(PaymentEventKind.Refunded, paymentIntentId, charge.AmountRefunded, null, null),
        _ => null,
    };

    private static async Task<string?> ReadBodyAsync(HttpContext context) =>
        // The signature covers the exact bytes; invalid UTF-8 decodes differently and fails verification.
        await Transport.RequestBody.ReadLimitedAsync(context, MaxBodyBytes) is { } bytes ? Encoding.UTF8.GetString(bytes) : null;

    private static Task WriteAsync(HttpContext context, int status, object body)
    {
        context.Response.StatusCode = status;
        return context.Response.WriteAsJsonAsync(body, context.RequestAborted);
    }

    private static string Truncate(string value, int length) => value.Length <= length ? value : value[..length];
}

/// <summary>One async lock per key, held only while some caller uses it.</summary>
internal sealed class KeyedGate
{
    private readonly Dictionary<string, Entry> _entries = new(StringComparer.Ordinal);

    public async Task<IDisposable> EnterAsync(string key, CancellationToken ct)
    {
        Entry entry;
        lock (_entries)
        {
            if (!_entries.TryGetValue(key, out entry!))
            {
                entry = new Entry();
                _entries[key] = entry;
            }

            entry.Users++;
        }

        try
        {
            await entry.Semaphore.WaitAsync(ct);
        }
        catch
        {
            Release(key, entry, entered: false);
            throw;
        }

        return new Lease(this, key, entry);
    }

    private void Release(string key, Entry entry, bool entered)
    {
        if (entered)
        {
            entry.Semaphore.Release();
        }

        lock (_entries)
        {
            if (--entry.Users == 0)
            {
                _entries.Remove(key);
                entry.Semaphore.Dispose();
            }
        }
    }

    private sealed class Entry
    {
        public SemaphoreSlim Semaphore { get; } = new(1, 1);

        public int Users { get; set; }
    }

    private sealed class Lease(KeyedGate gate, string key, Entry entry) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                gate.Release(key, entry, entered: true);
            }
        }
    }
}

public static class StripePaymentsExtensions
{
    /// <summary>
    /// Stripe settings (Headless:Payments:Stripe), the <see cref="StripePaymentGateway"/> singleton on an
    /// IHttpClientFactory client, and the webhook endpoint. It does not choose the active
    /// <see cref="IPaymentGateway"/>: the host does, by <see cref="StripeOptions.Enabled"/>.
    /// </summary>
    public static IServiceCollection AddStripePayments(this IServiceCollection services)
    {
        services.AddOptions<StripeOptions>()
            .BindConfiguration(StripeOptions.Section)
            .ValidateDataAnnotations()
            .Validate(o => Uri.TryCreate(o.ApiBase, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttps || uri.Scheme == Uri.UriSchemeHttp), $"{StripeOptions.Section}:ApiBase must be an absolute http(s) URL.")
            .ValidateOnStart();
        services.AddHttpClient(StripePaymentGateway.HttpClientName, c => c.Timeout = SystemNetHttpClient.DefaultHttpTimeout);
        services.AddSingleton<StripePaymentGateway>();
        services.AddSingleton<StripeWebhookEndpoint>();
        return services;
    }

    /// <summary>Maps POST /webhooks/stripe (anonymous: the Stripe-Signature header is the authentication).</summary>
    public static IEndpointRouteBuilder MapStripeWebhooks(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapPost(StripeWebhookEndpoint.Path, context => context.RequestServices.GetRequiredService<StripeWebhookEndpoint>().HandleAsync(context))
            .AllowAnonymous();
        return endpoints;
    }
}
