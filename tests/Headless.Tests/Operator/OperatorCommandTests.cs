using System.Net;
using System.Text.RegularExpressions;
using Headless.Data;
using Headless.GraphQL;
using Headless.Operator;
using Headless.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Headless.Tests.Operator;

/// <summary>
/// The operator commands run in process on the app's own database, the way an operator runs them next to a server:
/// what they create works through the API, bad input exits 1 with a message and changes nothing.
/// </summary>
public abstract partial class OperatorCommandTests(DatabaseProvider provider, PostgresServer? postgres) : ProviderTest(provider, postgres)
{
    private const string WebhookSecret = "whsec_cGFydG5lci1waGFybWFjeS1zaW11bGF0b3ItZGVtbyE=";

    private const string ViewerQuery = "{ viewer { organization { id name } } }";

    // The app migrates its database as it starts; the commands then find it up to date.
    protected override Task InitializeAppAsync() => Task.FromResult(App.Services);

    private async Task<(int Code, string Out, string Err)> RunWithInputAsync(string stdin, params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var host = new OperatorHostSettings
        {
            Settings =
            {
                ["Headless:Database:Provider"] = App.Provider.ToString(),
                ["Headless:Database:ConnectionString"] = App.ConnectionString,
                ["Headless:Demo:Seed"] = "false",
            },
            ConfigureServices = services => services.AddSingleton<TimeProvider>(App.Clock),
        };
        var code = await OperatorCommands.RunAsync(args, new OperatorConsole(new StringReader(stdin), output, error), host);
        return (code, output.ToString(), error.ToString());
    }

    private Task<(int Code, string Out, string Err)> RunAsync(params string[] args) => RunWithInputAsync("", args);

    private async Task<(string OrgId, string Key)> CreateOrgAsync(string name)
    {
        var (code, output, error) = await RunAsync("org", "create", "--name", name);
        Assert.True(code == 0, error);
        return (OrgIdPattern().Match(output).Groups[1].Value, KeyPattern().Match(output).Groups[1].Value);
    }

    [ProviderFact]
    public async Task An_organization_created_by_the_command_is_served_with_its_first_key()
    {
        var (code, output, error) = await RunAsync("org", "create", "--name", "Northwind Health");

        Assert.Equal(0, code);
        Assert.Equal("", error);
        var orgId = OrgIdPattern().Match(output).Groups[1].Value;
        var key = KeyPattern().Match(output).Groups[1].Value;
        Assert.True(GlobalId.TryDecode(orgId, "Organization", out _), output);
        Assert.Contains("slug northwind-health", output);

        var viewer = await new GraphQLClient(App.CreateClient(), key).DataAsync(ViewerQuery);
        Assert.Equal(orgId, viewer.At("viewer.organization.id").GetString());
        Assert.Equal("Northwind Health", viewer.At("viewer.organization.name").GetString());

        var again = await RunAsync("org", "create", "--name", "Northwind Health");
        Assert.Equal(1, again.Code);
        Assert.Contains("slug 'northwind-health' already exists", again.Err);
    }

    [ProviderFact]
    public async Task Org_list_shows_every_organization_with_its_key_counts()
    {
        var (first, firstKey) = await CreateOrgAsync("Alpha Brand");
        var (second, _) = await CreateOrgAsync("Beta Brand");
        Assert.Equal(0, (await RunAsync("key", "create", "--org", "beta-brand", "--name", "CI")).Code);
        Assert.Equal(0, (await RunAsync("key", "revoke", firstKey[..11])).Code);

        var (code, output, _) = await RunAsync("org", "list");

        Assert.Equal(0, code);
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Equal(4, lines.Length);
        Assert.Matches($"^{Regex.Escape(first)} +alpha-brand +2026-11-25 15:00:00 +0 \\(\\+1 revoked\\) +Alpha Brand$", lines[1]);
        Assert.Matches($"^{Regex.Escape(second)} +beta-brand +2026-11-25 15:00:00 +2 +Beta Brand$", lines[2]);
        Assert.Equal("2 organization(s).", lines[3]);
    }

    [ProviderFact]
    public async Task A_revoked_key_gets_401_and_an_unknown_prefix_exits_1()
    {
        var (_, key) = await CreateOrgAsync("Gamma Brand");
        var client = new GraphQLClient(App.CreateClient(), key);
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsync(ViewerQuery)).Status);

        var (code, output, _) = await RunAsync("key", "revoke", key[..11]);

        Assert.Equal(0, code);
        Assert.Contains($"Revoked API key {key[..11]}", output);

        // The command is another process: the server holds an authenticated key's row for up to a second.
        App.Clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.PostAsync(ViewerQuery)).Status);

        var unknown = await RunAsync("key", "revoke", "hk_00000000");
        Assert.Equal(1, unknown.Code);
        Assert.Equal("error: No API key has the prefix hk_00000000.\n", unknown.Err.ReplaceLineEndings("\n"));

        var malformed = await RunAsync("key", "revoke", "not-a-prefix");
        Assert.Equal(1, malformed.Code);
        Assert.Contains("is not a key prefix", malformed.Err);
    }

    [ProviderFact]
    public async Task Key_create_gives_an_organization_a_new_working_key()
    {
        var (orgId, firstKey) = await CreateOrgAsync("Delta Brand");

        var (code, output, _) = await RunAsync("key", "create", "--org", orgId);

        Assert.Equal(0, code);
        var key = KeyPattern().Match(output).Groups[1].Value;
        Assert.NotEqual(firstKey, key);
        var viewer = await new GraphQLClient(App.CreateClient(), key).DataAsync(ViewerQuery);
        Assert.Equal(orgId, viewer.At("viewer.organization.id").GetString());

        var unknown = await RunAsync("key", "create", "--org", "no-such-brand");
        Assert.Equal(1, unknown.Code);
        Assert.Contains("No organization has the ID or slug 'no-such-brand'", unknown.Err);
    }

    [ProviderFact]
    public async Task Pharmacy_configure_reads_its_secrets_from_standard_input_and_stores_them_encrypted()
    {
        var add = await RunAsync("pharmacy", "add", "--name", "Lone Star Compounding", "--states", "TX,ok", "--turnaround-days", "3", "--shipping-fee", "1500");
        Assert.Equal(0, add.Code);
        var pharmacyId = PharmacyIdPattern().Match(add.Out).Groups[1].Value;
        Assert.Contains("ships to OK,TX", add.Out);

        var (code, output, error) = await RunWithInputAsync(
            $"client-secret-8c1f\n{WebhookSecret}\n",
            "pharmacy", "configure", "Lone Star Compounding", "--api-base-url", "https://api.lonestar.example/v1/", "--token-endpoint", "https://api.lonestar.example/oauth/token", "--client-id", "headless");

        Assert.True(code == 0, error);
        Assert.DoesNotContain("client-secret-8c1f", output);
        Assert.Contains(pharmacyId, output);
        GlobalId.TryDecode(pharmacyId, "Pharmacy", out var id);
        await using var db = App.Database.CreatePlatformContext();
        var pharmacy = await db.Pharmacies.AsNoTracking().SingleAsync(p => p.Id == id);
        Assert.Equal("https://api.lonestar.example/v1/", pharmacy.ApiBaseUrl);
        Assert.Equal("headless", pharmacy.ClientId);
        Assert.True(pharmacy.ClientSecret!.IsProtected);
        Assert.True(pharmacy.WebhookSecret!.IsProtected);
        Assert.DoesNotContain("client-secret-8c1f", pharmacy.ClientSecret.Stored);
        Assert.DoesNotContain("cGFydG5lci1waGFybWFjeS1zaW11bGF0b3ItZGVtbyE", pharmacy.WebhookSecret.Stored);
        Assert.Equal("client-secret-8c1f", App.Secrets.Reveal(pharmacy.ClientSecret));
        Assert.Equal(WebhookSecret, App.Secrets.Reveal(pharmacy.WebhookSecret));

        var noInput = await RunWithInputAsync("", "pharmacy", "configure", pharmacyId, "--api-base-url", "https://a.example/", "--token-endpoint", "https://a.example/t", "--client-id", "x");
        Assert.Equal(1, noInput.Code);
        Assert.Contains("Standard input ended before the OAuth client secret", noInput.Err);

        var badWebhook = await RunWithInputAsync("s3cret\nnot-a-whsec\n", "pharmacy", "configure", pharmacyId, "--api-base-url", "https://a.example/", "--token-endpoint", "https://a.example/t", "--client-id", "x");
        Assert.Equal(1, badWebhook.Code);
        Assert.Contains("must be a Standard Webhooks secret", badWebhook.Err);
        await using var after = App.Database.CreatePlatformContext();
        Assert.Equal("https://api.lonestar.example/v1/", (await after.Pharmacies.AsNoTracking().SingleAsync(p => p.Id == id)).ApiBaseUrl);
    }

    [ProviderFact]
    public async Task A_catalog_import_with_one_bad_row_changes_nothing_and_names_its_line()
    {
        await AddPharmaciesAsync();
        var file = await CsvAsync("""
            pharmacy,product,strength,form,schedule,unit_price,stock,max_quantity,active
            Lone Star Compounding,Semaglutide,2.5 mg/mL,injection vial,,19900,40,4,true
            Lone Star Compounding,Testosterone cypionate,200 mg/mL,injection vial,III,abc,10,2,true
            "Pacific Compounding","Semaglutide","2.5 mg/mL","injection vial",,18900,12,4,
            """);

        var (code, output, error) = await RunAsync("catalog", "import", file);

        Assert.Equal(1, code);
        Assert.Equal("", output);
        Assert.Equal(
            $"error: {Path.GetFileName(file)}: 1 bad row(s); nothing was imported.\n  line 3: unit_price 'abc' is not a whole number of 1 or more (minor units: cents).\n",
            error.ReplaceLineEndings("\n"));
        await using var db = App.Database.CreatePlatformContext();
        Assert.Equal(0, await db.Products.CountAsync());
        Assert.Equal(0, await db.Offerings.CountAsync());
    }

    [ProviderFact]
    public async Task A_catalog_import_reports_what_it_created_and_a_second_identical_import_changes_nothing()
    {
        await AddPharmaciesAsync();
        var csv = """"
            pharmacy,product,strength,form,schedule,unit_price,stock,max_quantity,active
            Lone Star Compounding,Semaglutide,2.5 mg/mL,injection vial,,19900,40,4,true
            Lone Star Compounding,Testosterone cypionate,200 mg/mL,injection vial,III,4500,10,2,true

            "Pacific Compounding","Semaglutide","2.5 mg/mL","injection vial",,18900,12,4,
            Pacific Compounding,"NAD+, ""buffered""",100 mg/mL,injection vial,,9900,0,6,false
            """";
        var file = await CsvAsync(csv);

        var first = await RunAsync("catalog", "import", file);

        Assert.True(first.Code == 0, first.Err);
        var name = Path.GetFileName(file);
        Assert.Equal(
            $"""
            Imported {name}: 4 row(s), 4 created, 0 updated, 0 unchanged; 3 new product(s).
              line 2: created Semaglutide 2.5 mg/mL injection vial at Lone Star Compounding: unit_price 19900, stock 40, max_quantity 4, active
              line 3: created Testosterone cypionate 200 mg/mL injection vial at Lone Star Compounding: unit_price 4500, stock 10, max_quantity 2, active
              line 5: created Semaglutide 2.5 mg/mL injection vial at Pacific Compounding: unit_price 18900, stock 12, max_quantity 4, active
              line 6: created NAD+, "buffered" 100 mg/mL injection vial at Pacific Compounding: unit_price 9900, stock 0, max_quantity 6, inactive

            """,
            first.Out.ReplaceLineEndings("\n"));

        var second = await RunAsync("catalog", "import", file);
        Assert.Equal(0, second.Code);
        Assert.Equal($"Imported {name}: 4 row(s), 0 created, 0 updated, 4 unchanged; 0 new product(s).\n  unchanged: line(s) 2, 3, 5, 6\n", second.Out.ReplaceLineEndings("\n"));

        var changed = await CsvAsync(csv.Replace("19900,40,4,true", "21900,35,4,true").Replace("9900,0,6,false", "9900,0,6,true"));
        var third = await RunAsync("catalog", "import", changed);
        Assert.Equal(0, third.Code);
        Assert.Contains("0 created, 2 updated, 2 unchanged; 0 new product(s).", third.Out);
        Assert.Contains("line 2: updated Semaglutide 2.5 mg/mL injection vial at Lone Star Compounding: unit_price 19900 -> 21900, stock 40 -> 35\n", third.Out.ReplaceLineEndings("\n"));
        Assert.Contains("line 6: updated NAD+, \"buffered\" 100 mg/mL injection vial at Pacific Compounding: active false -> true\n", third.Out.ReplaceLineEndings("\n"));

        await using var db = App.Database.CreatePlatformContext();
        var sema = await db.Offerings.AsNoTracking().Include(o => o.Pharmacy).SingleAsync(o => o.UnitPrice == 21900);
        Assert.Equal((35, 4, true, "Lone Star Compounding"), (sema.Stock, sema.MaxQuantity, sema.Active, sema.Pharmacy.Name));
        Assert.Equal(3, await db.Products.CountAsync());
        Assert.Equal("III", (await db.Products.SingleAsync(p => p.Name == "Testosterone cypionate")).ControlledSchedule);
    }

    [ProviderFact]
    public async Task A_catalog_import_names_every_bad_row()
    {
        await AddPharmaciesAsync();
        var file = await CsvAsync("""
            pharmacy,product,strength,form,unit_price,stock,max_quantity
            Nowhere Pharmacy,Semaglutide,2.5 mg/mL,injection vial,19900,40,4
            Lone Star Compounding,,2.5 mg/mL,injection vial,19900,-1,0
            Lone Star Compounding,Semaglutide,2.5 mg/mL,injection vial,19900,40,4
            Lone Star Compounding,Semaglutide,2.5 mg/mL,injection vial,19900,41,4
            Lone Star Compounding,Semaglutide,2.5 mg/mL
            """);

        var (code, _, error) = await RunAsync("catalog", "import", file);

        Assert.Equal(1, code);
        Assert.Equal(
            $"""
            error: {Path.GetFileName(file)}: 4 bad row(s); nothing was imported.
              line 2: no pharmacy is named 'Nowhere Pharmacy' ('pharmacy add' adds one).
              line 3: product is empty; stock '-1' is not a whole number of 0 or more; max_quantity '0' is not a whole number of 1 or more.
              line 5: the same pharmacy and product as line 4.
              line 6: 3 field(s) where the header has 7.

            """,
            error.ReplaceLineEndings("\n"));
    }

    [ProviderFact]
    public async Task Bad_input_exits_1_with_a_message_and_help_exits_0()
    {
        var noName = await RunAsync("org", "create");
        Assert.Equal(1, noName.Code);
        Assert.Contains("Option '--name' is required.", noName.Err);

        var badState = await RunAsync("pharmacy", "add", "--name", "X", "--states", "TX,XX", "--turnaround-days", "3", "--shipping-fee", "0");
        Assert.Equal(1, badState.Code);
        Assert.Equal("error: --states has unknown state code(s): XX.\n", badState.Err.ReplaceLineEndings("\n"));

        var notANumber = await RunAsync("pharmacy", "add", "--name", "X", "--states", "TX", "--turnaround-days", "three", "--shipping-fee", "0");
        Assert.Equal(1, notANumber.Code);
        Assert.Contains("three", notANumber.Err);

        var noFile = await RunAsync("catalog", "import", "/nonexistent/catalog.csv");
        Assert.Equal(1, noFile.Code);
        Assert.Contains("No file at /nonexistent/catalog.csv", noFile.Err);

        var unknown = await RunAsync("org", "delete");
        Assert.Equal(1, unknown.Code);

        var help = await RunAsync("catalog", "import", "--help");
        Assert.Equal(0, help.Code);
        Assert.Contains("--dry-run", help.Out);

        await using var db = App.Database.CreatePlatformContext();
        Assert.Equal(0, await db.Pharmacies.CountAsync());
    }

    [ProviderFact]
    public async Task Migrate_reports_an_up_to_date_database()
    {
        var (code, output, _) = await RunAsync("migrate");

        Assert.Equal(0, code);
        Assert.Equal($"The {App.Provider} database is up to date; no migration applied.\n", output.ReplaceLineEndings("\n"));
    }

    [Fact]
    public void Without_a_command_the_executable_serves()
    {
        Assert.False(OperatorCommands.Handles([]));
        Assert.False(OperatorCommands.Handles(["--urls", "http://127.0.0.1:5000"]));
        Assert.False(OperatorCommands.Handles(["--Headless:Database:Provider=Postgres"]));
        Assert.True(OperatorCommands.Handles(["org", "list"]));
        Assert.True(OperatorCommands.Handles(["--help"]));
    }

    [ProviderFact]
    public async Task The_app_started_without_a_command_answers()
    {
        var response = await App.CreateClient().GetAsync("/health/live");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    private async Task AddPharmaciesAsync()
    {
        Assert.Equal(0, (await RunAsync("pharmacy", "add", "--name", "Lone Star Compounding", "--states", "TX,OK", "--turnaround-days", "3", "--shipping-fee", "1500")).Code);
        Assert.Equal(0, (await RunAsync("pharmacy", "add", "--name", "Pacific Compounding", "--states", "CA,WA,OR", "--turnaround-days", "2", "--shipping-fee", "1200")).Code);
    }

    private static async Task<string> CsvAsync(string content)
    {
        var path = Path.Combine(Path.GetTempPath(), $"catalog-{Guid.NewGuid():N}.csv");
        await File.WriteAllTextAsync(path, content + "\n");
        return path;
    }

    [GeneratedRegex("Organization ID: (\\S+)")]
    private static partial Regex OrgIdPattern();

    [GeneratedRegex("Pharmacy ID: (\\S+)")]
    private static partial Regex PharmacyIdPattern();

    [GeneratedRegex(": (hk_[0-9a-f]{8}_\\S+)")]
    private static partial Regex KeyPattern();
}

public sealed class OperatorCommandTestsOnSqlite() : OperatorCommandTests(DatabaseProvider.Sqlite, null);

[Collection(PostgresCollection.Name)]
public sealed class OperatorCommandTestsOnPostgres(PostgresServer postgres) : OperatorCommandTests(DatabaseProvider.Postgres, postgres);
