using System.Security.Claims;
using System.Text;
using Headless.GraphQL;
using Headless.Shared;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;

namespace Headless.Auth;

public static class AuthServiceCollectionExtensions
{
    /// <summary>The scheme every endpoint authenticates with; it forwards to the scheme the bearer token's shape calls for.</summary>
    public const string Scheme = "Headless";

    public static IServiceCollection AddHeadlessAuth(this IServiceCollection services)
    {
        services.AddOptions<AuthOptions>().BindConfiguration(AuthOptions.Section);
        services.AddSingleton<OrganizationClaimResolver>();
        services.AddHttpClient(IntrospectionAuthenticationHandler.HttpClientName, c => c.Timeout = TimeSpan.FromSeconds(10));
        services.AddSingleton<ApiKeyCache>();
        services.AddSingleton<ApiKeys>();
        services.AddSingleton<ISchemaContribution, ApiKeysSchema>();
        services.AddSingleton(new NodeLoader(ApiKey.TypeName, async (db, id, _, ct) =>
        {
            // API keys are not tenant-filtered (authentication finds them before there is a tenant): the organization is checked here.
            var organizationId = db.CurrentOrganizationId;
            return await db.ApiKeys.AsNoTracking().FirstOrDefaultAsync(k => k.Id == id && k.OrganizationId == organizationId, ct);
        }));

        var builder = services.AddAuthentication(Scheme)
            .AddPolicyScheme(Scheme, "API key, JWT or introspected token", o => o.ForwardDefaultSelector = ctx => SelectScheme(ctx, ctx.RequestServices.GetRequiredService<IOptions<AuthOptions>>().Value))
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyAuthenticationHandler.SchemeName, null)
            .AddScheme<AuthenticationSchemeOptions, IntrospectionAuthenticationHandler>(IntrospectionAuthenticationHandler.SchemeName, null);

        builder.AddJwtBearer();
        services.AddOptions<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme).Configure<IOptions<AuthOptions>>((o, auth) =>
        {
            var settings = auth.Value;
            o.MapInboundClaims = false;
            o.TokenValidationParameters = new TokenValidationParameters
            {
                ValidateIssuer = settings.Jwt.Issuer is not null,
                ValidIssuer = settings.Jwt.Issuer,
                ValidateAudience = settings.Jwt.Audience is not null,
                ValidAudience = settings.Jwt.Audience,
                ValidateIssuerSigningKey = true,
                IssuerSigningKey = settings.Jwt.Enabled ? new SymmetricSecurityKey(Encoding.UTF8.GetBytes(settings.Jwt.SigningKey!)) : null,
                RequireExpirationTime = true,
                ClockSkew = TimeSpan.FromSeconds(30),
            };
            o.Events = new JwtBearerEvents
            {
                OnTokenValidated = async ctx =>
                {
                    var orgClaim = ctx.Principal?.FindFirst(settings.Jwt.OrganizationClaim)?.Value;
                    var orgId = await ctx.HttpContext.RequestServices.GetRequiredService<OrganizationClaimResolver>()
                        .ResolveAsync(orgClaim, ctx.HttpContext.RequestAborted);
                    if (orgId is null)
                    {
                        ctx.Fail("The token names no known organization.");
                        return;
                    }

                    ctx.Principal!.AddIdentity(new ClaimsIdentity(
                        [
                            new Claim(HeadlessClaims.OrganizationId, orgId.Value.ToString(System.Globalization.CultureInfo.InvariantCulture)),
                            new Claim(HeadlessClaims.Credential, "jwt"),
                            new Claim(HeadlessClaims.Scope, ScopeRule.FromTokenScopes(ctx.Principal.FindAll(ScopeRule.TokenScopeClaim).Select(c => c.Value)).ToWire()),
                        ]));
                },
            };
        });

        return services;
    }

    private static string SelectScheme(HttpContext context, AuthOptions settings)
    {
        var token = BearerToken.From(context.Request);
        if (token is null || token.StartsWith(ApiKey.KeyPrefix, StringComparison.Ordinal))
        {
            return ApiKeyAuthenticationHandler.SchemeName;
        }

        if (settings.Jwt.Enabled && token.Count(c => c == '.') == 2)
        {
            return JwtBearerDefaults.AuthenticationScheme;
        }

        return settings.Introspection.Enabled ? IntrospectionAuthenticationHandler.SchemeName : ApiKeyAuthenticationHandler.SchemeName;
    }

    /// <summary>The organization key of an authenticated principal, or null.</summary>
    public static long? OrganizationId(this ClaimsPrincipal user) =>
        long.TryParse(user.FindFirst(HeadlessClaims.OrganizationId)?.Value, System.Globalization.CultureInfo.InvariantCulture, out var id) ? id : null;
}
