using Headless.Carts;
using Headless.Carts.Validation;
using Headless.Catalog;
using Headless.Tests.Infrastructure;
using static Headless.Tests.Infrastructure.InMemory;

namespace Headless.Tests.Carts.Validation;

/// <summary>
/// Every preflight rule of <see cref="CartValidator.Evaluate"/> on both sides of its limit, in memory: boundaries
/// (days supply 0/1/90/91, quantity max/max+1, stock at and past the summed demand, turnaround 6/7, a license
/// expiring today or yesterday), each condition of the cheaper-pharmacy warning, and DUPLICATE_FILL from the cart and
/// from earlier orders. Issues are compared as (line, code, severity, field); messages are checked for what they must
/// name (the field, in words) and must never contain (PHI), not word for word. ValidationFrontDoorTests covers the
/// database side.
/// </summary>
public sealed class CartValidatorRulesTests
{
    private static readonly ValidationOptions Defaults = new();

    private readonly Product _sema = Product();
    private readonly Product _testo = Product("Testosterone Cypionate", "III");
    private readonly Pharmacy _east = Pharmacy("East Compounding", 3, "TX", "NY");
    private readonly Pharmacy _west = Pharmacy("West Compounding", 3, "TX", "CA");
    private readonly Pharmacy _slow = Pharmacy("Slow Compounding", 9, "TX", "FL");
    private readonly Offering _semaEast;
    private readonly Offering _semaWest;
    private readonly Offering _testoEast;

    public CartValidatorRulesTests()
    {
        _semaEast = Offering(_sema, _east, 18900);
        _semaWest = Offering(_sema, _west, 19900);
        _testoEast = Offering(_testo, _east, 8900, maxQuantity: 2);
    }

    private static List<CartIssue> Evaluate(IReadOnlyList<CartLine> lines, IReadOnlyList<Offering>? alternatives = null, IReadOnlyList<ActiveFill>? fills = null, ValidationOptions? settings = null) =>
        CartValidator.Evaluate(lines, alternatives ?? [.. lines.Select(l => l.Offering).Distinct()], fills ?? [], Today, settings ?? Defaults);

    private static (long?, CartIssueCode, IssueSeverity, string)[] Codes(IEnumerable<CartIssue> issues) =>
        [.. issues.Select(i => (i.LineId, i.Code, i.Severity, i.Field))];

    private static (long?, CartIssueCode, IssueSeverity, string) E(CartLine line, CartIssueCode code, string field) => (line.Id, code, IssueSeverity.Error, field);

    private static (long?, CartIssueCode, IssueSeverity, string) W(CartLine line, CartIssueCode code) => (line.Id, code, IssueSeverity.Warning, "pharmacyId");

    [Fact]
    public void A_complete_line_at_the_cheapest_licensed_pharmacy_has_no_issue()
    {
        var line = Line(_semaEast);

        Assert.Empty(Evaluate([line], [_semaEast, _semaWest]));
    }

    public static TheoryData<string, string> MissingFields => new()
    {
        { "quantity", "quantity" },
        { "sig", "sig" },
        { "daysSupply", "daysSupply" },
        { "prescriber", "prescriberId" },
        { "dateOfBirth", "patient.dateOfBirth" },
    };

    [Theory]
    [MemberData(nameof(MissingFields))]
    public void A_missing_field_is_required_on_that_field_and_nothing_else(string missing, string field)
    {
        var line = missing switch
        {
            "quantity" => Line(_semaEast, quantity: null),
            "sig" => Line(_semaEast, sig: null),
            "daysSupply" => Line(_semaEast, daysSupply: null),
            "prescriber" => Line(_testoEast, noPrescriber: true, shipTo: Address("CA", "9 Pine St", "San Francisco", "94103")),
            _ => Line(_semaEast, patient: Patient(dateOfBirth: default(DateOnly))),
        };

        var issues = Evaluate([line]);

        // Without a prescriber neither its license nor its DEA registration is judged (the line ships to CA, where
        // East may not ship: that is the pharmacy's issue, not the prescriber's).
        var expected = missing == "prescriber"
            ? new[] { E(line, CartIssueCode.RequiredFieldMissing, field), E(line, CartIssueCode.PharmacyNotLicensed, "pharmacyId") }
            : [E(line, CartIssueCode.RequiredFieldMissing, field)];
        Assert.Equal(expected, Codes(issues));
    }

    [Fact]
    public void Incomplete_directions_name_what_is_missing_and_never_the_directions()
    {
        var vague = Line(_semaEast, sig: "Inject weekly");
        var none = Line(_semaEast, patient: Patient("Other"), sig: null);

        var issues = Evaluate([vague, none]);

        Assert.Equal([E(vague, CartIssueCode.SigIncomplete, "sig"), E(none, CartIssueCode.RequiredFieldMissing, "sig")], Codes(issues));
        Assert.Contains("dose with unit", issues[0].Message, StringComparison.Ordinal);
        Assert.Contains("route", issues[0].Message, StringComparison.Ordinal);
        Assert.DoesNotContain("Inject weekly", issues[0].Message, StringComparison.OrdinalIgnoreCase);
    }

    public static TheoryData<string, string, string, string, string> BadAddresses => new()
    {
        { "", "Austin", "TX", "78702", "shipTo.line1" },
        { " \t", "Austin", "TX", "78702", "shipTo.line1" },
        { "12 Oak Ave", "", "TX", "78702", "shipTo.city" },
        { "12 Oak Ave", "  ", "TX", "78702", "shipTo.city" },
        { "12 Oak Ave", "Austin", "TX", "7870", "shipTo.zip" },
        { "12 Oak Ave", "Austin", "TX", "787021", "shipTo.zip" },
        { "12 Oak Ave", "Austin", "TX", "78702-12", "shipTo.zip" },
    };

    [Theory]
    [MemberData(nameof(BadAddresses))]
    public void A_malformed_ship_to_is_invalid_on_its_field(string line1, string city, string state, string zip, string field)
    {
        var line = Line(_semaEast, shipTo: Address(state, line1, city, zip));

        Assert.Equal([E(line, CartIssueCode.AddressInvalid, field)], Codes(Evaluate([line])));
    }

    [Theory]
    [InlineData("78702")]
    [InlineData("78702-1234")]
    public void A_five_digit_or_zip_plus_four_code_is_valid(string zip)
    {
        var line = Line(_semaEast, shipTo: Address(zip: zip));

        Assert.Empty(Evaluate([line]));
    }

    [Fact]
    public void An_unknown_state_is_the_addresss_issue_only_no_license_or_price_is_judged_against_it()
    {
        // Not licensed there, a cheaper offering: neither is judged for a state that does not exist.
        var line = Line(_semaWest, prescriber: Prescriber(null, ("TX", new DateOnly(2028, 1, 31))), shipTo: Address("ZZ"));

        Assert.Equal([E(line, CartIssueCode.AddressInvalid, "shipTo.state")], Codes(Evaluate([line], [_semaWest, _semaEast])));
    }

    public static TheoryData<int, bool> LicenseExpiry => new()
    {
        { 1, true },
        { 0, true },
        { -1, false },
        { -400, false },
    };

    [Theory]
    [MemberData(nameof(LicenseExpiry))]
    public void A_license_expiring_today_still_counts_and_one_that_expired_yesterday_does_not(int expiresInDays, bool licensed)
    {
        var prescriber = Prescriber(TestData.ValidDea, ("TX", Today.AddDays(expiresInDays)), ("NY", new DateOnly(2028, 1, 31)));
        var line = Line(_semaEast, prescriber: prescriber);

        var issues = Evaluate([line]);

        Assert.Equal(licensed ? [] : [E(line, CartIssueCode.PrescriberNotLicensed, "prescriberId")], Codes(issues));
    }

    [Fact]
    public void A_prescriber_licensed_only_elsewhere_is_not_licensed_for_the_ship_to_state()
    {
        var line = Line(_semaEast, prescriber: Prescriber(TestData.ValidDea, ("TX", new DateOnly(2028, 1, 31))), shipTo: Address("NY", "1 Broadway", "New York", "10004"));

        var issues = Evaluate([line]);

        Assert.Equal([E(line, CartIssueCode.PrescriberNotLicensed, "prescriberId")], Codes(issues));
        Assert.Contains("NY", issues[0].Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(true, null, true)]
    [InlineData(true, TestData.ValidDea, false)]
    [InlineData(false, null, false)]
    public void A_controlled_product_needs_a_dea_registration(bool controlled, string? dea, bool required)
    {
        var line = Line(controlled ? _testoEast : _semaEast, prescriber: Prescriber(dea));

        Assert.Equal(required ? [E(line, CartIssueCode.DeaRequired, "prescriberId")] : [], Codes(Evaluate([line])));
    }

    [Theory]
    [InlineData("NY", false)]
    [InlineData("TX", false)]
    [InlineData("CA", true)]
    public void The_pharmacy_must_ship_to_the_patients_state(string state, bool refused)
    {
        var line = Line(_semaEast, prescriber: Prescriber(TestData.ValidDea, (state, new DateOnly(2028, 1, 31))), shipTo: Address(state, "1 Main St", "Springfield", "10004"));

        var issues = Evaluate([line]);

        Assert.Equal(refused ? [E(line, CartIssueCode.PharmacyNotLicensed, "pharmacyId")] : [], Codes(issues));
    }

    [Fact]
    public void A_paused_offering_or_a_discontinued_product_is_unavailable()
    {
        var paused = Offering(_sema, _west, 20900);
        paused.Deactivate();
        var gone = Product("Oxytocin");
        gone.Discontinue();
        var pausedLine = Line(paused);
        var goneLine = Line(Offering(gone, _east), patient: Patient("Other"));

        var issues = Evaluate([pausedLine, goneLine]);

        Assert.Equal([E(pausedLine, CartIssueCode.ProductUnavailable, "offeringId"), E(goneLine, CartIssueCode.ProductUnavailable, "offeringId")], Codes(issues));
        Assert.Contains("West Compounding", issues[0].Message, StringComparison.Ordinal);
        Assert.DoesNotContain("discontinued", issues[0].Message, StringComparison.Ordinal);
        Assert.Contains("discontinued", issues[1].Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(5, 5, false)]
    [InlineData(6, 5, true)]
    [InlineData(1, 0, true)]
    [InlineData(1, 1, false)]
    public void One_line_is_out_of_stock_only_past_the_stock(int quantity, int stock, bool isShort)
    {
        var line = Line(Offering(_sema, _east, stock: stock, maxQuantity: 10), quantity: quantity);

        var issues = Evaluate([line]);

        Assert.Equal(isShort ? [E(line, CartIssueCode.OutOfStock, "quantity")] : [], Codes(issues));
        if (isShort)
        {
            Assert.Contains($"this line orders {quantity}", issues[0].Message, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData(3, 3, 5, true)]
    [InlineData(3, 2, 5, false)]
    [InlineData(1, 1, 1, true)]
    [InlineData(4, 4, 8, false)]
    public void Stock_is_judged_against_the_quantity_summed_across_the_lines_of_an_offering(int first, int second, int stock, bool isShort)
    {
        var offering = Offering(_sema, _east, stock: stock, maxQuantity: 10);
        var a = Line(offering, quantity: first);
        var b = Line(offering, patient: Patient("Other"), quantity: second);

        var issues = Evaluate([a, b]);

        Assert.Equal(isShort ? [E(a, CartIssueCode.OutOfStock, "quantity"), E(b, CartIssueCode.OutOfStock, "quantity")] : [], Codes(issues));
        Assert.All(issues, i => Assert.Contains($"{first + second} are ordered across 2 lines", i.Message, StringComparison.Ordinal));
    }

    [Fact]
    public void A_line_without_quantity_adds_nothing_to_the_demand_and_other_offerings_do_not_count()
    {
        var offering = Offering(_sema, _east, stock: 3, maxQuantity: 10);
        var full = Line(offering, quantity: 3);
        var empty = Line(offering, patient: Patient("Other"), quantity: null);
        var elsewhere = Line(Offering(_sema, _west, 19900, stock: 3, maxQuantity: 10), patient: Patient("Third"), quantity: 3);

        var issues = Evaluate([full, empty, elsewhere], []);

        Assert.Equal([E(empty, CartIssueCode.RequiredFieldMissing, "quantity")], Codes(issues));
    }

    [Theory]
    [InlineData(3, 4, false)]
    [InlineData(4, 4, false)]
    [InlineData(4, 3, true)]
    [InlineData(4, 1, true)]
    public void A_quantity_above_the_offerings_maximum_is_a_quantity_limit(int quantity, int maxAfterCatalogChange, bool over)
    {
        var offering = Offering(_sema, _east, maxQuantity: 4);
        var line = Line(offering, quantity: quantity);
        Set(offering, nameof(Headless.Catalog.Offering.MaxQuantity), maxAfterCatalogChange);

        var issues = Evaluate([line]);

        Assert.Equal(over ? [E(line, CartIssueCode.QuantityLimit, "quantity")] : [], Codes(issues));
        if (over)
        {
            Assert.Contains($"{maxAfterCatalogChange}", issues[0].Message, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData(int.MinValue, true)]
    [InlineData(-1, true)]
    [InlineData(0, true)]
    [InlineData(1, false)]
    [InlineData(2, false)]
    [InlineData(89, false)]
    [InlineData(90, false)]
    [InlineData(91, true)]
    [InlineData(int.MaxValue, true)]
    public void Days_supply_must_be_between_1_and_90(int days, bool outOfRange)
    {
        var line = Line(_semaEast, daysSupply: days);

        var issues = Evaluate([line]);

        Assert.Equal(outOfRange ? [E(line, CartIssueCode.QuantityLimit, "daysSupply")] : [], Codes(issues));
        Assert.All(issues, i => Assert.Contains("90", i.Message, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(30, false)]
    [InlineData(31, true)]
    public void The_days_supply_limit_is_a_setting(int days, bool outOfRange)
    {
        var line = Line(_semaEast, daysSupply: days);

        var issues = Evaluate([line], settings: new ValidationOptions { MaxDaysSupply = 30 });

        Assert.Equal(outOfRange ? [E(line, CartIssueCode.QuantityLimit, "daysSupply")] : [], Codes(issues));
    }

    [Fact]
    public void The_same_patient_and_product_twice_in_the_cart_is_a_duplicate_on_the_later_line_only()
    {
        var patient = Patient();
        var first = Line(_semaEast, patient: patient);
        var second = Line(_semaWest, patient: patient);
        var otherPatient = Line(_semaEast, patient: Patient("Other"));
        var otherProduct = Line(_testoEast, patient: patient);

        // Listed out of order: "later" is by line id, not by position in the list.
        var issues = Evaluate([second, otherPatient, first, otherProduct], []);

        Assert.Equal([E(second, CartIssueCode.DuplicateFill, "productId")], Codes(issues));
    }

    [Fact]
    public void An_earlier_fill_still_running_is_a_duplicate_naming_its_line_number_and_end()
    {
        var patient = Patient();
        var line = Line(_semaEast, patient: patient);
        var fills = new[]
        {
            new ActiveFill(patient.Id, _sema.Id, "HX-10042-03", Today.AddDays(5)),
            new ActiveFill(patient.Id, _sema.Id, "HX-10050-01", Today.AddDays(20)),
            new ActiveFill(patient.Id, _testo.Id, "HX-10042-04", Today.AddDays(5)),
            new ActiveFill(patient.Id + 1000, _sema.Id, "HX-10042-05", Today.AddDays(5)),
        };

        var issues = Evaluate([line], fills: fills);

        Assert.Equal([E(line, CartIssueCode.DuplicateFill, "productId"), E(line, CartIssueCode.DuplicateFill, "productId")], Codes(issues));
        Assert.Contains("HX-10042-03", issues[0].Message, StringComparison.Ordinal);
        Assert.Contains(Today.AddDays(5).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture), issues[0].Message, StringComparison.Ordinal);
        Assert.Contains("HX-10050-01", issues[1].Message, StringComparison.Ordinal);
    }

    /// <summary>Each condition of the cheaper-pharmacy warning, one at a time, against an alternative that meets all the others.</summary>
    public static TheoryData<string, bool> CheaperConditions => new()
    {
        { "cheaper, available, licensed, in stock", true },
        { "only the line's own offering", false },
        { "paused", false },
        { "same price", false },
        { "one cent cheaper", true },
        { "pricier", false },
        { "not licensed for the state", false },
        { "stock exactly the quantity", true },
        { "stock one short", false },
        { "no quantity, one in stock", true },
        { "no quantity, none in stock", false },
    };

    [Theory]
    [MemberData(nameof(CheaperConditions))]
    public void A_cheaper_pharmacy_is_suggested_only_when_it_is_another_available_cheaper_licensed_offering_with_enough_stock(string condition, bool warned)
    {
        var quantity = condition.StartsWith("no quantity", StringComparison.Ordinal) ? (int?)null : 3;
        var line = Line(_semaWest, quantity: quantity);
        var price = condition switch { "same price" => 19900L, "one cent cheaper" => 19899L, "pricier" => 20900L, _ => 18900L };
        var stock = condition switch { "stock exactly the quantity" => 3, "stock one short" => 2, "no quantity, one in stock" => 1, "no quantity, none in stock" => 0, _ => 100 };
        var pharmacy = condition == "not licensed for the state" ? Pharmacy("North Compounding", 3, "NY", "NJ") : _east;
        var alternative = Offering(_sema, pharmacy, price, stock);
        if (condition == "paused")
        {
            alternative.Deactivate();
        }

        var issues = Evaluate([line], condition == "only the line's own offering" ? [_semaWest] : [_semaWest, alternative]);

        Assert.Equal(warned ? [W(line, CartIssueCode.CheaperPharmacyAvailable)] : [], Codes(issues.Where(i => i.Code != CartIssueCode.RequiredFieldMissing)));
    }

    [Fact]
    public void The_cheapest_alternative_is_named_with_both_prices_and_a_tie_goes_to_the_older_offering()
    {
        var line = Line(_semaWest);
        var cheaper = Offering(_sema, _east, 18950);
        var cheapest = Offering(_sema, _slow, 9905);
        var tiedLater = Offering(_sema, Pharmacy("Later Compounding", 3, "TX"), 9905);

        var issues = Evaluate([line], [tiedLater, _semaWest, cheaper, cheapest]);

        var warning = Assert.Single(issues, i => i.Code == CartIssueCode.CheaperPharmacyAvailable);
        Assert.Contains("Slow Compounding", warning.Message, StringComparison.Ordinal);
        Assert.Contains("99.05 USD", warning.Message, StringComparison.Ordinal);
        Assert.Contains("199.00", warning.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("Later", warning.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Alternatives_of_another_product_are_not_suggested()
    {
        var line = Line(_semaWest);

        Assert.Empty(Evaluate([line], [_semaWest, Offering(_testo, _east, 100)]));
    }

    [Theory]
    [InlineData(6, 7, false)]
    [InlineData(7, 7, true)]
    [InlineData(8, 7, true)]
    [InlineData(9, 10, false)]
    [InlineData(10, 10, true)]
    public void A_turnaround_from_the_threshold_on_is_a_long_turnaround_warning(int turnaround, int threshold, bool warned)
    {
        var line = Line(Offering(_sema, Pharmacy("Some Compounding", turnaround, "TX"), 18000));

        var issues = Evaluate([line], settings: new ValidationOptions { LongTurnaroundDays = threshold });

        Assert.Equal(warned ? [W(line, CartIssueCode.LongTurnaround)] : [], Codes(issues));
        Assert.All(issues, i => Assert.Contains($"{turnaround} days", i.Message, StringComparison.Ordinal));
    }

    [Fact]
    public void Every_issue_names_its_line_and_field_and_no_message_carries_patient_data()
    {
        var patient = Patient("Zebulon", "Quixotic", new DateOnly(1977, 9, 14), Address("TX", "4471 Hollyhock Lane", "Pflugerville", "78660"));
        var elsewhere = Address("NY", "88 Wisteria Court", "Schenectady", "12305");
        var nad = Offering(Product("NAD+"), _west, 12900, stock: 2, maxQuantity: 3);
        var paused = Offering(_testo, _west, 9900);
        paused.Deactivate();
        var lines = new[]
        {
            Line(_semaWest, patient: patient, quantity: null, sig: "Inject Zebulon weekly", daysSupply: 0, prescriber: Prescriber(null, ("TX", Today.AddDays(-1)))),
            Line(_testoEast, patient: patient, sig: null, daysSupply: null, noPrescriber: true, shipTo: Address("CA", "", "", "9410")),
            Line(paused, patient: Patient("Zebulon", "Quixotic", default(DateOnly), elsewhere), prescriber: Prescriber(null, ("TX", Today))),
            Line(nad, patient: patient, quantity: 3, daysSupply: 91, shipTo: elsewhere),
            Line(Offering(_sema, _slow, 30000), patient: patient),
        };
        var fills = new[] { new ActiveFill(patient.Id, _sema.Id, "HX-10042-03", Today.AddDays(5)) };

        var issues = Evaluate(lines, [_semaWest, _semaEast, _testoEast, paused, nad, lines[4].Offering], fills);

        var fieldsByCode = new Dictionary<CartIssueCode, string[]>
        {
            [CartIssueCode.RequiredFieldMissing] = ["quantity", "sig", "daysSupply", "prescriberId", "patient.dateOfBirth"],
            [CartIssueCode.SigIncomplete] = ["sig"],
            [CartIssueCode.AddressInvalid] = ["shipTo.line1", "shipTo.city", "shipTo.state", "shipTo.zip"],
            [CartIssueCode.PrescriberNotLicensed] = ["prescriberId"],
            [CartIssueCode.DeaRequired] = ["prescriberId"],
            [CartIssueCode.PharmacyNotLicensed] = ["pharmacyId"],
            [CartIssueCode.ProductUnavailable] = ["offeringId"],
            [CartIssueCode.OutOfStock] = ["quantity"],
            [CartIssueCode.QuantityLimit] = ["quantity", "daysSupply"],
            [CartIssueCode.DuplicateFill] = ["productId"],
            [CartIssueCode.CheaperPharmacyAvailable] = ["pharmacyId"],
            [CartIssueCode.LongTurnaround] = ["pharmacyId"],
        };
        Assert.Equal(fieldsByCode.Keys.Order(), issues.Select(i => i.Code).Distinct().Order());

        // Each message says in words what its field is about (a pharmacy by its name), whatever the wording.
        var namesOfField = new Dictionary<string, string[]>
        {
            ["quantity"] = ["quantity", "in stock", "per line"],
            ["sig"] = ["directions"],
            ["daysSupply"] = ["days supply"],
            ["prescriberId"] = ["prescriber"],
            ["patient.dateOfBirth"] = ["date of birth"],
            ["shipTo.line1"] = ["ship-to address"],
            ["shipTo.city"] = ["ship-to address"],
            ["shipTo.state"] = ["ship-to state"],
            ["shipTo.zip"] = ["ship-to zip"],
            ["pharmacyId"] = ["compounding"],
            ["offeringId"] = ["offering", "product"],
            ["productId"] = ["product"],
        };
        var phi = new[] { "Zebulon", "Quixotic", "1977", "09/14", "9/14", "Hollyhock", "4471", "Pflugerville", "78660", "Wisteria", "Schenectady", "12305", "9410", "Inject" };
        Assert.All(issues, issue =>
        {
            Assert.Contains(issue.LineId, lines.Select(l => (long?)l.Id));
            Assert.Contains(issue.Field, fieldsByCode[issue.Code]);
            Assert.False(string.IsNullOrWhiteSpace(issue.Message));
            Assert.True(namesOfField[issue.Field].Any(n => issue.Message.Contains(n, StringComparison.OrdinalIgnoreCase)), $"{issue.Code} on {issue.Field}: {issue.Message}");
            Assert.All(phi, p => Assert.DoesNotContain(p, issue.Message, StringComparison.OrdinalIgnoreCase));
        });
    }
}
