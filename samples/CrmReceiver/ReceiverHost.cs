using System.Text.Json;
using Microsoft.Extensions.Options;

namespace CrmReceiver;

public static class Entry
{
    public static Task Main(string[] args) => ReceiverHost.Build(args).RunAsync();
}

/// <summary>
/// A brand's CRM receiving Headless webhooks: verifies, drops duplicates and stale updates, answers at once, and prints.
/// Tests host it on Kestrel and replace its <see cref="TimeProvider"/> through <paramref name="configureServices"/>.
/// </summary>
public static class ReceiverHost
{
    public static WebApplication Build(string[] args, Action<IServiceCollection>? configureServices = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ApplicationName = typeof(ReceiverHost).Assembly.GetName().Name });
        builder.Services.AddOptions<ReceiverOptions>().Bind(builder.Configuration.GetSection(ReceiverOptions.Section))
            .Validate(o => o.Secrets.Length > 0 && o.Secrets.All(s => s.StartsWith("whsec_", StringComparison.Ordinal)), "Set CrmReceiver:Secrets to the endpoint's whsec_ secret(s).")
            .ValidateOnStart();
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<Inbox>();
        builder.Services.AddHostedService<InboxPrinter>();
        configureServices?.Invoke(builder.Services);

        var app = builder.Build();
        var o = app.Services.GetRequiredService<IOptions<ReceiverOptions>>().Value;
        app.MapPost(o.Path, async (HttpContext http, Inbox inbox, TimeProvider clock, IOptionsMonitor<ReceiverOptions> monitor) =>
        {
            var options = monitor.CurrentValue;
            if (http.Request.ContentLength > options.MaxBodyBytes)
            {
                return Results.StatusCode(StatusCodes.Status413PayloadTooLarge);
            }

            // Verify the raw bytes, before any parsing.
            using var buffer = new MemoryStream();
            await http.Request.Body.CopyToAsync(buffer, http.RequestAborted);
            var body = buffer.ToArray();
            var h = http.Request.Headers;
            var problem = SignatureVerifier.Verify(
                [.. options.Secrets.Select(SignatureVerifier.Key)], h["webhook-id"], h["webhook-timestamp"], h["webhook-signature"], body, clock.GetUtcNow(), options.Tolerance);
            if (problem is not null)
            {
                inbox.Reject();
                return Results.Json(new { error = problem }, statusCode: StatusCodes.Status401Unauthorized);
            }

            JsonElement json;
            try
            {
                json = JsonDocument.Parse(body).RootElement.Clone();
            }
            catch (JsonException)
            {
                return Results.BadRequest(new { error = "not JSON" });
            }

            // 2xx for duplicates and stale updates too: the sender must not retry them.
            return inbox.Receive(h["webhook-id"]!, json, System.Text.Encoding.UTF8.GetString(body)) switch
            {
                Outcome.Accepted => Results.NoContent(),
                Outcome.Duplicate => Results.Ok(new { duplicate = true }),
                _ => Results.Ok(new { stale = true }),
            };
        });
        app.MapGet("/received", (Inbox inbox) => Results.Json(new { rejected = inbox.Rejected, events = inbox.Accepted.Select(e => new { e.WebhookId, e.Type, e.LineNumber, e.OrderNumber, e.Status, e.Sequence }) }));
        return app;
    }
}
