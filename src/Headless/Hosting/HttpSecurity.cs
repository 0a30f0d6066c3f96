using System.Net;
using System.Text.Json;
using Headless.Transport;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.AspNetCore.HttpsPolicy;
using Microsoft.Extensions.Options;

namespace Headless.Hosting;

/// <summary>
/// The outermost layer of every request: forwarded headers from trusted proxies, HTTPS redirection and HSTS,
/// security headers, and a last-resort handler that answers an unhandled exception with a 500 carrying only a
/// code and a correlation id (the same id is in the error log line).
/// </summary>
public static class HttpSecurity
{
    private const string ContentSecurityPolicy = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

    public static IServiceCollection AddHttpSecurity(this IServiceCollection services)
    {
        services.AddOptions<HttpSecurityOptions>().BindConfiguration(HttpSecurityOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<ForwardedHeadersOptions>().Configure<IOptions<HttpSecurityOptions>>((o, settings) =>
        {
            o.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto;
            o.KnownProxies.Clear();
            o.KnownIPNetworks.Clear();
            foreach (var proxy in settings.Value.KnownProxies)
            {
                o.KnownProxies.Add(IPAddress.Parse(proxy));
            }

            foreach (var network in settings.Value.KnownNetworks)
            {
                o.KnownIPNetworks.Add(System.Net.IPNetwork.Parse(network));
            }
        });
        services.AddHsts(_ => { });
        services.AddOptions<HstsOptions>().Configure<IOptions<HttpSecurityOptions>>((o, settings) => o.MaxAge = TimeSpan.FromDays(settings.Value.HstsMaxAgeDays));
        services.AddHttpsRedirection(_ => { });
        services.AddOptions<HttpsRedirectionOptions>().Configure<IOptions<HttpSecurityOptions>>((o, settings) =>
        {
            o.RedirectStatusCode = StatusCodes.Status308PermanentRedirect;
            o.HttpsPort = settings.Value.HttpsPort;
        });
        return services;
    }

    public static WebApplication UseHttpSecurity(this WebApplication app)
    {
        var settings = app.Services.GetRequiredService<IOptions<HttpSecurityOptions>>().Value;
        if (settings.BehindProxy)
        {
            app.UseForwardedHeaders();
        }

        app.Use(AddSecurityHeaders);
        app.Use(AnswerUnhandledExceptions);
        if (settings.HttpsRequired(app.Environment))
        {
            app.UseHsts();
            app.UseHttpsRedirection();
        }

        return app;
    }

    private static Task AddSecurityHeaders(HttpContext context, Func<Task> next)
    {
        context.Response.OnStarting(static state =>
        {
            var headers = ((HttpResponse)state).Headers;
            headers.XContentTypeOptions = "nosniff";
            headers.XFrameOptions = "DENY";
            headers["Referrer-Policy"] = "no-referrer";

            // Every answer gets this policy unless its endpoint set a stricter-scoped one of its own (the tracking page
            // allows its one inline style block by hash); any page starts from this one.
            if (string.IsNullOrEmpty(headers.ContentSecurityPolicy))
            {
                headers.ContentSecurityPolicy = ContentSecurityPolicy;
            }
            return Task.CompletedTask;
        }, context.Response);
        return next();
    }

    private static async Task AnswerUnhandledExceptions(HttpContext context, Func<Task> next)
    {
        try
        {
            await next();
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The client left; there is no one to answer.
        }
        catch (Exception ex)
        {
            var correlationId = CorrelationId.Of(context);

            // Never the message (it can carry request values, i.e. PHI) and never the path (it can carry a token).
            context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("Headless.Http").LogError(
                "Unhandled {ExceptionType} in {Endpoint}; correlation id {CorrelationId}{NewLine}{StackTrace}",
                ex.GetType().FullName, context.GetEndpoint()?.DisplayName ?? "(no endpoint)", correlationId, Environment.NewLine, ex.StackTrace);
            if (context.Response.HasStarted)
            {
                throw;
            }

            context.Response.Clear();
            context.Response.StatusCode = StatusCodes.Status500InternalServerError;
            context.Response.ContentType = "application/json; charset=utf-8";
            object body = context.Request.Path.StartsWithSegments("/graphql")
                ? new { errors = new[] { new { message = "Internal server error.", extensions = new { code = "INTERNAL_SERVER_ERROR", correlationId } } } }
                : new { code = "INTERNAL_SERVER_ERROR", correlationId };
            await JsonSerializer.SerializeAsync(context.Response.Body, body, cancellationToken: context.RequestAborted);
        }
    }
}
