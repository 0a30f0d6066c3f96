using Microsoft.Extensions.Options;

namespace Headless.Hosting;

/// <summary>
/// The one CORS policy: the configured origins may send GraphQL and tracking requests with a bearer credential.
/// Credentials travel in the Authorization header, never cookies, so the policy does not allow credentials.
/// </summary>
public static class CrossOriginPolicy
{
    public const string Name = "headless";

    public static IServiceCollection AddCrossOriginPolicy(this IServiceCollection services)
    {
        services.AddOptions<CrossOriginOptions>().BindConfiguration(CrossOriginOptions.Section).ValidateDataAnnotations()
            .Validate(o => o.AllowedOrigins.All(IsOrigin),
                "Headless:Cors:AllowedOrigins takes exact origins such as https://app.example.com (scheme, host, optional port; no path, no wildcard).")
            .ValidateOnStart();
        services.AddCors();
        services.AddOptions<Microsoft.AspNetCore.Cors.Infrastructure.CorsOptions>().Configure<IOptions<CrossOriginOptions>>((cors, settings) =>
            cors.AddPolicy(Name, policy => policy
                .WithOrigins([.. settings.Value.AllowedOrigins.Select(o => o.TrimEnd('/'))])
                .WithMethods(HttpMethods.Get, HttpMethods.Post)
                .WithHeaders("Authorization", "Content-Type", "Accept")
                .WithExposedHeaders("Retry-After", "WWW-Authenticate")
                .SetPreflightMaxAge(TimeSpan.FromSeconds(settings.Value.PreflightMaxAgeSeconds))));
        return services;
    }

    /// <summary>Before authentication and the rate limits: a preflight carries no credential and must not be refused for it.</summary>
    public static WebApplication UseCrossOriginPolicy(this WebApplication app)
    {
        app.UseCors(Name);
        return app;
    }

    private static bool IsOrigin(string value) =>
        Uri.TryCreate(value.TrimEnd('/'), UriKind.Absolute, out var uri)
        && (uri.Scheme == Uri.UriSchemeHttps || uri.Scheme == Uri.UriSchemeHttp)
        && uri.AbsolutePath == "/" && string.IsNullOrEmpty(uri.Query) && string.IsNullOrEmpty(uri.Fragment)
        && string.IsNullOrEmpty(uri.UserInfo) && !value.Contains('*', StringComparison.Ordinal);
}
