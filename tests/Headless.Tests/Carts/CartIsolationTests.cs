using System.Text.Json;
using Headless.Data;
using Headless.GraphQL;
using Headless.Tests.Infrastructure;

namespace Headless.Tests.Carts;

/// <summary>Another organization's clinics, carts, lines, patients and prescribers behave exactly like missing ones.</summary>
public abstract class CartIsolationTests(DatabaseProvider provider, PostgresServer? postgres) : ProviderTest(provider, postgres)
{
    private CartFixture _a = null!;
    private CartFixture _b = null!;
    private string _bCart = null!;
    private string _bLine = null!;

    protected override async Task InitializeAppAsync()
    {
        _a = await CartData.CreateAsync(App, 1, "Alpha Org");
        _b = await CartData.CreateAsync(App, 1, "Beta Org");
        var cart = (await _b.Tenant.Client.DataAsync(CartData.Add, new { clinicId = _b.ClinicId, lines = new[] { CartData.GoodLine(_b.Patients[0], _b.Prescriber, _b.Catalog.SemaEast) } }))
            .At("cartLinesAdd.cart");
        _bCart = cart.GetProperty("id").GetString()!;
        _bLine = cart.At("lines.nodes.0.id").GetString()!;
    }

    [ProviderFact]
    public async Task Reading_another_organizations_cart_is_not_found_like_a_missing_clinic()
    {
        var foreign = await _a.Tenant.Client.PostAsync(CartData.Read, new { clinicId = _b.ClinicId });
        var missing = await _a.Tenant.Client.PostAsync(CartData.Read, new { clinicId = GlobalId.Encode("Clinic", 999_999) });

        Assert.Equal(["NOT_FOUND"], foreign.ErrorCodes);
        Assert.Equal(missing.Raw, foreign.Raw);
    }

    [ProviderFact]
    public async Task Node_does_not_return_another_organizations_cart_or_line()
    {
        foreach (var id in new[] { _bCart, _bLine })
        {
            var data = await _a.Tenant.Client.DataAsync("query($id: ID!) { node(id: $id) { id } }", new { id });
            var own = await _b.Tenant.Client.DataAsync("query($id: ID!) { node(id: $id) { id } }", new { id });
            Assert.Equal(JsonValueKind.Null, data.GetProperty("node").ValueKind);
            Assert.Equal(id, own.At("node.id").GetString());
        }
    }

    [ProviderFact]
    public async Task Editing_or_validating_another_organizations_cart_is_not_found_and_changes_nothing()
    {
        var c = _a.Tenant.Client;
        var missingCart = GlobalId.Encode("Cart", 999_999);
        var update = (await c.DataAsync(CartData.Update, new { cartId = _bCart, lines = new[] { new { lineId = _bLine, quantity = 3 } } })).GetProperty("cartLinesUpdate");
        var updateMissing = (await c.DataAsync(CartData.Update, new { cartId = missingCart, lines = new[] { new { lineId = _bLine, quantity = 3 } } })).GetProperty("cartLinesUpdate");
        var remove = (await c.DataAsync(CartData.Remove, new { cartId = _bCart, ids = new[] { _bLine } })).GetProperty("cartLinesRemove");
        var validate = (await c.DataAsync(CartData.Validate, new { cartId = _bCart })).GetProperty("cartValidate");
        var add = (await c.DataAsync(CartData.Add, new { clinicId = _b.ClinicId, lines = new[] { CartData.GoodLine(_a.Patients[0], _a.Prescriber, _a.Catalog.SemaEast) } })).GetProperty("cartLinesAdd");

        Assert.Equal(["NOT_FOUND"], update.UserErrorCodes());
        Assert.Equal(updateMissing.GetRawText(), update.GetRawText());
        Assert.Equal(["NOT_FOUND"], remove.UserErrorCodes());
        Assert.Equal(["NOT_FOUND"], validate.UserErrorCodes());
        Assert.Equal(["NOT_FOUND"], add.UserErrorCodes());
        Assert.Equal(["clinicId"], add.UserErrorFields());

        var b = (await _b.Tenant.Client.DataAsync(CartData.Read, new { clinicId = _b.ClinicId })).GetProperty("cart");
        Assert.Equal(1, b.GetProperty("lineCount").GetInt32());
        Assert.Equal(1, b.At("lines.nodes.0.quantity").GetInt32());
        Assert.Equal(JsonValueKind.Null, b.GetProperty("latestValidation").ValueKind);
    }

    [ProviderFact]
    public async Task Another_organizations_patient_or_prescriber_cannot_be_put_on_a_line()
    {
        var payload = (await _a.Tenant.Client.DataAsync(CartData.Add, new
        {
            clinicId = _a.ClinicId,
            lines = new[]
            {
                CartData.GoodLine(_b.Patients[0], _a.Prescriber, _a.Catalog.SemaEast),
                CartData.GoodLine(_a.Patients[0], _b.Prescriber, _a.Catalog.SemaEast),
            },
        })).GetProperty("cartLinesAdd");

        Assert.Equal(["NOT_FOUND", "NOT_FOUND"], payload.UserErrorCodes());
        Assert.Equal(["lines.0.patientId", "lines.1.prescriberId"], payload.UserErrorFields());
    }
}

public sealed class CartIsolationTestsOnSqlite() : CartIsolationTests(DatabaseProvider.Sqlite, null);

[Collection(PostgresCollection.Name)]
public sealed class CartIsolationTestsOnPostgres(PostgresServer postgres) : CartIsolationTests(DatabaseProvider.Postgres, postgres);
