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

/// <summary>
/// An order line with the patient, product, pharmacy and prescriber it points to, loaded for a whole page at once. A page
/// read for a query that does not ask for the prescriber leaves <see cref="LoadedPrescriber"/> null.
/// </summary>
public sealed record OrderLineView(OrderLine Line, string OrderNumber, Patient Patient, Product Product, Pharmacy Pharmacy, Prescriber? LoadedPrescriber) : IEntity
{
    public long Id => Line.Id;

    /// <summary>The prescriber, which every load but <see cref="LoadPageAsync"/> without prescribers sets.</summary>
    public Prescriber Prescriber => LoadedPrescriber ?? throw new InvalidOperationException("The line's prescriber was not loaded.");

    public string Number => OrderLine.FormatNumber(OrderNumber, Line.Position);

    /// <summary>
    /// One page of an order's lines in key order (up to <paramref name="first"/> + 1, so the caller sees whether more
    /// follow): the lines with their patients and products in one query, then their pharmacies and prescribers (a few
    /// rows, each with its collection) in one query each; the prescribers only <paramref name="withPrescribers"/>.
    /// </summary>
    public static async Task<List<OrderLineView>> LoadPageAsync(HeadlessDbContext db, long orderId, int first, long? after, bool withPrescribers, CancellationToken ct)
    {
        var lines = db.OrderLines.AsNoTracking().Where(l => l.OrderId == orderId);
        if (after is { } afterId)
        {
            lines = lines.Where(l => l.Id > afterId);
        }

        var rows = await (
            from l in lines
            join p in db.Patients.AsNoTracking() on l.PatientId equals p.Id
            join product in db.Products.AsNoTracking() on l.ProductId equals product.Id
            orderby l.Id
            select new { Line = l, Patient = p, Product = product }).Take(first + 1).ToListAsync(ct);
        if (rows.Count == 0)
        {
            return [];
        }

        var pharmacyIds = rows.Select(r => r.Line.PharmacyId).Distinct().ToList();
        var prescriberIds = rows.Select(r => r.Line.PrescriberId).Distinct().ToList();
        var pharmacies = await PharmaciesAsync(db, pharmacyIds, ct);
        var prescribers = withPrescribers ? await PrescribersAsync(db, prescriberIds, ct) : null;
        var number = Order.FormatNumber(orderId);
        return rows.Select(r => new OrderLineView(r.Line, number, r.Patient, r.Product, pharmacies[r.Line.PharmacyId], prescribers?[r.Line.PrescriberId])).ToList();
    }

    /// <summary>Loads what a set of lines points to in four queries, whatever the number of lines.</summary>
    public static async Task<List<OrderLineView>> LoadAsync(HeadlessDbContext db, IReadOnlyList<OrderLine> lines, CancellationToken ct)
    {
        var patientIds = lines.Select(l => l.PatientId).Distinct().ToList();
        var productIds = lines.Select(l => l.ProductId).Distinct().ToList();
        var pharmacyIds = lines.Select(l => l.PharmacyId).Distinct().ToList();
        var prescriberIds = lines.Select(l => l.PrescriberId).Distinct().ToList();
        var patients = await db.Patients.AsNoTracking().IgnoreQueryFilters().Where(p => patientIds.Contains(p.Id)).ToDictionaryAsync(p => p.Id, ct);
        var products = await db.Products.AsNoTracking().Where(p => productIds.Contains(p.Id)).ToDictionaryAsync(p => p.Id, ct);
        var pharmacies = await PharmaciesAsync(db, pharmacyIds, ct);
        var prescribers = await PrescribersAsync(db, prescriberIds, ct);
        return lines.Select(l => new OrderLineView(l, Order.FormatNumber(l.OrderId), patients[l.PatientId], products[l.ProductId], pharmacies[l.PharmacyId], prescribers[l.PrescriberId])).ToList();
    }

    private static Task<Dictionary<long, Pharmacy>> PharmaciesAsync(HeadlessDbContext db, List<long> ids, CancellationToken ct) =>
        db.Pharmacies.AsNoTracking().Where(p => ids.Contains(p.Id)).ToDictionaryAsync(p => p.Id, ct);

    private static Task<Dictionary<long, Prescriber>> PrescribersAsync(HeadlessDbContext db, List<long> ids, CancellationToken ct) =>
        db.Prescribers.AsNoTracking().IgnoreQueryFilters().Where(p => ids.Contains(p.Id)).ToDictionaryAsync(p => p.Id, ct);
}
