using Headless.Shared;

namespace Headless.Catalog;

/// <summary>A compounded medication: name, strength and dosage form, with its DEA schedule when controlled.</summary>
public sealed class Product : IEntity
{
    private Product()
    {
    }

    public Product(string name, string strength, string form, string? controlledSchedule)
    {
        Name = name;
        Strength = strength;
        Form = form;
        ControlledSchedule = controlledSchedule;
        RefreshSearchText();
    }

    public long Id { get; private set; }

    public string Name { get; private set; } = "";

    public string Strength { get; private set; } = "";

    public string Form { get; private set; } = "";

    /// <summary>DEA schedule ("II" to "V") for controlled substances; null otherwise.</summary>
    public string? ControlledSchedule { get; private set; }

    /// <summary>Lower-cased name, strength and form kept for case-insensitive search on every provider.</summary>
    public string SearchText { get; private set; } = "";

    public bool Discontinued { get; private set; }

    public bool IsControlled => ControlledSchedule is not null;

    public void Discontinue() => Discontinued = true;

    internal void RefreshSearchText() => SearchText = $"{Name} {Strength} {Form}".ToLowerInvariant();
}

/// <summary>A product as sold by one pharmacy: pass-through unit price, stock, quantity limit.</summary>
public sealed class Offering : IEntity
{
    private Offering()
    {
    }

    public Offering(Product product, Pharmacy pharmacy, long unitPrice, int stock, int maxQuantity)
    {
        Product = product;
        Pharmacy = pharmacy;
        UnitPrice = unitPrice;
        Stock = stock;
        MaxQuantity = maxQuantity;
        Active = true;
    }

    public long Id { get; private set; }

    public long ProductId { get; private set; }

    public Product Product { get; private set; } = null!;

    public long PharmacyId { get; private set; }

    public Pharmacy Pharmacy { get; private set; } = null!;

    /// <summary>Price per unit (vial, pack) in minor units of <see cref="Currency"/>.</summary>
    public long UnitPrice { get; private set; }

    public string Currency { get; private set; } = Money.DefaultCurrency;

    /// <summary>
    /// Units on hand that are not reserved by an order. Moved only by <see cref="StockLedger"/>, in SQL, and set
    /// outright by the pharmacy's own figure (<see cref="OfferingPartnerUpdates"/>).
    /// </summary>
    public int Stock { get; private set; }

    /// <summary>The most units one line may order.</summary>
    public int MaxQuantity { get; private set; }

    public bool Active { get; private set; }

    /// <summary>When the last offering.updated applied to this offering happened (by the pharmacy's clock); null before the first.</summary>
    public DateTimeOffset? PartnerUpdatedAt { get; private set; }

    /// <summary>The event id of that update: the tie-break between two updates stamped with the same instant.</summary>
    public string? PartnerUpdateEventId { get; private set; }

    public bool IsAvailable => Active && !Product.Discontinued;

    public void Deactivate() => Active = false;

    /// <summary>The terms a catalog import sets (Operator/CatalogCommands); stock is set through <see cref="StockLedger"/>.</summary>
    public void Revise(long unitPrice, int maxQuantity, bool active)
    {
        UnitPrice = unitPrice;
        MaxQuantity = maxQuantity;
        Active = active;
    }
}
