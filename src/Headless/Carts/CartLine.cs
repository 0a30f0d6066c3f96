using Headless.Catalog;
using Headless.Patients;
using Headless.Prescribers;
using Headless.Shared;

namespace Headless.Carts;

/// <summary>
/// One patient's medication in a cart. Quantity, SIG, days supply and prescriber may be left empty while
/// the coordinator works: validation reports what is missing instead of the edit being refused. A quantity,
/// once given, is always 1 to the offering's maximum per line, whether entered, merged or changed.
/// </summary>
public sealed class CartLine : IEntity, ITenantOwned
{
    public const int MaxSigLength = 1000;

    private CartLine()
    {
    }

    public CartLine(Cart cart, Patient patient, Offering offering, string routingReason, DateTimeOffset now)
    {
        OrganizationId = cart.OrganizationId;
        CartId = cart.Id;
        Cart = cart;
        Patient = patient;
        PatientId = patient.Id;
        SetOffering(offering, routingReason);
        CreatedAt = now;
        UpdatedAt = now;
    }

    public long Id { get; private set; }

    public long OrganizationId { get; private set; }

    public long CartId { get; private set; }

    public Cart Cart { get; private set; } = null!;

    public long PatientId { get; private set; }

    public Patient Patient { get; private set; } = null!;

    public long OfferingId { get; private set; }

    public Offering Offering { get; private set; } = null!;

    /// <summary>Copied from the offering so the database can refuse two lines for one patient, product and pharmacy.</summary>
    public long ProductId { get; private set; }

    public long PharmacyId { get; private set; }

    public int? Quantity { get; private set; }

    public string? Sig { get; private set; }

    public int? DaysSupply { get; private set; }

    public long? PrescriberId { get; private set; }

    public Prescriber? Prescriber { get; private set; }

    /// <summary>A ship-to other than the patient's own address; null ships to the patient's current address.</summary>
    public Address? ShipToOverride { get; private set; }

    /// <summary>The override's <see cref="Address.ShipmentKey"/>; null when the line ships to the patient's address.</summary>
    public string? ShipToKey { get; private set; }

    /// <summary>Why this pharmacy: chosen by the coordinator, or by the clinic's routing preference and on what grounds.</summary>
    public string RoutingReason { get; private set; } = "";

    public DateTimeOffset CreatedAt { get; private set; }

    public DateTimeOffset UpdatedAt { get; private set; }

    /// <summary>When this line is a corrected copy of a rejected order line: that line's number (HX-10042-03).</summary>
    public string? ResubmitsLineNumber { get; private set; }

    public Address ShipTo => ShipToOverride ?? Patient.Address;

    /// <summary>Which shipment of its pharmacy the line travels in (see <see cref="PricedLine"/>).</summary>
    public string ShipmentKey => ShipToKey ?? Patient.AddressKey;

    public void MarkResubmissionOf(string orderLineNumber) => ResubmitsLineNumber = orderLineNumber;

    /// <summary>
    /// Whether a line of <paramref name="offering"/> may order <paramref name="quantity"/> units: at least 1, at most
    /// the offering's maximum per line. Computed in 64 bits, so a merged or summed quantity cannot wrap around.
    /// </summary>
    public static bool IsAllowedQuantity(long quantity, Offering offering) => quantity >= 1 && quantity <= offering.MaxQuantity;

    /// <summary>What the quantity would be after merging <paramref name="added"/> units into this line (null stays as it is).</summary>
    public long? QuantityAfterMerge(int? added) => added is null ? Quantity : (long)(Quantity ?? 0) + added.Value;

    /// <summary>
    /// Moves the line to another offering of the same product and, optionally, sets its quantity with it, so a
    /// quantity that fits only the new offering's limit can change together with the offering.
    /// </summary>
    public void SetOffering(Offering offering, string routingReason, int? quantity = null)
    {
        if (ProductId != 0 && offering.ProductId != ProductId)
        {
            throw new InvalidOperationException("A line keeps its product; remove it and add another line to change the product.");
        }

        var resulting = quantity ?? Quantity;
        if (resulting is { } q && !IsAllowedQuantity(q, offering))
        {
            throw new InvalidOperationException($"Quantity {q} is outside 1..{offering.MaxQuantity} for this offering.");
        }

        Offering = offering;
        OfferingId = offering.Id;
        ProductId = offering.ProductId;
        PharmacyId = offering.PharmacyId;
        RoutingReason = routingReason;
        Quantity = resulting;
    }

    /// <summary>Sets the quantity (null while the coordinator has not entered it). The caller reports a quantity outside 1..max as a user error first.</summary>
    public void SetQuantity(int? quantity)
    {
        if (quantity is { } q && !IsAllowedQuantity(q, Offering))
        {
            throw new InvalidOperationException($"Quantity {q} is outside 1..{Offering.MaxQuantity} for this offering.");
        }

        Quantity = quantity;
    }

    public void SetSig(string? sig) => Sig = string.IsNullOrWhiteSpace(sig) ? null : sig.Trim();

    public void SetDaysSupply(int? days) => DaysSupply = days;

    public void SetPrescriber(Prescriber? prescriber)
    {
        Prescriber = prescriber;
        PrescriberId = prescriber?.Id;
    }

    public void SetShipTo(Address? address)
    {
        ShipToOverride = address;
        ShipToKey = address?.ShipmentKey();
    }

    /// <summary>
    /// Merges another request for the same patient, product and pharmacy into this line: quantities add up,
    /// and values this line lacks are taken from the request. Nothing the coordinator entered is dropped.
    /// </summary>
    public void MergeFrom(int? quantity, string? sig, int? daysSupply, Prescriber? prescriber, Address? shipTo)
    {
        if (QuantityAfterMerge(quantity) is { } merged && merged != Quantity)
        {
            // A merged quantity obeys the same limit as an entered one; IsAllowedQuantity keeps it within int.
            SetQuantity(IsAllowedQuantity(merged, Offering) ? (int)merged : throw new InvalidOperationException($"Merging would make quantity {merged}, outside 1..{Offering.MaxQuantity}."));
        }

        if (Sig is null)
        {
            SetSig(sig);
        }

        DaysSupply ??= daysSupply;
        if (Prescriber is null && prescriber is not null)
        {
            SetPrescriber(prescriber);
        }

        if (ShipToOverride is null && shipTo is not null)
        {
            SetShipTo(shipTo);
        }
    }

    public void Touch(DateTimeOffset now) => UpdatedAt = now;
}
