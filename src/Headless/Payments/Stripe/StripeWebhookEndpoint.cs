using System.Text;
using Headless.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Stripe;

namespace Headless.Payments.Stripe;

/// <summary>
/// POST /webhooks/stripe: Stripe's events about our PaymentIntents, verified with the endpoint's signing
/// secret, recorded once each with what became of them, and applied through <see cref="IPaymentEventSink"/>
/// only when they match the order (see <see cref="PaymentEventRules"/>).
/// <list type="bullet">
/// <item>400, and no change, for a missing or bad Stripe-Signature, a timestamp outside the tolerance, or a signed
/// body that is not UTF-8, not JSON, or not a well-formed event (see <see cref="StripeEventShape"/>; whatever
/// Stripe.net cannot read as an event is refused too).</item>
/// <item>200 <c>{"received":true}</c> for an applied, unchanged, ignored (its reason recorded) or duplicate event.</item>
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

    /// <summary>
    /// The first API version (2025-03-31.basil) in which releasing a hold, in whole or in part, no longer counts
    /// in a charge's amount_refunded. Events rendered in an earlier version include it.
    /// </summary>
    internal const string ReleaseNotRefundedSince = "2025-03-31";

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

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

        var bytes = await Transport.RequestBody.ReadLimitedAsync(context, MaxBodyBytes);
        if (bytes is null)
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

        var (stripeEvent, problem) = Read(bytes, signature, o);
        if (stripeEvent is null)
        {
            await WriteAsync(context, StatusCodes.Status400BadRequest, new { error = problem });
            return;
        }

        // Once verified, finish the work even if Stripe hangs up: a half-done delivery only costs a retry,
        // but there is no reason to cause one.
        var outcome = await ProcessAsync(context.RequestServices, stripeEvent, CancellationToken.None);
        if (outcome is null)
        {
            logger.LogInformation("Stripe event {EventId} ({Type}) was a duplicate.", stripeEvent.Id, stripeEvent.Type);
        }
        else if (outcome.IsIgnored && outcome.Reason is not (PaymentEventReason.UnhandledEventType or PaymentEventReason.UnknownPaymentIntent or PaymentEventReason.NoPaymentIntent))
        {
            // It names one of our orders but does not match it: worth a look, never applied.
            logger.LogWarning("Stripe event {EventId} ({Type}) ignored: {Reason}.", stripeEvent.Id, stripeEvent.Type, outcome.Reason);
        }
        else if (outcome.Reason is not null)
        {
            logger.LogInformation("Stripe event {EventId} ({Type}): {Outcome} {Reason}.", stripeEvent.Id, stripeEvent.Type, outcome.Result, outcome.Reason);
        }
        else
        {
            logger.LogInformation("Stripe event {EventId} ({Type}): {Outcome}.", stripeEvent.Id, stripeEvent.Type, outcome.Result);
        }

        await WriteAsync(context, StatusCodes.Status200OK, new { received = true });
    }

    /// <summary>
    /// Verifies the signature and reads the event; on failure, the message to answer with. Nothing that goes wrong
    /// here may become a 5xx: Stripe would redeliver the same body for days.
    /// </summary>
    private (Event? Event, string Problem) Read(byte[] bytes, string signature, StripeOptions o)
    {
        string json;
        try
        {
            // The signature covers the exact bytes: a lenient decoding would verify something other than what was sent.
            json = StrictUtf8.GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            return (null, "The body is not UTF-8.");
        }

        try
        {
            EventUtility.ValidateSignature(json, signature, o.WebhookSecret!, o.WebhookToleranceSeconds);
        }
        catch (Exception e)
        {
            // A pure computation over the header and body: StripeException for a bad signature or timestamp, others
            // (FormatException, OverflowException...) for a malformed header such as t=abc. All of them mean "not verified".
            logger.LogWarning("Rejected a Stripe webhook: {Reason}", e is StripeException ? e.Message : "malformed Stripe-Signature header");
            return (null, "Invalid Stripe-Signature.");
        }

        if (StripeEventShape.Problem(json) is { } shape)
        {
            logger.LogWarning("Rejected a signed Stripe webhook whose body is not a well-formed event: {Problem}", shape);
            return (null, shape);
        }

        Event? stripeEvent;
        try
        {
            stripeEvent = EventUtility.ParseEvent(json, throwOnApiVersionMismatch: false);
        }
        catch (Exception e)
        {
            // Deserializing a string does no I/O: whatever it throws (JsonException, InvalidOperationException for a
            // value of the wrong type, ArgumentException for a thin v2 event...) means the body is not an event.
            logger.LogWarning("Rejected a signed Stripe webhook that Stripe.net cannot read as an event: {ExceptionType}", e.GetType().Name);
            return (null, "The body is not a Stripe event.");
        }

        if (stripeEvent is null)
        {
            return (null, "The body is not a Stripe event.");
        }

        // The shape check saw the object's kind; this holds Stripe.net to the same reading.
        if (StripeEventShape.HandledTypes.TryGetValue(stripeEvent.Type, out var kind) &&
            !(kind == "charge" ? stripeEvent.Data?.Object is Charge : stripeEvent.Data?.Object is PaymentIntent))
        {
            return (null, "The event's data.object is not the object its type implies.");
        }

        return (stripeEvent, "");
    }

    /// <summary>Records the event and applies it, once. Returns null for a duplicate.</summary>
    private async Task<PaymentEventOutcome?> ProcessAsync(IServiceProvider services, Event stripeEvent, CancellationToken ct)
    {
        // Concurrent deliveries of one event to this instance queue here; the primary key covers other instances.
        using var _ = await _gate.EnterAsync(stripeEvent.Id, ct);

        await using var db = database.CreatePlatformContext();
        var records = db.Set<StripeEventRecord>();
        if (await records.AsNoTracking().AnyAsync(r => r.Id == stripeEvent.Id, ct))
        {
            return null;
        }

        var record = new StripeEventRecord(stripeEvent.Id, stripeEvent.Type, clock.GetUtcNow());
        records.Add(record);
        var (paymentEvent, unmapped) = Map(stripeEvent);

        if (database.Provider == DatabaseProvider.Sqlite)
        {
            // SQLite has a single writer: a transaction held open here would block the sink's own writes
            // until timeout. So apply first and record after. A crash in between means Stripe redelivers and
            // the event is judged again (every rule is idempotent), never recorded without being applied. A
            // SQLite database serves one instance, whose gate above keeps concurrent deliveries apart.
            var applied = await ApplyAsync(services, paymentEvent, unmapped, ct);
            record.Resolve(paymentEvent?.PaymentIntentId, applied);
            return await TrySaveAsync(db, stripeEvent.Id, ct) ? applied : null;
        }

        // Server databases: the record's insert holds the key in an open transaction while the event is
        // applied. A concurrent delivery on another instance blocks on that key. After our commit it gets a
        // duplicate-key error (a duplicate); after our rollback it applies the event itself. The record
        // commits only after the sink has returned, so a crash never leaves it recorded but unapplied.
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        if (!await TrySaveAsync(db, stripeEvent.Id, ct))
        {
            return null;
        }

        var outcome = await ApplyAsync(services, paymentEvent, unmapped, ct);
        record.Resolve(paymentEvent?.PaymentIntentId, outcome);
        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);
        return outcome;
    }

    private static async Task<PaymentEventOutcome> ApplyAsync(IServiceProvider services, PaymentEvent? paymentEvent, string? unmapped, CancellationToken ct)
    {
        if (paymentEvent is null)
        {
            return PaymentEventOutcome.Ignored(unmapped ?? PaymentEventReason.UnhandledEventType); // acknowledged and recorded only
        }

        return await services.GetRequiredService<IPaymentEventSink>().ApplyAsync(paymentEvent, ct);
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

    /// <summary>
    /// The gateway-neutral event for a Stripe event, or null and why not (a type we do not act on, a charge without
    /// a PaymentIntent). The shape was checked before, so a handled type carries the object it implies.
    /// </summary>
    internal static (PaymentEvent? Event, string? Reason) Map(Event stripeEvent) => (stripeEvent.Type, stripeEvent.Data?.Object) switch
    {
        ("payment_intent.amount_capturable_updated", PaymentIntent pi) => (FromIntent(PaymentEventKind.AmountCapturableUpdated, pi), null),
        ("payment_intent.payment_failed", PaymentIntent pi) => (FromIntent(PaymentEventKind.PaymentFailed, pi), null),
        ("payment_intent.canceled", PaymentIntent pi) => (FromIntent(PaymentEventKind.Canceled, pi), null),
        ("charge.refunded", Charge { PaymentIntentId: { Length: > 0 } paymentIntentId } charge) =>
            (new PaymentEvent(
                PaymentEventKind.Refunded,
                StripePaymentGateway.GatewayName,
                paymentIntentId,
                charge.Currency,
                charge.Amount,
                AmountCaptured: charge.AmountCaptured,
                AmountRefunded: RefundedToCard(stripeEvent.ApiVersion, charge),
                OrderNumber: charge.Metadata?.GetValueOrDefault("order_number"),
                OrganizationId: charge.Metadata?.GetValueOrDefault("organization_id")), null),
        ("charge.refunded", Charge) => (null, PaymentEventReason.NoPaymentIntent),
        _ => (null, PaymentEventReason.UnhandledEventType),
    };

    private static PaymentEvent FromIntent(PaymentEventKind kind, PaymentIntent pi)
    {
        var declineCode = pi.LastPaymentError?.DeclineCode ?? pi.LastPaymentError?.Code;
        return new PaymentEvent(
            kind,
            StripePaymentGateway.GatewayName,
            pi.Id,
            pi.Currency,
            pi.Amount,
            AmountCapturable: pi.AmountCapturable,
            AmountReceived: pi.AmountReceived,

            // cancellation_reason tells an expired hold ("expired", "automatic" before basil) from a requested release.
            FailureCode: kind switch
            {
                PaymentEventKind.PaymentFailed => declineCode,
                PaymentEventKind.Canceled => pi.CancellationReason,
                _ => null,
            },
            FailureMessage: kind == PaymentEventKind.PaymentFailed ? DeclineMessages.For(declineCode) : null,
            OrderNumber: pi.Metadata?.GetValueOrDefault("order_number"),
            OrganizationId: pi.Metadata?.GetValueOrDefault("organization_id"));
    }

    /// <summary>
    /// What went back to the card. Before API version 2025-03-31.basil a charge's amount_refunded also counted the part
    /// of the hold released uncaptured (amount - amount_captured): that money was never charged, so it is no refund.
    /// </summary>
    internal static long RefundedToCard(string? apiVersion, Charge charge)
    {
        var countsRelease = apiVersion is { Length: >= 10 } && string.CompareOrdinal(apiVersion, 0, ReleaseNotRefundedSince, 0, 10) < 0;
        return countsRelease ? Math.Max(0, charge.AmountRefunded - Math.Max(0, charge.Amount - charge.AmountCaptured)) : charge.AmountRefunded;
    }

    private static Task WriteAsync(HttpContext context, int status, object body)
    {
        context.Response.StatusCode = status;
        return context.Response.WriteAsJsonAsync(body, context.RequestAborted);
    }
}
