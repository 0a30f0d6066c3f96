using Headless.Data;
using Headless.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Headless.Tests.Demo;

/// <summary>The embedded default seeds a demo organization once, reachable with the configured key.</summary>
public sealed class DemoSeederTests
{
    private const string Key = "hk_0123abcd_demo-key-for-local-use-only";

    private const string Query = """
        { viewer { organization { name clinics { totalCount } prescribers(first: 10) { totalCount nodes { deaNumber licenses { state active } } } } }
          patients(first: 100) { totalCount nodes { address { state } } } pharmacies { name shipsToStates turnaroundDays }
          tx: catalog(shipToState: "TX", first: 100) { totalCount nodes { product { name controlledSchedule } } }
          all: catalog(first: 100) { totalCount nodes { product { name } stock active } } }
        """;

    [Fact]
    public async Task The_demo_data_is_seeded_once_and_answers_with_the_configured_key()
    {
        var file = Path.Combine(Path.GetTempPath(), $"headless-demo-{Guid.NewGuid():N}.db");
        var settings = new Dictionary<string, string?>
        {
            ["Headless:Demo:Seed"] = "true",
            ["Headless:Demo:ApiKey"] = Key,
            ["Headless:Demo:PartnerSimulatorUrl"] = "http://127.0.0.1:5090",
        };
        try
        {
            string first;
            await using (var app = HeadlessApp.On(DatabaseProvider.Sqlite, $"Data Source={file};Pooling=False", settings))
            {
                var data = await new GraphQLClient(app.CreateClient(), Key).DataAsync(Query);
                first = data.GetRawText();
                Assert.Equal(2, data.At("viewer.organization.clinics.totalCount").GetInt32());
                Assert.Equal(4, data.At("viewer.organization.prescribers.totalCount").GetInt32());
                var prescribers = data.At("viewer.organization.prescribers.nodes").EnumerateArray().ToList();
                Assert.Contains(prescribers, p => p.GetProperty("deaNumber").ValueKind == System.Text.Json.JsonValueKind.Null);
                Assert.Contains(prescribers, p => p.GetProperty("licenses").EnumerateArray().Any(l => !l.GetProperty("active").GetBoolean()));
                Assert.Equal(40, data.At("patients.totalCount").GetInt32());
                Assert.True(data.At("patients.nodes").EnumerateArray().Select(p => p.At("address.state").GetString()).Distinct().Count() >= 8);
                Assert.Equal(3, data.GetProperty("pharmacies").GetArrayLength());
                Assert.Equal(3, data.GetProperty("pharmacies").EnumerateArray().Select(p => p.GetProperty("turnaroundDays").GetInt32()).Distinct().Count());
                Assert.True(data.At("all.nodes").EnumerateArray().Select(n => n.At("product.name").GetString()).Distinct().Count() >= 12);
                Assert.Contains(data.At("tx.nodes").EnumerateArray(), n => n.At("product.controlledSchedule").GetString() == "III");

                await using var db = app.Database.CreatePlatformContext();
                Assert.All(await db.Pharmacies.ToListAsync(), p => Assert.Equal("http://127.0.0.1:5090/", p.ApiBaseUrl));
            }

            // A restart on the same file seeds nothing more.
            await using (var again = HeadlessApp.On(DatabaseProvider.Sqlite, $"Data Source={file};Pooling=False", settings))
            {
                var data = await new GraphQLClient(again.CreateClient(), Key).DataAsync(Query);
                Assert.Equal(first, data.GetRawText());
                await using var db = again.Database.CreatePlatformContext();
                Assert.Equal(1, await db.Organizations.CountAsync());
                Assert.Equal(1, await db.ApiKeys.CountAsync());
            }
        }
        finally
        {
            foreach (var f in new[] { file, file + "-wal", file + "-shm" })
            {
                File.Delete(f);
            }
        }
    }
}
