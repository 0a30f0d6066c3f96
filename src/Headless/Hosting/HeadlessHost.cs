namespace Headless.Hosting;

/// <summary>How the service's host is built, whatever directory it is started from.</summary>
public static class HeadlessHost
{
    /// <summary>The category prefix under which IHttpClientFactory's clients log each request.</summary>
    public const string HttpClientLogCategory = "System.Net.Http.HttpClient";

    /// <summary>
    /// A web application builder whose content root (where appsettings.json and appsettings.{Environment}.json
    /// are read from) is the application's own directory, unless the content root is set explicitly
    /// (--contentRoot, ASPNETCORE_CONTENTROOT or DOTNET_CONTENTROOT). The framework's default is the working
    /// directory, so a published service started from elsewhere would silently run without its settings.
    /// </summary>
    public static WebApplicationBuilder CreateBuilder(string[] args)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            Args = args,
            ContentRootPath = ContentRootIsExplicit(args) ? null : AppContext.BaseDirectory,
        });

        // EF Core logs every SQL command at Information. Off by default here, in code, so no settings file is
        // needed to keep SQL (and its parameter shapes) out of production logs; configuration can still turn
        // it on, because configured rules are more specific or come later than this one.
        builder.Services.Configure<LoggerFilterOptions>(o =>
            o.Rules.Insert(0, new LoggerFilterRule(null, "Microsoft.EntityFrameworkCore.Database.Command", LogLevel.Warning, null)));

        // IHttpClientFactory logs four Information lines per request (start and end, at the logical and the client
        // handler) under System.Net.Http.HttpClient.{client name}.*: per partner call that is noise next to the
        // outbox's own line. Warning by default the same way, so configuration can turn them back on.
        builder.Services.Configure<LoggerFilterOptions>(o =>
            o.Rules.Insert(0, new LoggerFilterRule(null, HttpClientLogCategory, LogLevel.Warning, null)));
        return builder;
    }

    private static bool ContentRootIsExplicit(string[] args) =>
        args.Any(a => a.StartsWith("--contentRoot", StringComparison.OrdinalIgnoreCase) || a.StartsWith("/contentRoot", StringComparison.OrdinalIgnoreCase)) ||
        !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("ASPNETCORE_CONTENTROOT")) ||
        !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("DOTNET_CONTENTROOT"));
}
