using Headless.Auth;
using Headless.Catalog;
using Headless.Clinics;
using Headless.Data;
using Headless.Organizations;
using Headless.Patients;
using Headless.Prescribers;
using Headless.Secrets;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Headless.Demo;

/// <summary>Settings under Headless:Demo.</summary>
public sealed class DemoOptions
{
    public const string Section = "Headless:Demo";

    /// <summary>Seed the demo organization into an empty database. Null means: only on the embedded SQLite default.</summary>
    public bool? Seed { get; set; }

    /// <summary>The demo API key (environment variable Headless__Demo__ApiKey). Generated and printed once when absent.</summary>
    public string? ApiKey { get; set; }

    /// <summary>
    /// When set (e.g. http://127.0.0.1:5090), every partner pharmacy is pointed at the partner pharmacy simulator
    /// (samples/PartnerPharmacy) with the credentials below, so a demo refill day routes end to end.
    /// </summary>
    public string? PartnerSimulatorUrl { get; set; }

    /// <summary>The simulator's OAuth client; its defaults match samples/PartnerPharmacy's.</summary>
    public string PartnerSimulatorClientId { get; set; } = "headless-demo";

    public string PartnerSimulatorClientSecret { get; set; } = "demo-secret-change-me";

    /// <summary>The Standard Webhooks secret the simulator signs callbacks with.</summary>
    public string PartnerSimulatorWebhookSecret { get; set; } = "whsec_cGFydG5lci1waGFybWFjeS1zaW11bGF0b3ItZGVtbyE=";
}

/// <summary>
/// Seeds the demo organization (slug "demo") with clinics, prescribers and patients, and the shared
/// partner catalog when it is empty. Runs once: an existing demo organization is left alone, except
/// that a configured demo API key is added when the organization does not have it yet.
/// </summary>
public sealed class DemoSeeder(
    HeadlessDatabase database,
    IOptions<DemoOptions> options,
    IOptions<DatabaseOptions> databaseOptions,
    SecretProtector secrets,
    TimeProvider clock,
    ILogger<DemoSeeder> logger)
{
    /// <summary>How to get a new demo key (Operator/KeyCommands), printed in the start-up log.</summary>
    public const string NewKeyHint = "A new one: dotnet run --project src/Headless -- key create --org " + DemoData.OrganizationSlug;

    /// <summary>True when Headless:Demo:Seed is true, or unset on the embedded SQLite provider.</summary>
    public bool IsEnabled => options.Value.Seed ?? databaseOptions.Value.Provider == DatabaseProvider.Sqlite;

    public async Task SeedIfEnabledAsync(CancellationToken cancellationToken)
    {
        if (!IsEnabled)
        {
            return;
        }

        var configuredKey = string.IsNullOrWhiteSpace(options.Value.ApiKey) ? null : options.Value.ApiKey.Trim();
        string? configuredPrefix = null;
        if (configuredKey is not null && !ApiKey.TryParsePrefix(configuredKey, out configuredPrefix))
        {
            throw new InvalidOperationException(
                $"{DemoOptions.Section}:ApiKey must look like '{ApiKey.KeyPrefix}<8 lowercase hex>_<secret of at least 16 characters>'.");
        }

        await using (var db = database.CreatePlatformContext())
        {
            var organization = await db.Organizations.FirstOrDefaultAsync(o => o.Slug == DemoData.OrganizationSlug, cancellationToken);
            if (organization is not null)
            {
                if (configuredKey is not null)
                {
                    await EnsureConfiguredKeyAsync(db, organization.Id, configuredKey, configuredPrefix!, cancellationToken);
                }
                else
                {
                    // The generated key was printed once, at the first start; a restart cannot show it again.
                    logger.LogInformation("Demo organization present; its generated API key was shown at the first start only. {Recovery}", NewKeyHint);
                }
            }
            else
            {
                try
                {
                    await SeedAsync(db, configuredKey, cancellationToken);
                }
                catch (DbUpdateException ex)
                {
                    // Another instance seeded at the same moment (unique slug or key prefix); its data stands.
                    logger.LogWarning("Demo data was not seeded: the database changed while seeding (another instance may have seeded it): {ExceptionType}", ex.GetType().Name);
                }
            }
        }

        await ConnectPartnerSimulatorAsync(cancellationToken);
    }

    private async Task ConnectPartnerSimulatorAsync(CancellationToken cancellationToken)
    {
        var o = options.Value;
        if (string.IsNullOrWhiteSpace(o.PartnerSimulatorUrl) || !Uri.TryCreate(o.PartnerSimulatorUrl.TrimEnd('/') + "/", UriKind.Absolute, out var baseUri))
        {
            return;
        }

        await using var db = database.CreatePlatformContext();
        foreach (var pharmacy in await db.Pharmacies.ToListAsync(cancellationToken))
        {
            pharmacy.ConfigureIntegration(
                baseUri.ToString(), new Uri(baseUri, "oauth/token").ToString(), o.PartnerSimulatorClientId,
                secrets.Protect(o.PartnerSimulatorClientSecret), secrets.Protect(o.PartnerSimulatorWebhookSecret));
        }

        await db.SaveChangesAsync(cancellationToken);
        logger.LogInformation("Demo pharmacies route to the partner pharmacy simulator at {SimulatorUrl}", baseUri);
    }

    private async Task SeedAsync(HeadlessDbContext db, string? configuredKey, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var today = DateOnly.FromDateTime(now.UtcDateTime);

        // The organization's key is needed by every tenant-owned row and those rows have no navigation to it,
        // so the organization is saved first; a transaction keeps the whole seed all-or-nothing.
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);

        var organization = new Organization(DemoData.OrganizationName, DemoData.OrganizationSlug, now);
        db.Organizations.Add(organization);
        await db.SaveChangesAsync(cancellationToken);
        var orgId = organization.Id;

        string? generatedKey = null;
        if (configuredKey is not null)
        {
            db.ApiKeys.Add(ApiKey.FromPlainText(orgId, DemoData.ApiKeyName, configuredKey, now));
        }
        else
        {
            var (key, plain) = ApiKey.Generate(orgId, DemoData.ApiKeyName, now);
            db.ApiKeys.Add(key);
            generatedKey = plain;
        }

        foreach (var c in DemoData.Clinics)
        {
            db.Clinics.Add(new Clinic(orgId, c.Name, DemoData.NpiWithCheckDigit(c.NpiPayload), c.ShipTo.Copy(), c.Billing?.Copy(), c.RoutingPreference, now));
        }

        foreach (var p in DemoData.Prescribers)
        {
            var licenses = p.Licenses.Select(l => new PrescriberLicense(l.State, l.Number, today.AddDays(l.ExpiresInDays)));
            var dea = p.DeaPayload is null ? null : DemoData.DeaWithCheckDigit(p.DeaPayload);
            db.Prescribers.Add(new Prescriber(orgId, p.FirstName, p.LastName, DemoData.NpiWithCheckDigit(p.NpiPayload), dea, licenses, now));
        }

        for (var i = 0; i < DemoData.Patients.Length; i++)
        {
            var p = DemoData.Patients[i];
            var address = new Shared.Address { Line1 = p.Line1, Line2 = p.Line2, City = p.City, State = p.State, Zip = p.Zip };
            db.Patients.Add(new Patient(orgId, $"EVG-{i + 1:D4}", p.FirstName, p.LastName, p.DateOfBirth, address, now));
        }

        // The partner catalog is shared by every organization: seed it only into an empty catalog.
        var catalogSeeded = false;
        if (!await db.Pharmacies.AnyAsync(cancellationToken) && !await db.Products.AnyAsync(cancellationToken))
        {
            var pharmacies = DemoData.Pharmacies.ToDictionary(p => p.Key, p => new Pharmacy(p.Name, p.TurnaroundDays, p.ShippingFee, p.ShipsTo));
            db.Pharmacies.AddRange(pharmacies.Values);
            foreach (var p in DemoData.Products)
            {
                var product = new Product(p.Name, p.Strength, p.Form, p.Schedule);
                db.Products.Add(product);
                foreach (var o in p.Offerings)
                {
                    var offering = new Offering(product, pharmacies[o.PharmacyKey], o.UnitPrice, o.Stock, o.MaxQuantity);
                    if (!o.Active)
                    {
                        offering.Deactivate();
                    }

                    db.Offerings.Add(offering);
                }
            }

            catalogSeeded = true;
        }

        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);

        logger.LogInformation(
            "Seeded the demo organization '{Slug}' ({Clinics} clinics, {Prescribers} prescribers, {Patients} patients); partner catalog {Catalog}.",
            DemoData.OrganizationSlug, DemoData.Clinics.Length, DemoData.Prescribers.Length, DemoData.Patients.Length,
            catalogSeeded ? $"seeded ({DemoData.Pharmacies.Length} pharmacies, {DemoData.Products.Length} products)" : "already present, left unchanged");

        if (generatedKey is not null)
        {
            // An API key, not PHI. Printed once: only its hash is stored.
            logger.LogWarning(
                "Demo API key (shown once): {ApiKey} — use it as 'Authorization: Bearer <key>'. Set {Setting} to choose your own key. Lost it? {Recovery}",
                generatedKey, "Headless__Demo__ApiKey", NewKeyHint);
        }
    }

    private async Task EnsureConfiguredKeyAsync(HeadlessDbContext db, long organizationId, string configuredKey, string prefix, CancellationToken cancellationToken)
    {
        var existing = await db.ApiKeys.IgnoreQueryFilters().FirstOrDefaultAsync(k => k.Prefix == prefix, cancellationToken);
        if (existing is not null)
        {
            if (existing.OrganizationId != organizationId || !existing.Matches(configuredKey))
            {
                logger.LogWarning(
                    "The configured demo API key ({Prefix}) was not added: another key with the same prefix already exists. Choose a different 8-hex prefix.",
                    prefix);
            }

            return;
        }

        db.ApiKeys.Add(ApiKey.FromPlainText(organizationId, DemoData.ApiKeyName, configuredKey, clock.GetUtcNow()));
        try
        {
            await db.SaveChangesAsync(cancellationToken);
            logger.LogInformation("Added the configured demo API key {Prefix} to the demo organization.", prefix);
        }
        catch (DbUpdateException ex)
        {
            logger.LogWarning(ex, "The configured demo API key ({Prefix}) could not be added; another instance may have added it.", prefix);
        }
    }
}

public static class DemoServiceCollectionExtensions
{
    public static IServiceCollection AddDemo(this IServiceCollection services)
    {
        services.AddOptions<DemoOptions>().BindConfiguration(DemoOptions.Section);
        services.AddSingleton<DemoSeeder>();
        return services;
    }
}
