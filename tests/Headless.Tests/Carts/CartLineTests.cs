using Headless.Carts;
using Headless.Catalog;
using Headless.Tests.Infrastructure;
using static Headless.Tests.Infrastructure.InMemory;

namespace Headless.Tests.Carts;

/// <summary>
/// Cart line arithmetic as a unit: the 1..max quantity rule at its boundaries however a quantity is reached (entered,
/// merged, moved with the offering), what a merge keeps and takes, and the ship-to fallback. Pins what the front door
/// relies on (see QuantityLimitTests for the same rules through GraphQL).
/// </summary>
public sealed class CartLineTests
{
    private const int Max = 4;

    private readonly Product _sema = Product();
    private readonly Pharmacy _east = Pharmacy();
    private readonly Pharmacy _west = Pharmacy("West Compounding", 3, "TX", "CA");

    private Offering Sema(int maxQuantity = Max) => Offering(_sema, _east, maxQuantity: maxQuantity);

    [Theory]
    [InlineData(long.MinValue, false)]
    [InlineData(-1L, false)]
    [InlineData(0L, false)]
    [InlineData(1L, true)]
    [InlineData(2L, true)]
    [InlineData(Max, true)]
    [InlineData(Max + 1L, false)]
    [InlineData(int.MaxValue + 1L, false)]
    [InlineData(long.MaxValue, false)]
    public void A_quantity_is_allowed_from_1_to_the_offerings_maximum(long quantity, bool allowed) =>
        Assert.Equal(allowed, CartLine.IsAllowedQuantity(quantity, Sema()));

    [Theory]
    [InlineData(2, 3, 5L)]
    [InlineData(null, 3, 3L)]
    [InlineData(2, null, 2L)]
    [InlineData(null, null, null)]
    [InlineData(3, 0, 3L)]
    [InlineData(int.MaxValue, int.MaxValue, 2L * int.MaxValue)]
    public void A_merged_quantity_adds_up_in_64_bits_and_null_adds_nothing(int? current, int? added, long? expected)
    {
        var line = Line(Sema(int.MaxValue), quantity: current);

        Assert.Equal(expected, line.QuantityAfterMerge(added));
        Assert.Equal(current, line.Quantity);
    }

    [Fact]
    public void A_new_line_takes_its_keys_from_the_cart_patient_and_offering_and_ships_to_the_patient()
    {
        var cart = Cart();
        var patient = Patient();
        var offering = Sema();
        var at = HeadlessApp.Now.AddMinutes(3);

        var line = new CartLine(cart, patient, offering, "Cheapest licensed pharmacy.", at);

        Assert.Equal((OrganizationId, cart.Id, patient.Id, offering.Id, _sema.Id, _east.Id), (line.OrganizationId, line.CartId, line.PatientId, line.OfferingId, line.ProductId, line.PharmacyId));
        Assert.Same(cart, line.Cart);
        Assert.Same(patient, line.Patient);
        Assert.Same(offering, line.Offering);
        Assert.Equal("Cheapest licensed pharmacy.", line.RoutingReason);
        Assert.Equal((at, at), (line.CreatedAt, line.UpdatedAt));
        Assert.Null(line.Quantity);
        Assert.Null(line.ShipToOverride);
        Assert.Null(line.ShipToKey);
        Assert.Same(patient.Address, line.ShipTo);
        Assert.Equal(patient.AddressKey, line.ShipmentKey);
        Assert.NotEqual("", line.ShipmentKey);
    }

    [Theory]
    [InlineData(null, true)]
    [InlineData(int.MinValue, false)]
    [InlineData(-1, false)]
    [InlineData(0, false)]
    [InlineData(1, true)]
    [InlineData(Max, true)]
    [InlineData(Max + 1, false)]
    [InlineData(int.MaxValue, false)]
    public void Setting_a_quantity_outside_1_to_max_throws_and_keeps_the_old_one(int? quantity, bool allowed)
    {
        var line = Line(Sema(), quantity: 2);

        if (allowed)
        {
            line.SetQuantity(quantity);
            Assert.Equal(quantity, line.Quantity);
        }
        else
        {
            Assert.Throws<InvalidOperationException>(() => line.SetQuantity(quantity));
            Assert.Equal(2, line.Quantity);
        }
    }

    [Fact]
    public void Moving_to_another_pharmacy_of_the_same_product_keeps_the_quantity_unless_one_comes_with_it()
    {
        var line = Line(Sema(), quantity: 3);
        var west = Offering(_sema, _west, 19900, maxQuantity: 4);

        line.SetOffering(west, "Moved by the coordinator.");
        Assert.Equal((west.Id, _sema.Id, _west.Id, 3), (line.OfferingId, line.ProductId, line.PharmacyId, line.Quantity));
        Assert.Same(west, line.Offering);
        Assert.Equal("Moved by the coordinator.", line.RoutingReason);

        line.SetOffering(Sema(), "Back east.", quantity: 1);
        Assert.Equal((_east.Id, 1), (line.PharmacyId, line.Quantity));
    }

    [Fact]
    public void A_quantity_that_fits_only_the_new_offering_must_move_with_it()
    {
        var line = Line(Sema(), quantity: 4);
        var small = Offering(_sema, _west, maxQuantity: 2);

        Assert.Throws<InvalidOperationException>(() => line.SetOffering(small, "Moved."));
        Assert.Equal((_east.Id, 4, "Chosen by the coordinator."), (line.PharmacyId, line.Quantity, line.RoutingReason));

        Assert.Throws<InvalidOperationException>(() => line.SetOffering(small, "Moved.", quantity: 3));
        Assert.Throws<InvalidOperationException>(() => line.SetOffering(small, "Moved.", quantity: 0));
        Assert.Equal((_east.Id, 4), (line.PharmacyId, line.Quantity));

        line.SetOffering(small, "Moved.", quantity: 2);
        Assert.Equal((_west.Id, small.Id, 2), (line.PharmacyId, line.OfferingId, line.Quantity));
    }

    [Fact]
    public void A_line_without_a_quantity_moves_without_one()
    {
        var line = Line(Sema(), quantity: null);

        line.SetOffering(Offering(_sema, _west, maxQuantity: 1), "Moved.");

        Assert.Null(line.Quantity);
        Assert.Equal(_west.Id, line.PharmacyId);
    }

    [Fact]
    public void A_line_keeps_its_product()
    {
        var line = Line(Sema(), quantity: 1);
        var other = Offering(Product("NAD+"), _east);

        Assert.Throws<InvalidOperationException>(() => line.SetOffering(other, "Other product."));
        Assert.Equal((_sema.Id, line.Offering.Id), (line.ProductId, line.OfferingId));
        Assert.NotEqual(other.Id, line.OfferingId);
    }

    [Theory]
    [InlineData("  Inject 0.25 mg subcutaneously once weekly \t", "Inject 0.25 mg subcutaneously once weekly")]
    [InlineData("Take 1 tablet by mouth daily", "Take 1 tablet by mouth daily")]
    [InlineData(" \t ", null)]
    [InlineData("", null)]
    [InlineData(null, null)]
    public void A_sig_is_trimmed_and_blank_means_none(string? sig, string? stored)
    {
        var line = Line(Sema(), sig: "Old directions");

        line.SetSig(sig);

        Assert.Equal(stored, line.Sig);
    }

    [Fact]
    public void Days_supply_prescriber_and_ship_to_are_set_and_cleared()
    {
        var patient = Patient();
        var line = Line(Sema(), patient: patient, daysSupply: null, noPrescriber: true);
        var prescriber = Prescriber();
        var elsewhere = Address("NY", "1 Broadway", "New York", "10004");

        line.SetDaysSupply(30);
        line.SetPrescriber(prescriber);
        line.SetShipTo(elsewhere);
        Assert.Equal(30, line.DaysSupply);
        Assert.Same(prescriber, line.Prescriber);
        Assert.Equal(prescriber.Id, line.PrescriberId);
        Assert.Same(elsewhere, line.ShipTo);
        Assert.Equal(elsewhere.ShipmentKey(), line.ShipToKey);
        Assert.Equal(elsewhere.ShipmentKey(), line.ShipmentKey);
        Assert.NotEqual(patient.AddressKey, line.ShipmentKey);

        line.SetDaysSupply(null);
        line.SetPrescriber(null);
        line.SetShipTo(null);
        Assert.Null(line.DaysSupply);
        Assert.Null(line.Prescriber);
        Assert.Null(line.PrescriberId);
        Assert.Null(line.ShipToKey);
        Assert.Same(patient.Address, line.ShipTo);
        Assert.Equal(patient.AddressKey, line.ShipmentKey);
    }

    [Fact]
    public void Merging_into_an_empty_line_takes_every_value_of_the_request()
    {
        var line = Line(Sema(), quantity: null, sig: null, daysSupply: null, noPrescriber: true);
        var prescriber = Prescriber();
        var shipTo = Address("NY", "1 Broadway", "New York", "10004");

        line.MergeFrom(2, "  Inject 0.25 mg subcutaneously once weekly ", 30, prescriber, shipTo);

        Assert.Equal((2, "Inject 0.25 mg subcutaneously once weekly", 30), (line.Quantity, line.Sig, line.DaysSupply));
        Assert.Same(prescriber, line.Prescriber);
        Assert.Equal(prescriber.Id, line.PrescriberId);
        Assert.Same(shipTo, line.ShipToOverride);
        Assert.Equal(shipTo.ShipmentKey(), line.ShipToKey);
    }

    [Fact]
    public void Merging_into_a_full_line_adds_the_quantity_and_drops_nothing_the_coordinator_entered()
    {
        var prescriber = Prescriber();
        var shipTo = Address("NY", "1 Broadway", "New York", "10004");
        var line = Line(Sema(), quantity: 1, sig: "Inject 0.5 mg subcutaneously once weekly", daysSupply: 28, prescriber: prescriber, shipTo: shipTo);

        line.MergeFrom(2, "Inject 1 mg subcutaneously once weekly", 84, Prescriber(), Address("CA", "9 Pine St", "San Francisco", "94103"));

        Assert.Equal((3, "Inject 0.5 mg subcutaneously once weekly", 28), (line.Quantity, line.Sig, line.DaysSupply));
        Assert.Same(prescriber, line.Prescriber);
        Assert.Equal(prescriber.Id, line.PrescriberId);
        Assert.Same(shipTo, line.ShipToOverride);
        Assert.Equal(shipTo.ShipmentKey(), line.ShipToKey);
    }

    [Fact]
    public void Merging_nothing_changes_nothing()
    {
        var prescriber = Prescriber();
        var line = Line(Sema(), quantity: 3, prescriber: prescriber);

        line.MergeFrom(null, null, null, null, null);
        line.MergeFrom(0, null, null, null, null);

        Assert.Equal((3, GoodSig, 28), (line.Quantity, line.Sig, line.DaysSupply));
        Assert.Same(prescriber, line.Prescriber);
        Assert.Null(line.ShipToOverride);

        var empty = Line(Sema(), quantity: null, noPrescriber: true);
        empty.MergeFrom(null, null, null, null, null);
        Assert.Null(empty.Quantity);
        Assert.Null(empty.Prescriber);
        Assert.Null(empty.ShipToKey);
    }

    [Theory]
    [InlineData(1, 3, 4)]
    [InlineData(2, 2, 4)]
    [InlineData(null, 4, 4)]
    [InlineData(null, 1, 1)]
    [InlineData(3, 2, null)]
    [InlineData(4, 1, null)]
    [InlineData(null, 5, null)]
    [InlineData(null, 0, null)]
    [InlineData(2, -1, 1)]
    [InlineData(1, -1, null)]
    [InlineData(4, int.MaxValue, null)]
    public void A_merged_quantity_obeys_the_same_limit_as_an_entered_one(int? current, int added, int? merged)
    {
        var line = Line(Sema(), quantity: current);

        if (merged is null)
        {
            Assert.Throws<InvalidOperationException>(() => line.MergeFrom(added, null, null, null, null));
            Assert.Equal(current, line.Quantity);
        }
        else
        {
            line.MergeFrom(added, null, null, null, null);
            Assert.Equal(merged, line.Quantity);
        }
    }

    [Fact]
    public void Touch_and_resubmission_mark_the_line()
    {
        var line = Line(Sema());
        var later = HeadlessApp.Now.AddHours(2);

        line.Touch(later);
        line.MarkResubmissionOf("HX-10042-03");

        Assert.Equal(later, line.UpdatedAt);
        Assert.Equal(HeadlessApp.Now, line.CreatedAt);
        Assert.Equal("HX-10042-03", line.ResubmitsLineNumber);
    }
}
