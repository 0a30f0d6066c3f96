using System.Text.Json;
using Headless.Data;
using Headless.GraphQL;
using Headless.Tests.Infrastructure;

namespace Headless.Tests.Quickfills;

/// <summary>
/// Quickfills through the front door: saving, changing, listing and deleting templates with exact values; templates
/// refused exactly as cartLinesAdd refuses a line with the same values; and cartLinesAddFromQuickfill behaving as
/// cartLinesAdd of one line per patient (merge, limits, all-or-nothing), with problems at patientIds[i].
/// </summary>
public abstract class QuickfillTests(DatabaseProvider provider, PostgresServer? postgres) : ProviderTest(provider, postgres)
{
    private CartFixture _f = null!;
    private IReadOnlyList<string> _patients = [];

    private GraphQLClient C => _f.Tenant.Client;

    private CartCatalog Catalog => _f.Catalog;

    protected override async Task InitializeAppAsync()
    {
        _f = await CartData.CreateAsync(App, patientCount: 0, name: "Quickfill Org");
        _patients = await QuickfillData.InsertPatientsAsync(App, _f.Tenant.OrganizationId, 40);
    }

    private object Template(string name = "Sema 0.25 weekly", string? offeringId = null, int? quantity = 2, string? clinicId = null) => new
    {
        clinicId = clinicId ?? _f.ClinicId,
        name,
        offeringId = offeringId ?? Catalog.SemaEast,
        quantity,
        sig = CartData.GoodSig,
        daysSupply = 28,
        prescriberId = _f.Prescriber,
    };

    private async Task<JsonElement> CreateAsync(object input) =>
        (await C.DataAsync(QuickfillData.Create, new { input })).GetProperty("quickfillCreate");

    private async Task<JsonElement> UpdateAsync(string id, object input) =>
        (await C.DataAsync(QuickfillData.Update, new { id, input })).GetProperty("quickfillUpdate");

    private async Task<JsonElement> ApplyAsync(string quickfillId, IEnumerable<string> patientIds, string? clinicId = null, GraphQLClient? client = null) =>
        (await (client ?? C).DataAsync(QuickfillData.Apply, new { clinicId = clinicId ?? _f.ClinicId, quickfillId, patientIds = patientIds.ToArray() })).GetProperty("cartLinesAddFromQuickfill");

    private async Task<JsonElement> CartAsync(string? clinicId = null) =>
        (await C.DataAsync(CartData.Read, new { clinicId = clinicId ?? _f.ClinicId })).GetProperty("cart");

    private async Task<JsonElement> ListAsync(string? clinicId = null, int? first = null, string? after = null) =>
        (await C.DataAsync(QuickfillData.List, new { clinicId = clinicId ?? _f.ClinicId, first, after })).GetProperty("quickfills");

    private static List<(string Code, string Field, string Message)> Errors(JsonElement payload) =>
        payload.GetProperty("userErrors").EnumerateArray()
            .Select(e => (e.GetProperty("code").GetString()!, string.Join('.', e.GetProperty("field").EnumerateArray().Select(f => f.GetString())), e.GetProperty("message").GetString()!))
            .ToList();

    private static DateTimeOffset Time(JsonElement e, string field) => DateTimeOffset.Parse(e.GetProperty(field).GetString()!, System.Globalization.CultureInfo.InvariantCulture);

    [ProviderFact]
    public async Task A_quickfill_is_saved_listed_changed_and_deleted_with_exact_values()
    {
        var created = await CreateAsync(Template());
        Assert.Empty(Errors(created));
        var q = created.GetProperty("quickfill");
        var id = q.GetProperty("id").GetString()!;
        Assert.Equal("Sema 0.25 weekly", q.GetProperty("name").GetString());
        Assert.Equal(_f.ClinicId, q.At("clinic.id").GetString());
        Assert.Equal(Catalog.SemaEast, q.At("offering.id").GetString());
        Assert.Equal(Catalog.Semaglutide, q.At("product.id").GetString());
        Assert.Equal(Catalog.EastPharmacy, q.At("pharmacy.id").GetString());
        Assert.False(q.GetProperty("routedByPreference").GetBoolean());
        Assert.Equal(2, q.GetProperty("quantity").GetInt32());
        Assert.Equal(CartData.GoodSig, q.GetProperty("sig").GetString());
        Assert.Equal(28, q.GetProperty("daysSupply").GetInt32());
        Assert.Equal(_f.Prescriber, q.At("prescriber.id").GetString());
        Assert.Equal(HeadlessApp.Now, Time(q, "createdAt"));
        Assert.Equal(HeadlessApp.Now, Time(q, "updatedAt"));
        Assert.Null(created.GetProperty("deletedQuickfillId").GetString());

        // A template left to routing: only the product, no values.
        var routed = (await CreateAsync(new { clinicId = _f.ClinicId, name = "  Testosterone routed  ", productId = Catalog.Testosterone })).GetProperty("quickfill");
        Assert.Equal("Testosterone routed", routed.GetProperty("name").GetString());
        Assert.Equal(JsonValueKind.Null, routed.GetProperty("offering").ValueKind);
        Assert.Equal(Catalog.Testosterone, routed.At("product.id").GetString());
        Assert.Equal(JsonValueKind.Null, routed.GetProperty("pharmacy").ValueKind);
        Assert.True(routed.GetProperty("routedByPreference").GetBoolean());
        Assert.Equal(JsonValueKind.Null, routed.GetProperty("quantity").ValueKind);
        Assert.Equal(JsonValueKind.Null, routed.GetProperty("sig").ValueKind);
        Assert.Equal(JsonValueKind.Null, routed.GetProperty("prescriber").ValueKind);

        var list = await ListAsync();
        Assert.Equal(2, list.GetProperty("totalCount").GetInt32());
        Assert.Equal([id, routed.GetProperty("id").GetString()!], list.GetProperty("nodes").EnumerateArray().Select(n => n.GetProperty("id").GetString()!).ToArray());
        Assert.Equal(q.GetRawText(), list.At("nodes.0").GetRawText());
        var page = await ListAsync(first: 1);
        Assert.True(page.At("pageInfo.hasNextPage").GetBoolean());
        var next = await ListAsync(first: 1, after: page.At("pageInfo.endCursor").GetString());
        Assert.Equal(routed.GetProperty("id").GetString(), next.At("nodes.0.id").GetString());
        Assert.False(next.At("pageInfo.hasNextPage").GetBoolean());

        // Another clinic of the organization has its own (empty) list.
        var otherClinic = await TestData.CreateAsync(C, TestData.ClinicCreate, "clinicCreate", TestData.Clinic("Second Clinic"));
        Assert.Equal(0, (await ListAsync(otherClinic)).GetProperty("totalCount").GetInt32());

        // Update: a field left out keeps its value, one given as null is cleared.
        App.Clock.Advance(TimeSpan.FromMinutes(5));
        var updated = await UpdateAsync(id, new Dictionary<string, object?> { ["name"] = "Sema 0.5 weekly", ["quantity"] = 3, ["sig"] = null });
        Assert.Empty(Errors(updated));
        var u = updated.GetProperty("quickfill");
        Assert.Equal("Sema 0.5 weekly", u.GetProperty("name").GetString());
        Assert.Equal(3, u.GetProperty("quantity").GetInt32());
        Assert.Equal(JsonValueKind.Null, u.GetProperty("sig").ValueKind);
        Assert.Equal(28, u.GetProperty("daysSupply").GetInt32());
        Assert.Equal(_f.Prescriber, u.At("prescriber.id").GetString());
        Assert.Equal(Catalog.SemaEast, u.At("offering.id").GetString());
        Assert.Equal(HeadlessApp.Now, Time(u, "createdAt"));
        Assert.Equal(HeadlessApp.Now.AddMinutes(5), Time(u, "updatedAt"));

        // Giving a placement replaces it with exactly what is given.
        var moved = (await UpdateAsync(id, new { productId = Catalog.Semaglutide, pharmacyId = Catalog.WestPharmacy })).GetProperty("quickfill");
        Assert.Equal(JsonValueKind.Null, moved.GetProperty("offering").ValueKind);
        Assert.Equal(Catalog.Semaglutide, moved.At("product.id").GetString());
        Assert.Equal(Catalog.WestPharmacy, moved.At("pharmacy.id").GetString());
        Assert.Equal(3, moved.GetProperty("quantity").GetInt32());
        var rerouted = (await UpdateAsync(id, new { productId = Catalog.Semaglutide })).GetProperty("quickfill");
        Assert.True(rerouted.GetProperty("routedByPreference").GetBoolean());
        Assert.Equal(JsonValueKind.Null, rerouted.GetProperty("pharmacy").ValueKind);

        var node = (await C.DataAsync(QuickfillData.Node, new { id })).GetProperty("node");
        Assert.Equal("Quickfill", node.GetProperty("__typename").GetString());
        Assert.Equal(id, node.GetProperty("id").GetString());
        Assert.Equal("Sema 0.5 weekly", node.GetProperty("name").GetString());
        Assert.Equal(Catalog.Semaglutide, node.At("product.id").GetString());
        Assert.True(node.GetProperty("routedByPreference").GetBoolean());
        Assert.Equal(rerouted.GetProperty("updatedAt").GetString(), node.GetProperty("updatedAt").GetString());

        var deleted = (await C.DataAsync(QuickfillData.Delete, new { id })).GetProperty("quickfillDelete");
        Assert.Empty(Errors(deleted));
        Assert.Equal(id, deleted.GetProperty("deletedQuickfillId").GetString());
        Assert.Equal(JsonValueKind.Null, deleted.GetProperty("quickfill").ValueKind);
        Assert.Equal(JsonValueKind.Null, (await C.DataAsync(QuickfillData.Node, new { id })).GetProperty("node").ValueKind);
        Assert.Equal(1, (await ListAsync()).GetProperty("totalCount").GetInt32());
        var again = (await C.DataAsync(QuickfillData.Delete, new { id })).GetProperty("quickfillDelete");
        Assert.Equal([("NOT_FOUND", "id", "No quickfill with this ID exists in your organization.")], Errors(again));
        Assert.Equal(JsonValueKind.Null, again.GetProperty("deletedQuickfillId").ValueKind);
    }

    /// <summary>A template's values are refused with exactly the codes and messages cartLinesAdd gives a line with those values.</summary>
    [ProviderFact]
    public async Task A_template_is_refused_exactly_as_a_cart_line_with_its_values_and_nothing_is_saved()
    {
        var missingOffering = GlobalId.Encode("Offering", 9_000_000_001);
        var missingPrescriber = GlobalId.Encode("Prescriber", 9_000_000_002);
        object[] bad =
        [
            new { offeringId = Catalog.SemaEast, quantity = 0, daysSupply = 0, sig = new string('x', 1001), prescriberId = missingPrescriber },
            new { offeringId = Catalog.SemaEast, productId = Catalog.Semaglutide, quantity = 1 },
            new { quantity = 1 },
            new { offeringId = Catalog.SemaEast, quantity = 5 },
            new { offeringId = missingOffering, quantity = 1 },
            new { offeringId = "not-an-id", quantity = 1 },
            new { productId = Catalog.Sermorelin, pharmacyId = Catalog.EastPharmacy, quantity = 1 },
            new { productId = Catalog.Semaglutide, pharmacyId = Catalog.WestPharmacy, quantity = 9 },
            new { productId = Catalog.Testosterone, quantity = 1, prescriberId = "garbage" },
        ];

        foreach (var values in bad)
        {
            var fields = JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(JsonSerializer.Serialize(values))!;
            var input = new Dictionary<string, object?>(fields.Select(p => KeyValuePair.Create(p.Key, (object?)p.Value))) { ["clinicId"] = _f.ClinicId, ["name"] = "Bad" };
            var line = new Dictionary<string, object?>(fields.Select(p => KeyValuePair.Create(p.Key, (object?)p.Value))) { ["patientId"] = _patients[0] };

            var asQuickfill = Errors(await CreateAsync(input));
            var asLine = Errors((await C.DataAsync(CartData.Add, new { clinicId = _f.ClinicId, lines = new[] { line } })).GetProperty("cartLinesAdd"));

            Assert.NotEmpty(asQuickfill);
            Assert.Equal(asLine.Select(e => (e.Code, e.Field.Replace("lines.0.", "input.", StringComparison.Ordinal), e.Message)), asQuickfill);
        }

        Assert.Equal(
            [
                ("INVALID_VALUE", "input.quantity", "Quantity must be at least 1. Remove the line to order none."),
                ("INVALID_VALUE", "input.daysSupply", "Days supply must be at least 1."),
                ("TOO_LONG", "input.sig", "Directions must be at most 1000 characters."),
                ("NOT_FOUND", "input.prescriberId", "No prescriber with this ID exists in your organization."),
            ],
            Errors(await CreateAsync(new { clinicId = _f.ClinicId, name = "Bad", offeringId = Catalog.SemaEast, quantity = 0, daysSupply = 0, sig = new string('x', 1001), prescriberId = missingPrescriber })));
        Assert.Equal(
            [("QUANTITY_LIMIT", "input.quantity", "At most 4 per line for this offering.")],
            Errors(await CreateAsync(Template(quantity: 5))));

        // The template's own fields: name, clinic; and a routed product whose every offering is below the quantity.
        Assert.Equal(
            [("NOT_FOUND", "input.clinicId", "No clinic with this ID exists in your organization."), ("REQUIRED", "input.name", "A quickfill needs a name.")],
            Errors(await CreateAsync(Template(name: "   ", clinicId: GlobalId.Encode("Clinic", 9_000_000_003)))));
        Assert.Equal(
            [("TOO_LONG", "input.name", "The name must be at most 100 characters.")],
            Errors(await CreateAsync(Template(name: new string('n', 101)))));
        Assert.Equal(
            [("QUANTITY_LIMIT", "input.quantity", "At most 4 per line at any pharmacy offering this product.")],
            Errors(await CreateAsync(new { clinicId = _f.ClinicId, name = "Routed", productId = Catalog.Semaglutide, quantity = 5 })));

        Assert.Equal(0, (await ListAsync()).GetProperty("totalCount").GetInt32());
        Assert.Equal(0, (await CartAsync()).GetProperty("lineCount").GetInt32());
    }

    [ProviderFact]
    public async Task A_name_is_unique_in_its_clinic_whatever_its_case()
    {
        await QuickfillData.CreateAsync(C, Template(name: "Refill Sema"));
        Assert.Equal(
            [("DUPLICATE", "input.name", "Another quickfill of this clinic already has this name.")],
            Errors(await CreateAsync(Template(name: " refill SEMA "))));

        // Another clinic may use it; renaming onto a taken name is refused, keeping one's own name is not.
        var otherClinic = await TestData.CreateAsync(C, TestData.ClinicCreate, "clinicCreate", TestData.Clinic("Second Clinic"));
        await QuickfillData.CreateAsync(C, Template(name: "Refill Sema", clinicId: otherClinic));
        var second = await QuickfillData.CreateAsync(C, Template(name: "Refill Testo"));
        Assert.Equal(
            [("DUPLICATE", "input.name", "Another quickfill of this clinic already has this name.")],
            Errors(await UpdateAsync(second, new { name = "REFILL sema" })));
        Assert.Empty(Errors(await UpdateAsync(second, new { name = "refill testo" })));
        Assert.Equal(2, (await ListAsync()).GetProperty("totalCount").GetInt32());
    }

    [ProviderFact]
    public async Task An_update_is_checked_like_a_new_template_and_a_refused_one_changes_nothing()
    {
        var id = await QuickfillData.CreateAsync(C, Template());
        var before = (await C.DataAsync(QuickfillData.Node, new { id })).GetProperty("node").GetRawText();

        Assert.Equal(
            [("QUANTITY_LIMIT", "input.quantity", "At most 4 per line for this offering.")],
            Errors(await UpdateAsync(id, new { quantity = 5 })));
        Assert.Equal(
            [("QUANTITY_LIMIT", "input.quantity", "At most 2 per line for this offering.")],
            Errors(await UpdateAsync(id, new { offeringId = Catalog.TestoEast, quantity = 3 })));
        Assert.Equal(
            [("REQUIRED", "input.productId", "Each line needs an offering, or a product (the pharmacy is then chosen by the clinic's routing preference).")],
            Errors(await UpdateAsync(id, new { pharmacyId = Catalog.WestPharmacy })));
        Assert.Equal(
            [("REQUIRED", "input.name", "A quickfill needs a name."), ("INVALID_VALUE", "input.daysSupply", "Days supply must be at least 1.")],
            Errors(await UpdateAsync(id, new Dictionary<string, object?> { ["name"] = null, ["daysSupply"] = -1 })));
        Assert.Equal(
            [("NOT_FOUND", "id", "No quickfill with this ID exists in your organization."), ("INVALID_VALUE", "input.quantity", "Quantity must be at least 1. Remove the line to order none.")],
            Errors(await UpdateAsync(GlobalId.Encode("Quickfill", 9_000_000_004), new { quantity = 0 })));
        Assert.Equal(
            [("NOT_FOUND", "id", "No quickfill with this ID exists in your organization.")],
            Errors(await UpdateAsync("nonsense", new { quantity = 1 })));

        Assert.Equal(before, (await C.DataAsync(QuickfillData.Node, new { id })).GetProperty("node").GetRawText());
    }

    [ProviderFact]
    public async Task Applying_to_40_patients_adds_40_lines_with_the_templates_values()
    {
        var id = await QuickfillData.CreateAsync(C, Template());
        var payload = await ApplyAsync(id, _patients);
        Assert.Empty(Errors(payload));
        var cart = payload.GetProperty("cart");
        Assert.Equal(40, cart.GetProperty("lineCount").GetInt32());
        Assert.Equal(40, cart.GetProperty("patientCount").GetInt32());
        var lines = cart.At("lines.nodes").EnumerateArray().ToList();
        Assert.Equal(_patients, lines.Select(l => l.At("patient.id").GetString()!).ToList());
        Assert.All(lines, l =>
        {
            Assert.Equal(2, l.GetProperty("quantity").GetInt32());
            Assert.Equal(CartData.GoodSig, l.GetProperty("sig").GetString());
            Assert.Equal(28, l.GetProperty("daysSupply").GetInt32());
            Assert.Equal(_f.Prescriber, l.At("prescriber.id").GetString());
            Assert.Equal(Catalog.Semaglutide, l.At("product.id").GetString());
            Assert.Equal(Catalog.EastPharmacy, l.At("pharmacy.id").GetString());
            Assert.Equal("Chosen by the coordinator.", l.GetProperty("routingReason").GetString());
            Assert.Equal(2 * 18900, l.At("lineTotal.amount").GetInt64());
            Assert.False(l.GetProperty("shipToOverridden").GetBoolean());
        });
        Assert.Equal(40 * 2 * 18900, cart.At("totals.subtotal.amount").GetInt64());

        // The same cart as cartLinesAdd of the same lines builds (in a clinic of its own).
        var twin = await TestData.CreateAsync(C, TestData.ClinicCreate, "clinicCreate", TestData.Clinic("Twin Clinic"));
        var direct = (await C.DataAsync(CartData.Add, new { clinicId = twin, lines = _patients.Select(p => CartData.GoodLine(p, _f.Prescriber, Catalog.SemaEast, 2)).ToArray() })).GetProperty("cartLinesAdd");
        Assert.Empty(Errors(direct));
        Assert.Equal(Comparable(direct.GetProperty("cart")), Comparable(cart));
    }

    [ProviderFact]
    public async Task A_routed_template_is_placed_by_the_clinics_preference_for_each_line()
    {
        var id = await QuickfillData.CreateAsync(C, new { clinicId = _f.ClinicId, name = "Sema routed", productId = Catalog.Semaglutide, quantity = 1, sig = CartData.GoodSig, daysSupply = 28, prescriberId = _f.Prescriber });
        var cart = (await ApplyAsync(id, _patients.Take(3))).GetProperty("cart");
        Assert.All(cart.At("lines.nodes").EnumerateArray(), l =>
        {
            Assert.Equal(Catalog.EastPharmacy, l.At("pharmacy.id").GetString());
            Assert.StartsWith("Lowest unit price ($189.00)", l.GetProperty("routingReason").GetString(), StringComparison.Ordinal);
        });
    }

    /// <summary>The merge rule of cartLinesAdd, checked against cartLinesAdd itself in a twin clinic at every step.</summary>
    [ProviderFact]
    public async Task Applying_again_merges_quantities_like_cartLinesAdd_and_a_merge_over_the_limit_is_refused_for_all()
    {
        var id = await QuickfillData.CreateAsync(C, Template(quantity: 2));
        var twin = await TestData.CreateAsync(C, TestData.ClinicCreate, "clinicCreate", TestData.Clinic("Twin Clinic"));
        var lines = _patients.Select(p => CartData.GoodLine(p, _f.Prescriber, Catalog.SemaEast, 2)).ToArray();

        await ApplyAsync(id, _patients);
        await C.DataAsync(CartData.Add, new { clinicId = twin, lines });
        var second = await ApplyAsync(id, _patients);
        var secondDirect = (await C.DataAsync(CartData.Add, new { clinicId = twin, lines })).GetProperty("cartLinesAdd");
        Assert.Empty(Errors(second));
        Assert.Equal(40, second.At("cart.lineCount").GetInt32());
        Assert.All(second.At("cart.lines.nodes").EnumerateArray(), l => Assert.Equal(4, l.GetProperty("quantity").GetInt32()));
        Assert.Equal(Comparable(secondDirect.GetProperty("cart")), Comparable(second.GetProperty("cart")));

        // 4 + 2 is over the offering's 4: every line is refused, the cart is as it was.
        var before = await CartAsync();
        var third = await ApplyAsync(id, _patients);
        var thirdDirect = (await C.DataAsync(CartData.Add, new { clinicId = twin, lines })).GetProperty("cartLinesAdd");
        Assert.Equal(JsonValueKind.Null, third.GetProperty("cart").ValueKind);
        var errors = Errors(third);
        Assert.Equal(40, errors.Count);
        Assert.Equal(
            Enumerable.Range(0, 40).Select(i => ("QUANTITY_LIMIT", $"patientIds.{i}", "This merges into the line already ordering this product from this pharmacy for the patient, which would then order 6; at most 4 per line for this offering.")),
            errors);
        Assert.Equal(Errors(thirdDirect).Select(e => (e.Code, e.Field.Replace("lines.", "patientIds.", StringComparison.Ordinal).Replace(".quantity", "", StringComparison.Ordinal), e.Message)), errors);
        Assert.Equal(before.GetRawText(), (await CartAsync()).GetRawText());
    }

    [ProviderFact]
    public async Task A_patient_named_twice_gets_two_identical_lines_merged_as_cartLinesAdd_merges_them()
    {
        var id = await QuickfillData.CreateAsync(C, Template(quantity: 1));
        var cart = (await ApplyAsync(id, [_patients[0], _patients[1], _patients[0]])).GetProperty("cart");
        Assert.Equal(2, cart.GetProperty("lineCount").GetInt32());
        Assert.Equal([2, 1], cart.At("lines.nodes").EnumerateArray().Select(l => l.GetProperty("quantity").GetInt32()).ToArray());

        var twice = (await QuickfillData.CreateAsync(C, Template(name: "Three", quantity: 3)));
        var refused = await ApplyAsync(twice, [_patients[2], _patients[2]]);
        Assert.Equal([("QUANTITY_LIMIT", "patientIds.1", "This merges into the line already ordering this product from this pharmacy for the patient, which would then order 6; at most 4 per line for this offering.")], Errors(refused));
        Assert.Equal(2, (await CartAsync()).GetProperty("lineCount").GetInt32());
    }

    [ProviderFact]
    public async Task One_bad_patient_refuses_every_line_and_changes_nothing()
    {
        var id = await QuickfillData.CreateAsync(C, Template());
        await ApplyAsync(id, _patients.Take(1));
        var before = await CartAsync();
        var ids = _patients.ToArray();
        ids[17] = GlobalId.Encode("Patient", 9_000_000_005);
        ids[23] = "not-a-patient";
        ids[31] = _f.Prescriber;

        var payload = await ApplyAsync(id, ids);
        Assert.Equal(JsonValueKind.Null, payload.GetProperty("cart").ValueKind);
        Assert.Equal(
            [
                ("NOT_FOUND", "patientIds.17", "No patient with this ID exists in your organization."),
                ("NOT_FOUND", "patientIds.23", "No patient with this ID exists in your organization."),
                ("NOT_FOUND", "patientIds.31", "No patient with this ID exists in your organization."),
            ],
            Errors(payload));
        Assert.Equal(before.GetRawText(), (await CartAsync()).GetRawText());
    }

    [ProviderFact]
    public async Task The_call_is_sized_and_its_clinic_and_quickfill_checked_before_its_patients()
    {
        var id = await QuickfillData.CreateAsync(C, Template());
        Assert.Equal([("INVALID_VALUE", "patientIds", "Send between 1 and 250 patient IDs per call.")], Errors(await ApplyAsync(id, [])));
        Assert.Equal([("INVALID_VALUE", "patientIds", "Send between 1 and 250 patient IDs per call.")], Errors(await ApplyAsync(id, Enumerable.Repeat(_patients[0], 251))));
        Assert.Equal([("NOT_FOUND", "clinicId", "No clinic with this ID exists in your organization.")], Errors(await ApplyAsync(id, _patients, clinicId: "x")));
        Assert.Equal([("NOT_FOUND", "quickfillId", "No quickfill with this ID exists for this clinic in your organization.")], Errors(await ApplyAsync("x", _patients)));

        // A quickfill of another clinic of the organization is not this clinic's.
        var otherClinic = await TestData.CreateAsync(C, TestData.ClinicCreate, "clinicCreate", TestData.Clinic("Second Clinic"));
        var others = await QuickfillData.CreateAsync(C, Template(clinicId: otherClinic));
        Assert.Equal([("NOT_FOUND", "quickfillId", "No quickfill with this ID exists for this clinic in your organization.")], Errors(await ApplyAsync(others, _patients)));
        Assert.Equal([("NOT_FOUND", "quickfillId", "No quickfill with this ID exists for this clinic in your organization.")], Errors(await ApplyAsync(id, _patients, clinicId: otherClinic)));
        Assert.Equal(0, (await CartAsync()).GetProperty("lineCount").GetInt32());
        Assert.Equal(0, (await CartAsync(otherClinic)).GetProperty("lineCount").GetInt32());
    }

    [ProviderFact]
    public async Task Another_organization_can_neither_see_nor_use_nor_change_a_quickfill()
    {
        var id = await QuickfillData.CreateAsync(C, Template());
        var before = (await C.DataAsync(QuickfillData.Node, new { id })).GetProperty("node").GetRawText();
        var b = await CartData.CreateAsync(App, patientCount: 1, name: "Other Org");
        var bQuickfill = await QuickfillData.CreateAsync(b.Tenant.Client, new { clinicId = b.ClinicId, name = "Theirs", offeringId = Catalog.SemaEast, quantity = 1 });
        var missing = GlobalId.Encode("Quickfill", 9_000_000_006);

        // A's quickfill answers B exactly like a missing one, everywhere.
        Assert.Equal(JsonValueKind.Null, (await b.Tenant.Client.DataAsync(QuickfillData.Node, new { id })).GetProperty("node").ValueKind);
        Assert.Equal(
            Errors(await ApplyAsync(missing, b.Patients, b.ClinicId, b.Tenant.Client)),
            Errors(await ApplyAsync(id, b.Patients, b.ClinicId, b.Tenant.Client)));
        Assert.Equal(
            Errors((await b.Tenant.Client.DataAsync(QuickfillData.Update, new { id = missing, input = new { quantity = 1 } })).GetProperty("quickfillUpdate")),
            Errors((await b.Tenant.Client.DataAsync(QuickfillData.Update, new { id, input = new { quantity = 1 } })).GetProperty("quickfillUpdate")));
        Assert.Equal(
            [("NOT_FOUND", "id", "No quickfill with this ID exists in your organization.")],
            Errors((await b.Tenant.Client.DataAsync(QuickfillData.Delete, new { id })).GetProperty("quickfillDelete")));

        // B's own quickfill with A's patients, A's clinic or A's prescriber: not found.
        Assert.Equal([("NOT_FOUND", "patientIds.0", "No patient with this ID exists in your organization.")], Errors(await ApplyAsync(bQuickfill, _patients.Take(1), b.ClinicId, b.Tenant.Client)));
        Assert.Equal([("NOT_FOUND", "quickfillId", "No quickfill with this ID exists for this clinic in your organization.")], Errors(await ApplyAsync(bQuickfill, b.Patients, _f.ClinicId, b.Tenant.Client)));
        Assert.Equal(
            [("NOT_FOUND", "input.clinicId", "No clinic with this ID exists in your organization."), ("NOT_FOUND", "input.prescriberId", "No prescriber with this ID exists in your organization.")],
            Errors((await b.Tenant.Client.DataAsync(QuickfillData.Create, new { input = Template(name: "Stolen") })).GetProperty("quickfillCreate")));
        var listed = await b.Tenant.Client.PostAsync(QuickfillData.List, new { clinicId = _f.ClinicId });
        Assert.Equal(["NOT_FOUND"], listed.ErrorCodes);

        Assert.Equal(before, (await C.DataAsync(QuickfillData.Node, new { id })).GetProperty("node").GetRawText());
        Assert.Equal(0, (await CartAsync()).GetProperty("lineCount").GetInt32());
        Assert.Equal(1, (await ListAsync()).GetProperty("totalCount").GetInt32());
    }

    /// <summary>A cart's lines and totals without the IDs and version that differ between two clinics.</summary>
    private static string Comparable(JsonElement cart) =>
        JsonSerializer.Serialize(new
        {
            lineCount = cart.GetProperty("lineCount").GetInt32(),
            totals = cart.GetProperty("totals"),
            lines = cart.At("lines.nodes").EnumerateArray().Select(l => new
            {
                patient = l.At("patient.id").GetString(),
                quantity = l.GetProperty("quantity"),
                sig = l.GetProperty("sig"),
                daysSupply = l.GetProperty("daysSupply"),
                product = l.GetProperty("product"),
                pharmacy = l.GetProperty("pharmacy"),
                prescriber = l.GetProperty("prescriber"),
                routingReason = l.GetProperty("routingReason"),
                lineTotal = l.GetProperty("lineTotal"),
                landedCost = l.GetProperty("landedCost"),
            }).ToList(),
        });
}

public sealed class QuickfillTestsOnSqlite() : QuickfillTests(DatabaseProvider.Sqlite, null);

[Collection(PostgresCollection.Name)]
public sealed class QuickfillTestsOnPostgres(PostgresServer postgres) : QuickfillTests(DatabaseProvider.Postgres, postgres);
