using GraphQL;
using GraphQL.Types;
using Headless.Catalog;
using Headless.Clinics;
using Headless.Data;
using Headless.GraphQL;
using Headless.Orders.Lifecycle;
using Headless.Patients;
using Headless.Prescribers;
using Headless.Shared;
using Microsoft.EntityFrameworkCore;

namespace Headless.Orders;

/// <summary>An order line with the patient, product, pharmacy and prescriber it points to, loaded for a whole page at once.</summary>
public sealed record OrderLineView(OrderLine Line, string OrderNumber, Patient Patient, Product Product, Pharmacy Pharmacy, Prescriber Prescriber) : IEntity
{
    public long Id => Line.Id;

    public string Number => OrderLine.FormatNumber(OrderNumber, Line.Position);

    /// <summary>Loads what a set of lines points to in four queries, whatever the number of lines.</summary>
    public static async Task<List<OrderLineView>> LoadAsync(HeadlessDbContext db, IReadOnlyList<OrderLine> lines, CancellationToken ct)
    {
        var patientIds = lines.Select(l => l.PatientId).Distinct().ToList();
        var productIds = lines.Select(l => l.ProductId).Distinct().ToList();
        var pharmacyIds = lines.Select(l => l.PharmacyId).Distinct().ToList();
        var prescriberIds = lines.Select(l => l.PrescriberId).Distinct().ToList();
        var patients = await db.Patients.AsNoTracking().IgnoreQueryFilters().Where(p => patientIds.Contains(p.Id)).ToDictionaryAsync(p => p.Id, ct);
        var products = await db.Products.AsNoTracking().Where(p => productIds.Contains(p.Id)).ToDictionaryAsync(p => p.Id, ct);
        var pharmacies = await db.Pharmacies.AsNoTracking().Where(p => pharmacyIds.Contains(p.Id)).ToDictionaryAsync(p => p.Id, ct);
        var prescribers = await db.Prescribers.AsNoTracking().IgnoreQueryFilters().Where(p => prescriberIds.Contains(p.Id)).ToDictionaryAsync(p => p.Id, ct);
        return lines.Select(l => new OrderLineView(l, Order.FormatNumber(l.OrderId), patients[l.PatientId], products[l.ProductId], pharmacies[l.PharmacyId], prescribers[l.PrescriberId])).ToList();
    }
}
