using System.Reflection;
using Headless.Carts;
using Headless.Catalog;
using Headless.Orders;
using Headless.Patients;
using Headless.Prescribers;
using Headless.Shared;

namespace Headless.Tests.Infrastructure;

/// <summary>
/// Entities built in memory with the ids and keys the database would give them, for unit tests of the rule types
/// (CartLine, CartValidator.Evaluate, LineLifecycle.Apply) where the front door would need a hundred set-ups.
/// Ids are set by reflection: the entities keep their private setters.
/// </summary>
public static class InMemory
{
    public const long OrganizationId = 7;
    public const string GoodSig = CartData.GoodSig;

    public static readonly DateOnly Today = DateOnly.FromDateTime(HeadlessApp.Now.UtcDateTime);

    private static long _nextId = 100;

    public static long NextId() => Interlocked.Increment(ref _nextId);

    /// <summary>Sets a property whatever its setter's visibility.</summary>
    public static T Set<T>(T target, string property, object? value)
        where T : notnull
    {
        var info = target.GetType().GetProperty(property, BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance)
            ?? throw new InvalidOperationException($"{target.GetType().Name} has no property {property}.");
        info.SetValue(target, value);
        return target;
    }

    public static T WithId<T>(T entity, long? id = null)
        where T : notnull => Set(entity, "Id", id ?? NextId());

    public static Pharmacy Pharmacy(string name = "East Compounding", int turnaroundDays = 3, params string[] states) =>
        WithId(new Pharmacy(name, turnaroundDays, 1200, states.Length == 0 ? ["TX", "NY"] : states));

    public static Product Product(string name = "Semaglutide", string? schedule = null) =>
        WithId(new Product(name, "2.5 mg/mL", "2 mL vial", schedule));

    public static Offering Offering(Product product, Pharmacy pharmacy, long unitPrice = 18900, int stock = 100, int maxQuantity = 4)
    {
        var offering = WithId(new Offering(product, pharmacy, unitPrice, stock, maxQuantity));
        Set(offering, nameof(Headless.Catalog.Offering.ProductId), product.Id);
        return Set(offering, nameof(Headless.Catalog.Offering.PharmacyId), pharmacy.Id);
    }

    public static Address Address(string state = "TX", string line1 = "12 Oak Ave", string city = "Austin", string zip = "78702") =>
        new() { Line1 = line1, City = city, State = state, Zip = zip };

    public static Patient Patient(string firstName = "Ana", string lastName = "Lima", DateOnly? dateOfBirth = null, Address? address = null) =>
        WithId(new Patient(OrganizationId, null, firstName, lastName, dateOfBirth ?? new DateOnly(1980, 4, 12), address ?? Address(), HeadlessApp.Now));

    /// <summary>A prescriber licensed in TX and NY until 2028 unless <paramref name="licenses"/> says otherwise.</summary>
    public static Prescriber Prescriber(string? dea = TestData.ValidDea, params (string State, DateOnly ExpiresOn)[] licenses) =>
        WithId(new Prescriber(
            OrganizationId, "Maya", "Okafor", TestData.ValidNpi, dea,
            (licenses.Length == 0 ? [("TX", new DateOnly(2028, 1, 31)), ("NY", new DateOnly(2028, 1, 31))] : licenses).Select(l => new PrescriberLicense(l.State, l.State + "-1", l.ExpiresOn)),
            HeadlessApp.Now));

    public static Cart Cart() => WithId(new Cart(OrganizationId, 3, HeadlessApp.Now));

    /// <summary>A complete line (valid unless the arguments make it otherwise), with an id.</summary>
    public static CartLine Line(Offering offering, Patient? patient = null, int? quantity = 1, string? sig = GoodSig, int? daysSupply = 28, Prescriber? prescriber = null, Address? shipTo = null, Cart? cart = null, bool noPrescriber = false)
    {
        var line = WithId(new CartLine(cart ?? Cart(), patient ?? Patient(), offering, "Chosen by the coordinator.", HeadlessApp.Now));
        line.SetQuantity(quantity);
        line.SetSig(sig);
        line.SetDaysSupply(daysSupply);
        line.SetPrescriber(noPrescriber ? null : prescriber ?? Prescriber());
        line.SetShipTo(shipTo);
        return line;
    }

    /// <summary>An order line in <paramref name="status"/> since <paramref name="since"/>, as the lifecycle finds it.</summary>
    public static OrderLine OrderLine(OrderLineStatus status, DateTimeOffset since, LineOwner owner = LineOwner.Pharmacy)
    {
        var line = (OrderLine)Activator.CreateInstance(typeof(OrderLine), nonPublic: true)!;
        WithId(line);
        Set(line, nameof(Headless.Orders.OrderLine.OrganizationId), OrganizationId);
        line.MoveTo(status, null, null, null, owner, since);
        return line;
    }
}
