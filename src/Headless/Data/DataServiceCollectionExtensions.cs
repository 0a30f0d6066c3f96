using Microsoft.EntityFrameworkCore;

namespace Headless.Data;

public static class DataServiceCollectionExtensions
{
    public static IServiceCollection AddData(this IServiceCollection services)
    {
        services.AddOptions<DatabaseOptions>().BindConfiguration(DatabaseOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<HeadlessDatabase>();
        services.AddOptions<RedisOptions>().BindConfiguration(RedisOptions.Section);
        services.AddSingleton<RedisConnection>();
        services.AddScoped<TenantContext>();
        services.AddScoped<IDbContextFactory<HeadlessDbContext>, TenantDbContextFactory>();

        // For code that runs serially within one scope (mutations, background work): one context per scope.
        services.AddScoped(sp => sp.GetRequiredService<IDbContextFactory<HeadlessDbContext>>().CreateDbContext());
        services.AddHealthChecks()
            .AddCheck<DatabaseHealthCheck>("database", tags: ["ready"])
            .AddCheck<RedisHealthCheck>("redis", tags: ["ready"]);
        return services;
    }
}
