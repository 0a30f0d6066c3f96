using System.Text.Json;
using Headless.Data;
using Headless.Tests.Infrastructure;

namespace Headless.Tests.Carts;

/// <summary>
/// The product's heart: a 20-patient refill day built in one cartLinesAdd call, one seeded problem per
/// rule, each reported on the right line, fixed in place and validated clean. Runs on SQLite and PostgreSQL.
/// </summary>
public abstract class RefillDayTests(DatabaseProvider provider, PostgresServer? postgres) : ProviderTest(provider, postgres)
{
    private static readonly object NewYork = new { line1 = "1 Broadway", city = "New York", state = "NY", zip = "10004" };

    [ProviderFact]
    public async Task Every_seeded_problem_is_reported_on_its_line_then_fixed_in_place_and_validated_clean()
    {
        var f = await CartData.CreateAsync(App, 20);
        var c = f.Tenant.Client;
        var p = f.Patients;
        var cat = f.Catalog;
        var good = CartData.GoodSig;
        var lines = new List<object>
        {
            /* 0 REQUIRED_FIELD_MISSING */ new { patientId = p[0], offeringId = cat.SemaEast, quantity = 1, daysSupply = 28, prescriberId = f.Prescriber },
            /* 1 SIG_INCOMPLETE */ new { patientId = p[1], offeringId = cat.SemaEast, quantity = 1, sig = "Inject weekly", daysSupply = 28, prescriberId = f.Prescriber },
            /* 2 PRESCRIBER_NOT_LICENSED */ new { patientId = p[2], offeringId = cat.SemaEast, quantity = 1, sig = good, daysSupply = 28, prescriberId = f.PrescriberNoDea, shipTo = NewYork },
            /* 3 DEA_REQUIRED */ new { patientId = p[3], offeringId = cat.TestoEast, quantity = 1, sig = "Inject 100 mg IM every 7 days", daysSupply = 28, prescriberId = f.PrescriberNoDea },
            /* 4 PHARMACY_NOT_LICENSED */ new { patientId = p[4], offeringId = cat.SemaWest, quantity = 1, sig = good, daysSupply = 28, prescriberId = f.Prescriber, shipTo = NewYork },
            /* 5 OUT_OF_STOCK (with 6) */ new { patientId = p[5], offeringId = cat.NadWest, quantity = 3, sig = "Inject 100 mg SC three times weekly", daysSupply = 30, prescriberId = f.Prescriber },
            /* 6 OUT_OF_STOCK (with 5) */ new { patientId = p[6], offeringId = cat.NadWest, quantity = 3, sig = "Inject 100 mg SC three times weekly", daysSupply = 30, prescriberId = f.Prescriber },
            /* 7 QUANTITY_LIMIT */ new { patientId = p[7], offeringId = cat.SemaEast, quantity = 4, sig = good, daysSupply = 120, prescriberId = f.Prescriber },
            /* 8 PRODUCT_UNAVAILABLE */ new { patientId = p[8], offeringId = cat.OxytocinWestInactive, quantity = 1, sig = "Inject 10 units SC daily", daysSupply = 30, prescriberId = f.Prescriber },
            /* 9 ADDRESS_INVALID */ new { patientId = p[9], offeringId = cat.SemaEast, quantity = 1, sig = good, daysSupply = 28, prescriberId = f.Prescriber, shipTo = new { line1 = "5 Elm St", city = "Austin", state = "TX", zip = "7870" } },
            /* 10 fine */ CartData.GoodLine(p[10], f.Prescriber, cat.SemaEast),
            /* 11 DUPLICATE_FILL */ CartData.GoodLine(p[10], f.Prescriber, cat.SemaWest),
            /* 12 LONG_TURNAROUND warning */ new { patientId = p[12], offeringId = cat.SermorelinSlow, quantity = 1, sig = "Inject 0.3 mg subq at bedtime", daysSupply = 30, prescriberId = f.Prescriber },
        };
        for (var i = 13; i < 20; i++)
        {
            lines.Add(new { patientId = p[i], productId = cat.Semaglutide, quantity = 1, sig = good, daysSupply = 28, prescriberId = f.Prescriber });
        }

        lines.Add(new { patientId = p[11], productId = cat.Testosterone, quantity = 1, sig = "Inject 100 mg IM every 7 days", daysSupply = 28, prescriberId = f.Prescriber });

        var add = (await c.DataAsync(CartData.Add, new { clinicId = f.ClinicId, lines })).GetProperty("cartLinesAdd");
        Assert.Empty(add.UserErrorCodes());
        var cart = add.GetProperty("cart");
        Assert.Equal(21, cart.GetProperty("lineCount").GetInt32());
        Assert.Equal(20, cart.GetProperty("patientCount").GetInt32());
        var ids = cart.At("lines.nodes").EnumerateArray().Select(n => n.GetProperty("id").GetString()!).ToList();

        var validated = (await c.DataAsync(CartData.Validate, new { cartId = cart.GetProperty("id").GetString() })).GetProperty("cartValidate");
        var byLine = validated.At("cart.lines.nodes").EnumerateArray().ToList();
        string[] Errors(int i) => byLine[i].GetProperty("issues").EnumerateArray().Where(x => x.GetProperty("severity").GetString() == "ERROR").Select(x => x.GetProperty("code").GetString()!).ToArray();
        string[] Warnings(int i) => byLine[i].GetProperty("issues").EnumerateArray().Where(x => x.GetProperty("severity").GetString() == "WARNING").Select(x => x.GetProperty("code").GetString()!).ToArray();

        Assert.Equal(["REQUIRED_FIELD_MISSING"], Errors(0));
        Assert.Equal("sig", byLine[0].At("issues.0.field.0").GetString());
        Assert.Equal(["SIG_INCOMPLETE"], Errors(1));
        Assert.Equal(["PRESCRIBER_NOT_LICENSED"], Errors(2));
        Assert.Equal(["DEA_REQUIRED"], Errors(3));
        Assert.Equal(["PHARMACY_NOT_LICENSED"], Errors(4));
        Assert.Equal(["OUT_OF_STOCK"], Errors(5));
        Assert.Equal(["OUT_OF_STOCK"], Errors(6));
        Assert.Equal(["QUANTITY_LIMIT"], Errors(7));
        Assert.Equal("daysSupply", byLine[7].At("issues.0.field.0").GetString());
        Assert.Equal(["PRODUCT_UNAVAILABLE"], Errors(8));
        Assert.Equal(["ADDRESS_INVALID"], Errors(9));
        Assert.Equal(["zip"], byLine[9].At("issues.0.field").EnumerateArray().Skip(1).Select(x => x.GetString()));
        Assert.Empty(Errors(10));
        Assert.Equal(["DUPLICATE_FILL"], Errors(11));
        Assert.Empty(Errors(12));
        Assert.Contains("LONG_TURNAROUND", Warnings(12));
        Assert.Contains("CHEAPER_PHARMACY_AVAILABLE", Warnings(4));
        Assert.All(Enumerable.Range(13, 8), i => Assert.Empty(Errors(i)));
        Assert.Equal(11, validated.At("validation.errorCount").GetInt32());
        Assert.False(validated.At("validation.passed").GetBoolean());
        Assert.False(validated.At("cart.checkoutReady").GetBoolean());
        Assert.Equal(11, validated.At("validation.issues.nodes").EnumerateArray().Count(i => i.GetProperty("severity").GetString() == "ERROR"));
        Assert.All(validated.At("validation.issues.nodes").EnumerateArray(), i => Assert.Contains(i.GetProperty("lineId").GetString(), ids));

        // Fix every problem in place.
        var cartId = cart.GetProperty("id").GetString()!;
        var fixes = new object[]
        {
            new { lineId = ids[0], sig = good },
            new { lineId = ids[1], sig = "Inject 0.25 mg subcutaneously once weekly" },
            new { lineId = ids[2], prescriberId = f.Prescriber },
            new { lineId = ids[3], prescriberId = f.Prescriber },
            new { lineId = ids[4], pharmacyId = cat.EastPharmacy },
            new { lineId = ids[6], quantity = 2 },
            new { lineId = ids[7], daysSupply = 84 },
            new { lineId = ids[8], offeringId = cat.OxytocinEast },
            new { lineId = ids[9], shipToPatientAddress = true },
        };
        var update = (await c.DataAsync(CartData.Update, new { cartId, lines = fixes })).GetProperty("cartLinesUpdate");
        Assert.Empty(update.UserErrorCodes());
        var remove = (await c.DataAsync(CartData.Remove, new { cartId, ids = new[] { ids[11] } })).GetProperty("cartLinesRemove");
        Assert.Empty(remove.UserErrorCodes());
        Assert.False(remove.At("cart.latestValidation.current").GetBoolean());

        var clean = (await c.DataAsync(CartData.Validate, new { cartId })).GetProperty("cartValidate");
        Assert.Equal(0, clean.At("validation.errorCount").GetInt32());
        Assert.True(clean.At("validation.passed").GetBoolean());
        Assert.True(clean.At("cart.checkoutReady").GetBoolean());
        Assert.Equal(20, clean.At("cart.lineCount").GetInt32());

        // Any edit after validation makes the cart need validating again.
        var edit = (await c.DataAsync(CartData.Update, new { cartId, lines = new[] { new { lineId = ids[10], quantity = 2 } } })).GetProperty("cartLinesUpdate");
        Assert.False(edit.At("cart.checkoutReady").GetBoolean());
    }

    [ProviderFact]
    public async Task A_license_that_expires_makes_the_prescriber_unlicensed_for_that_state()
    {
        var f = await CartData.CreateAsync(App, 1);
        var line = new { patientId = f.Patients[0], offeringId = f.Catalog.SemaEast, quantity = 1, sig = CartData.GoodSig, daysSupply = 28, prescriberId = f.PrescriberExpiredInNy, shipTo = NewYork };
        var cartId = (await f.Tenant.Client.DataAsync(CartData.Add, new { clinicId = f.ClinicId, lines = new[] { line } })).At("cartLinesAdd.cart.id").GetString();

        var today = (await f.Tenant.Client.DataAsync(CartData.Validate, new { cartId })).GetProperty("cartValidate");
        App.Clock.Advance(TimeSpan.FromDays(2));
        var later = (await f.Tenant.Client.DataAsync(CartData.Validate, new { cartId })).GetProperty("cartValidate");

        Assert.Equal(0, today.At("validation.errorCount").GetInt32());
        Assert.Equal(["PRESCRIBER_NOT_LICENSED"], later.At("validation.issues.nodes").EnumerateArray().Select(i => i.GetProperty("code").GetString()));
    }

    [ProviderFact]
    public async Task Validating_an_empty_cart_passes_but_it_is_not_ready_for_checkout()
    {
        var f = await CartData.CreateAsync(App, 0);
        var cart = (await f.Tenant.Client.DataAsync(CartData.Read, new { clinicId = f.ClinicId })).GetProperty("cart");
        var v = (await f.Tenant.Client.DataAsync(CartData.Validate, new { cartId = cart.GetProperty("id").GetString() })).GetProperty("cartValidate");

        Assert.True(v.At("validation.passed").GetBoolean());
        Assert.False(v.At("cart.checkoutReady").GetBoolean());
        Assert.Equal(JsonValueKind.Null, cart.GetProperty("latestValidation").ValueKind);
    }
}

public sealed class RefillDayTestsOnSqlite() : RefillDayTests(DatabaseProvider.Sqlite, null);

[Collection(PostgresCollection.Name)]
public sealed class RefillDayTestsOnPostgres(PostgresServer postgres) : RefillDayTests(DatabaseProvider.Postgres, postgres);
