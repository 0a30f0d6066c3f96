using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace PartnerPharmacy;

/// <summary>
/// Builds the partner pharmacy simulator. Tests can host it on Kestrel (<c>--urls http://127.0.0.1:0</c>), replace the
/// <see cref="TimeProvider"/> (register their own after ours) and the primary handler of the named HttpClient
/// <see cref="LineLifecycle.CallbackClientName"/> ("callbacks") through <paramref name="configureServices"/>.
/// </summary>
public static partial class SimulatorHost
{
    public const string IdempotencyKeyHeader = "Idempotency-Key";
    private const int MaxIdempotencyKeyLength = 255;
    private const int MaxLines = 500;

    public static WebApplication Build(string[] args, Action<IServiceCollection>? configureServices = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            Args = args,
            ApplicationName = typeof(SimulatorHost).Assembly.GetName().Name,
        });

        var services = builder.Services;
        services.AddOptions<SimulatorOptions>()
            .Bind(builder.Configuration.GetSection(SimulatorOptions.SectionName))
            .ValidateOnStart();
        services.AddSingleton<IPostConfigureOptions<SimulatorOptions>, SimulatorOptionsPostConfigure>();
        services.AddSingleton<IValidateOptions<SimulatorOptions>, SimulatorOptionsValidator>();
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<TokenService>();
        services.AddSingleton<OrderBook>();
        services.AddSingleton<WebhookSigner>();
        services.AddSingleton(sp =>
        {
            var o = sp.GetRequiredService<IOptions<SimulatorOptions>>().Value;
            return new SigRules(o.SigDoseUnits, o.SigFrequencyWords);
        });
        services.AddSingleton<LineLifecycle>();
        services.AddSingleton<OfferingStock>();
        services.AddHostedService(sp => sp.GetRequiredService<LineLifecycle>());
        services.AddHttpClient(LineLifecycle.CallbackClientName, (sp, client) =>
                client.Timeout = sp.GetRequiredService<IOptions<SimulatorOptions>>().Value.CallbackTimeout)
            // Standard Webhooks: a 3xx is a failure, never followed.
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { AllowAutoRedirect = false });

        configureServices?.Invoke(services);

        var app = builder.Build();
        Map(app);
        return app;
    }

    /// <summary>The first address Kestrel bound (after <c>StartAsync</c>), e.g. <c>http://127.0.0.1:41234/</c>.</summary>
    public static Uri GetBaseAddress(WebApplication app)
    {
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault()
            ?? throw new InvalidOperationException("The simulator is not listening yet; call StartAsync first.");
        return new Uri(address.EndsWith('/') ? address : address + "/");
    }

    private static void Map(WebApplication app)
    {
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("PartnerPharmacy.Api");

        app.MapGet("/", () => Results.Json(new
        {
            service = "Partner pharmacy simulator",
            endpoints = new[]
            {
                "POST /oauth/token", "POST /v1/orders", "POST /v1/orders/{reference}/lines/{lineNumber}/cancel",
                "POST /v1/orders/{reference}/lines/{lineNumber}/messages", "POST /v1/support/{ticketReference}/reply",
                "GET /v1/support/{ticketReference}", "GET /v1/orders/{reference}", "GET /v1/stats", "GET /v1/idempotency-keys",
            },
        }, SimulatorJson.Options));

        app.MapPost("/oauth/token", async (HttpContext http, TokenService tokens) =>
        {
            http.Response.Headers.CacheControl = "no-store";
            if (!http.Request.HasFormContentType)
            {
                return Error(StatusCodes.Status400BadRequest, "invalid_request", "Send application/x-www-form-urlencoded.");
            }

            var form = await http.Request.ReadFormAsync(http.RequestAborted);
            var (clientId, clientSecret, fromBasic) = TokenService.ReadClientCredentials(http.Request, form);
            if (!tokens.ClientIsValid(clientId, clientSecret))
            {
                if (fromBasic)
                {
                    http.Response.Headers.WWWAuthenticate = "Basic realm=\"PartnerPharmacy\"";
                }

                return Error(StatusCodes.Status401Unauthorized, "invalid_client");
            }

            var grantType = form["grant_type"].FirstOrDefault();
            if (string.IsNullOrEmpty(grantType))
            {
                return Error(StatusCodes.Status400BadRequest, "invalid_request", "grant_type is required.");
            }

            if (grantType != "client_credentials")
            {
                return Error(StatusCodes.Status400BadRequest, "unsupported_grant_type");
            }

            return Results.Json(tokens.Issue(), SimulatorJson.Options);
        });

        app.MapPost("/v1/orders", async (HttpContext http, TokenService tokens, OrderBook book, SigRules sigRules,
            IOptions<SimulatorOptions> options, LineLifecycle lifecycle, [FromServices] OfferingStock stock) =>
        {
            if (Guard(http, tokens) is { } denied)
            {
                return denied;
            }

            var key = http.Request.Headers[IdempotencyKeyHeader].ToString();
            book.CountOrderRequest();

            using var buffer = new MemoryStream();
            await http.Request.Body.CopyToAsync(buffer, http.RequestAborted);
            var raw = buffer.ToArray();
            var fingerprint = Convert.ToHexString(SHA256.HashData(raw));

            OrderRequest? request;
            try
            {
                request = JsonSerializer.Deserialize<OrderRequest>(raw, SimulatorJson.Options);
            }
            catch (JsonException)
            {
                return Error(StatusCodes.Status400BadRequest, "invalid_request", "Body is not a valid order JSON document.");
            }

            if (Validate(request) is { } problem)
            {
                return Error(StatusCodes.Status400BadRequest, "invalid_request", problem);
            }

            var o = options.Value;
            var callbackUrl = new Uri(request!.CallbackUrl!, UriKind.Absolute);
            var (result, entry, created) = book.SubmitOrder(key, fingerprint, reference =>
                new SimOrder(reference, request.OrderNumber!, request.PartnerOrderId,
                    [.. request.Lines!.Select(l => new SimLine(reference, l.LineNumber!, callbackUrl, Decide(l, o, sigRules)))]));

            switch (result)
            {
                case OrderBook.Lookup.Conflict when o.RejectIdempotencyKeyReuse:
                    LogKeyConflict(logger, key.Length);
                    return Error(StatusCodes.Status422UnprocessableEntity, "idempotency_key_reused",
                        "This Idempotency-Key was used with a different request body.");
                case OrderBook.Lookup.Replay or OrderBook.Lookup.Conflict:
                    LogReplay(logger, entry!.Reference);
                    http.Response.Headers["Idempotent-Replayed"] = "true";
                    return Results.Json(entry.Body, SimulatorJson.Options, statusCode: entry.StatusCode);
                default:
                    LogAccepted(logger, created!.Reference, created.OrderNumber, created.Lines.Count);
                    lifecycle.Start(created);
                    for (var i = 0; i < created.Lines.Count; i++)
                    {
                        var requested = request.Lines![i];
                        if (created.Lines[i].Initial.Type != EventTypes.Rejected && stock.Take(requested.ProductName!, requested.Quantity) is { } emptied)
                        {
                            lifecycle.ReportOutOfStock(callbackUrl, emptied, created.Reference, requested.LineNumber!);
                        }
                    }

                    return Results.Json(entry!.Body, SimulatorJson.Options, statusCode: entry.StatusCode);
            }
        });

        app.MapPost("/v1/orders/{reference}/lines/{lineNumber}/cancel", (HttpContext http, string reference, string lineNumber,
            TokenService tokens, OrderBook book, LineLifecycle lifecycle) =>
        {
            if (Guard(http, tokens) is { } denied)
            {
                return denied;
            }

            var line = book.Find(reference)?.Lines.FirstOrDefault(l => l.LineNumber == lineNumber);
            if (line is null)
            {
                return Error(StatusCodes.Status404NotFound, "not_found", "No such order line.");
            }

            var key = http.Request.Headers[IdempotencyKeyHeader].ToString();
            var entry = book.Cancel($"{reference}/{lineNumber}", key, () => lifecycle.Cancel(line));
            return Results.Json(entry.Body, SimulatorJson.Options, statusCode: entry.StatusCode);
        });

        app.MapPost("/v1/orders/{reference}/lines/{lineNumber}/messages", async (HttpContext http, string reference, string lineNumber,
            TokenService tokens, OrderBook book, LineLifecycle lifecycle, IOptions<SimulatorOptions> options) =>
        {
            if (Guard(http, tokens) is { } denied)
            {
                return denied;
            }

            var line = book.Find(reference)?.Lines.FirstOrDefault(l => l.LineNumber == lineNumber);
            if (line is null)
            {
                return Error(StatusCodes.Status404NotFound, "not_found", "No such order line.");
            }

            SupportMessageRequest? request;
            try
            {
                request = await JsonSerializer.DeserializeAsync<SupportMessageRequest>(http.Request.Body, SimulatorJson.Options, http.RequestAborted);
            }
            catch (JsonException)
            {
                return Error(StatusCodes.Status400BadRequest, "invalid_request", "Body is not a valid support message JSON document.");
            }

            if (request is null || string.IsNullOrWhiteSpace(request.TicketReference) || request.TicketReference.Length > 40)
            {
                return Error(StatusCodes.Status400BadRequest, "invalid_request", "ticketReference is required (at most 40 characters).");
            }

            if (request.Messages is not { Count: > 0 } || request.Messages.Any(m => m is null || string.IsNullOrWhiteSpace(m.Body)))
            {
                return Error(StatusCodes.Status400BadRequest, "invalid_request", "messages must not be empty, and each needs a body.");
            }

            var key = http.Request.Headers[IdempotencyKeyHeader].ToString();
            var autoReply = options.Value.SupportAutoReply;
            var ticket = request.TicketReference.Trim();
            var (entry, created) = book.ReceiveSupportMessage($"{reference}/{lineNumber}", key, ticket, line,
                () => new IdempotentEntry("", StatusCodes.Status202Accepted, new SupportMessageAccepted(true, ticket, autoReply), reference));
            if (created)
            {
                LogSupportMessage(logger, ticket, reference, lineNumber, request.Messages.Count);
                if (autoReply)
                {
                    lifecycle.ReplyToSupport(book.FindSupport(ticket)!, options.Value.SupportReplyMessage, delayed: true);
                }
            }
            else
            {
                http.Response.Headers["Idempotent-Replayed"] = "true";
            }

            return Results.Json(entry.Body, SimulatorJson.Options, statusCode: entry.StatusCode);
        });

        // Demo and test helper (no auth, like the stats): make the pharmacy answer a ticket now.
        app.MapPost("/v1/support/{ticketReference}/reply", async (HttpContext http, string ticketReference, OrderBook book,
            LineLifecycle lifecycle, IOptions<SimulatorOptions> options) =>
        {
            var thread = book.FindSupport(ticketReference);
            if (thread is null)
            {
                return Error(StatusCodes.Status404NotFound, "not_found", "No support message was received for this ticket.");
            }

            SupportReplyRequest? request = null;
            if (http.Request.ContentLength is > 0 || http.Request.Headers.TransferEncoding.Count > 0)
            {
                try
                {
                    request = await JsonSerializer.DeserializeAsync<SupportReplyRequest>(http.Request.Body, SimulatorJson.Options, http.RequestAborted);
                }
                catch (JsonException)
                {
                    return Error(StatusCodes.Status400BadRequest, "invalid_request", "Body must be {\"message\":\"...\"} or empty.");
                }
            }

            var message = string.IsNullOrWhiteSpace(request?.Message) ? options.Value.SupportReplyMessage : request.Message.Trim();
            var eventId = lifecycle.ReplyToSupport(thread, message, delayed: false);
            return Results.Json(new { eventId, ticketReference = thread.TicketReference }, SimulatorJson.Options, statusCode: StatusCodes.Status202Accepted);
        });

        app.MapGet("/v1/support/{ticketReference}", (string ticketReference, OrderBook book) =>
            book.FindSupport(ticketReference) is { } thread
                ? Results.Json(new { ticketReference = thread.TicketReference, lineNumber = thread.Line.LineNumber, messagesReceived = thread.MessagesReceived, repliesSent = thread.RepliesSent }, SimulatorJson.Options)
                : Error(StatusCodes.Status404NotFound, "not_found", "No support message was received for this ticket."));

        app.MapGet("/v1/orders/{reference}", (HttpContext http, string reference, TokenService tokens, OrderBook book) =>
        {
            if (!tokens.IsAuthorized(http.Request))
            {
                return Unauthorized(http);
            }

            var order = book.Find(reference);
            if (order is null)
            {
                return Error(StatusCodes.Status404NotFound, "not_found", "No such order.");
            }

            return Results.Json(new
            {
                reference = order.Reference,
                orderNumber = order.OrderNumber,
                partnerOrderId = order.PartnerOrderId,
                lines = order.Lines.Select(l => new { lineNumber = l.LineNumber, status = StatusName(l.State) }),
            }, SimulatorJson.Options);
        });

        app.MapGet("/v1/stats", (OrderBook book) => Results.Json(book.Stats(), SimulatorJson.Options));
        app.MapGet("/v1/idempotency-keys", (OrderBook book) => Results.Json(book.OrderKeys(), SimulatorJson.Options));
    }

    /// <summary>Bearer token (401) and Idempotency-Key (400) checks shared by the write endpoints.</summary>
    private static IResult? Guard(HttpContext http, TokenService tokens)
    {
        if (!tokens.IsAuthorized(http.Request))
        {
            return Unauthorized(http);
        }

        var key = http.Request.Headers[IdempotencyKeyHeader].ToString();
        if (string.IsNullOrWhiteSpace(key))
        {
            return Error(StatusCodes.Status400BadRequest, "missing_idempotency_key", "The Idempotency-Key header is required.");
        }

        if (key.Length > MaxIdempotencyKeyLength)
        {
            return Error(StatusCodes.Status400BadRequest, "invalid_idempotency_key", "The Idempotency-Key header is longer than 255 characters.");
        }

        return null;
    }

    private static IResult Unauthorized(HttpContext http)
    {
        http.Response.Headers.WWWAuthenticate = "Bearer error=\"invalid_token\"";
        return Error(StatusCodes.Status401Unauthorized, "invalid_token", "A valid Bearer token from POST /oauth/token is required.");
    }

    private static IResult Error(int status, string error, string? message = null) =>
        Results.Json(new ErrorResponse(error, message), SimulatorJson.Options, statusCode: status);

    /// <summary>Shape checks; messages name fields only, never their values.</summary>
    private static string? Validate(OrderRequest? r)
    {
        if (r is null)
        {
            return "Body is required.";
        }

        if (string.IsNullOrWhiteSpace(r.OrderNumber))
        {
            return "orderNumber is required.";
        }

        if (!Uri.TryCreate(r.CallbackUrl, UriKind.Absolute, out var callback)
            || (callback.Scheme != Uri.UriSchemeHttp && callback.Scheme != Uri.UriSchemeHttps))
        {
            return "callbackUrl must be an absolute http(s) URL.";
        }

        if (r.Lines is not { Count: > 0 })
        {
            return "lines must not be empty.";
        }

        if (r.Lines.Count > MaxLines)
        {
            return $"lines must not have more than {MaxLines} entries.";
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < r.Lines.Count; i++)
        {
            var l = r.Lines[i];
            var at = $"lines[{i}]";
            if (l is null)
            {
                return $"{at} is null.";
            }

            if (string.IsNullOrWhiteSpace(l.LineNumber))
            {
                return $"{at}.lineNumber is required.";
            }

            if (!seen.Add(l.LineNumber))
            {
                return $"{at}.lineNumber is duplicated.";
            }

            if (string.IsNullOrWhiteSpace(l.ProductName))
            {
                return $"{at}.productName is required.";
            }

            if (l.Quantity < 1)
            {
                return $"{at}.quantity must be at least 1.";
            }

            if (l.Patient is null || string.IsNullOrWhiteSpace(l.Patient.FirstName) || string.IsNullOrWhiteSpace(l.Patient.LastName)
                || string.IsNullOrWhiteSpace(l.Patient.DateOfBirth))
            {
                return $"{at}.patient with firstName, lastName and dateOfBirth is required.";
            }

            if (l.Patient.Address is null || string.IsNullOrWhiteSpace(l.Patient.Address.Line1) || string.IsNullOrWhiteSpace(l.Patient.Address.City)
                || string.IsNullOrWhiteSpace(l.Patient.Address.State) || string.IsNullOrWhiteSpace(l.Patient.Address.Zip))
            {
                return $"{at}.patient.address with line1, city, state and zip is required.";
            }

            if (l.Prescriber is null || string.IsNullOrWhiteSpace(l.Prescriber.Npi))
            {
                return $"{at}.prescriber with npi is required.";
            }
        }

        return null;
    }

    /// <summary>
    /// The rules, in order: product in OutOfStockProducts → rejected OUT_OF_STOCK (not fixable); SIG unreadable →
    /// rejected SIG_CLARIFICATION (fixable); product in HoldProducts → on hold (owner PHARMACY); otherwise received.
    /// </summary>
    private static InitialOutcome Decide(OrderLineRequest line, SimulatorOptions o, SigRules sigRules)
    {
        var product = line.ProductName!.Trim();
        if (o.OutOfStockProducts.Any(p => string.Equals(p.Trim(), product, StringComparison.OrdinalIgnoreCase)))
        {
            return new InitialOutcome(EventTypes.Rejected, "OUT_OF_STOCK", $"{product} is out of stock at the pharmacy.", Fixable: false);
        }

        if (sigRules.Check(line.Sig) is { } sigProblem)
        {
            return new InitialOutcome(EventTypes.Rejected, "SIG_CLARIFICATION", sigProblem, Fixable: true);
        }

        if (o.HoldProducts.Any(p => string.Equals(p.Trim(), product, StringComparison.OrdinalIgnoreCase)))
        {
            return new InitialOutcome(EventTypes.OnHold, Message: "Held for pharmacist review.", Owner: "PHARMACY");
        }

        return new InitialOutcome(EventTypes.Received);
    }

    private static string StatusName(LineState state) => state switch
    {
        LineState.Accepted => "accepted",
        LineState.Received => "received",
        LineState.OnHold => "on_hold",
        LineState.Rejected => "rejected",
        LineState.Compounding => "compounding",
        LineState.Shipped => "shipped",
        LineState.Delivered => "delivered",
        _ => "cancelled",
    };

    [LoggerMessage(Level = LogLevel.Information, Message = "Accepted order {Reference} ({OrderNumber}) with {LineCount} line(s)")]
    private static partial void LogAccepted(ILogger logger, string reference, string orderNumber, int lineCount);

    [LoggerMessage(Level = LogLevel.Information, Message = "Replayed the stored response for {Reference} (same Idempotency-Key)")]
    private static partial void LogReplay(ILogger logger, string? reference);

    [LoggerMessage(Level = LogLevel.Information, Message = "Support message for ticket {TicketReference} on {Reference} line {LineNumber} ({MessageCount} message(s))")]
    private static partial void LogSupportMessage(ILogger logger, string ticketReference, string reference, string lineNumber, int messageCount);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Idempotency-Key (length {KeyLength}) reused with a different body: 422")]
    private static partial void LogKeyConflict(ILogger logger, int keyLength);
}
