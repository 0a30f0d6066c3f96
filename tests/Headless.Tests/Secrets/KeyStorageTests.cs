using Headless.Data;
using Headless.Secrets;
using Headless.Tests.Infrastructure;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.EntityFrameworkCore;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Headless.Tests.Secrets;

/// <summary>The key ring lives in the app's own database, under the fixed application name, and never in a file.</summary>
public sealed class KeyStorageTests
{
    [Fact]
    public async Task Keys_live_in_the_database_of_the_app_under_a_fixed_application_name_and_no_key_file_is_written()
    {
        await using var app = HeadlessApp.Sqlite();
        _ = app.Server;

        var keyManagement = app.Services.GetRequiredService<IOptions<KeyManagementOptions>>().Value;
        Assert.IsType<EntityFrameworkCoreXmlRepository<HeadlessDbContext>>(keyManagement.XmlRepository);
        Assert.Equal(SecretsServiceCollectionExtensions.KeyLifetime, keyManagement.NewKeyLifetime);
        Assert.Equal(SecretsServiceCollectionExtensions.ApplicationName, app.Services.GetRequiredService<IOptions<DataProtectionOptions>>().Value.ApplicationDiscriminator);

        // Start-up created the first key (outside any request) in this app's database, and no file holds it.
        var key = Assert.Single(await SecretStore.KeysAsync(app));
        var home = Environment.GetEnvironmentVariable("HOME") ?? Path.GetTempPath();
        var defaultFolder = Path.Combine(home, ".aspnet", "DataProtection-Keys");
        Assert.False(File.Exists(Path.Combine(defaultFolder, $"key-{key.Id:D}.xml")));

        // Migrations run before Data Protection first looks for its table: a fresh database starts without an error.
        Assert.Empty(app.Logs.Errors);

        // Protecting more uses the same key: nothing new is written.
        app.Secrets.Protect("another secret");
        Assert.Equal([key.Id], (await SecretStore.KeysAsync(app)).Select(k => k.Id));
    }
}
