using System.CommandLine;
using Headless.Catalog;
using Microsoft.EntityFrameworkCore;

namespace Headless.Operator;

/// <summary>
/// 'catalog import FILE.csv': creates or updates products and the pharmacies' offerings of them, all or nothing. Every row
/// is checked (form, then against the database) before anything is written; one bad row and nothing changes.
/// </summary>
internal static class CatalogCommands
{
    public static Command Create(OperatorSession session)
    {
        var file = new Argument<FileInfo>("file") { Description = "The CSV file: header " + string.Join(",", CatalogCsv.Required) + " (optional: " + string.Join(",", CatalogCsv.Optional) + ")." };
        var dryRun = new Option<bool>("--dry-run") { Description = "Check the file and report what would change, without changing anything." };
        var import = new Command("import", "Creates or updates products and offerings from a CSV file (idempotent; all rows or none).") { file, dryRun };
        import.SetOperatorAction(session, (parse, s, ct) => ImportAsync(s, parse.GetValue(file)!, parse.GetValue(dryRun), ct));
        return new Command("catalog", "The shared partner catalog: products and the pharmacies' offerings.") { import };
    }

    private enum Outcome
    {
        Created,
        Updated,
        Unchanged,
    }

    private sealed record Change(CatalogRow Row, Outcome Outcome, string Detail);

    private static async Task<int> ImportAsync(OperatorSession s, FileInfo file, bool dryRun, CancellationToken ct)
    {
        if (!file.Exists)
        {
            throw new OperatorException($"No file at {file.FullName}.");
        }

        List<CatalogRow> rows;
        List<CatalogRowError> errors;
        using (var reader = new StreamReader(file.FullName))
        {
            (rows, errors) = CatalogCsv.Read(reader);
        }

        await using var db = s.Database.CreatePlatformContext();
        var pharmacies = (await db.Pharmacies.ToListAsync(ct)).ToLookup(p => p.Name, StringComparer.Ordinal);
        var products = (await db.Products.OrderBy(p => p.Id).ToListAsync(ct))
            .GroupBy(p => (p.Name, p.Strength, p.Form)).ToDictionary(g => g.Key, g => g.First());
        var offerings = (await db.Offerings.ToListAsync(ct)).ToDictionary(o => (o.ProductId, o.PharmacyId));

        // Checks against the database and across rows; nothing is written until every row has passed.
        var seenOffering = new Dictionary<(string, string, string, string), int>();
        var newProductSchedule = new Dictionary<(string, string, string), (string? Schedule, int Line)>();
        var resolved = new List<(CatalogRow Row, Pharmacy Pharmacy)>();
        foreach (var row in rows)
        {
            var problems = new List<string>();
            var named = pharmacies[row.Pharmacy].ToList();
            if (named.Count != 1)
            {
                problems.Add(named.Count == 0 ? $"no pharmacy is named '{row.Pharmacy}' ('pharmacy add' adds one)" : $"more than one pharmacy is named '{row.Pharmacy}'");
            }

            if (seenOffering.TryGetValue((row.Pharmacy, row.Product, row.Strength, row.Form), out var earlier))
            {
                problems.Add($"the same pharmacy and product as line {earlier}");
            }
            else
            {
                seenOffering[(row.Pharmacy, row.Product, row.Strength, row.Form)] = row.Line;
            }

            var productKey = (row.Product, row.Strength, row.Form);
            if (products.TryGetValue(productKey, out var existing))
            {
                if (existing.ControlledSchedule != row.Schedule)
                {
                    problems.Add($"the catalog has {row.ProductLabel} with schedule {existing.ControlledSchedule ?? "none"}; an import does not change a product's schedule");
                }
            }
            else if (newProductSchedule.TryGetValue(productKey, out var first))
            {
                if (first.Schedule != row.Schedule)
                {
                    problems.Add($"schedule {row.Schedule ?? "none"} differs from line {first.Line}'s {first.Schedule ?? "none"} for the same product");
                }
            }
            else
            {
                newProductSchedule[productKey] = (row.Schedule, row.Line);
            }

            if (problems.Count > 0)
            {
                errors.Add(new(row.Line, string.Join("; ", problems) + "."));
            }
            else
            {
                resolved.Add((row, named[0]));
            }
        }

        var o = s.Console.Out;
        if (errors.Count > 0)
        {
            var e = s.Console.Error;
            await e.WriteLineAsync($"error: {file.Name}: {errors.Count} bad row(s); nothing was imported.");
            foreach (var error in errors.OrderBy(x => x.Line))
            {
                await e.WriteLineAsync($"  line {error.Line}: {error.Message}");
            }

            return 1;
        }

        var changes = new List<Change>();
        var stockSets = new List<(Offering Offering, int Stock)>();
        var productsCreated = 0;
        foreach (var (row, pharmacy) in resolved)
        {
            var productKey = (row.Product, row.Strength, row.Form);
            if (!products.TryGetValue(productKey, out var product))
            {
                product = new Product(row.Product, row.Strength, row.Form, row.Schedule);
                db.Products.Add(product);
                products[productKey] = product;
                productsCreated++;
            }

            if (product.Id == 0 || !offerings.TryGetValue((product.Id, pharmacy.Id), out var offering))
            {
                var created = new Offering(product, pharmacy, row.UnitPrice, row.Stock, row.MaxQuantity);
                if (!row.Active)
                {
                    created.Deactivate();
                }

                db.Offerings.Add(created);
                changes.Add(new(row, Outcome.Created, $"{row.ProductLabel} at {pharmacy.Name}: unit_price {row.UnitPrice}, stock {row.Stock}, max_quantity {row.MaxQuantity}, {(row.Active ? "active" : "inactive")}"));
                continue;
            }

            var diffs = new List<string>();
            if (offering.UnitPrice != row.UnitPrice)
            {
                diffs.Add($"unit_price {offering.UnitPrice} -> {row.UnitPrice}");
            }

            if (offering.Stock != row.Stock)
            {
                diffs.Add($"stock {offering.Stock} -> {row.Stock}");
                stockSets.Add((offering, row.Stock));
            }

            if (offering.MaxQuantity != row.MaxQuantity)
            {
                diffs.Add($"max_quantity {offering.MaxQuantity} -> {row.MaxQuantity}");
            }

            if (offering.Active != row.Active)
            {
                diffs.Add($"active {(offering.Active ? "true" : "false")} -> {(row.Active ? "true" : "false")}");
            }

            if (diffs.Count == 0)
            {
                changes.Add(new(row, Outcome.Unchanged, ""));
                continue;
            }

            offering.Revise(row.UnitPrice, row.MaxQuantity, row.Active);
            changes.Add(new(row, Outcome.Updated, $"{row.ProductLabel} at {pharmacy.Name}: {string.Join(", ", diffs)}"));
        }

        if (!dryRun)
        {
            await using var transaction = await db.Database.BeginTransactionAsync(ct);
            await db.SaveChangesAsync(ct);
            foreach (var (offering, stock) in stockSets)
            {
                await StockLedger.SetOnHandAsync(db, offering.Id, stock, ct);
            }

            await transaction.CommitAsync(ct);
        }

        int Count(Outcome outcome) => changes.Count(c => c.Outcome == outcome);
        await o.WriteLineAsync(
            $"{(dryRun ? "Dry run, nothing written: " : "Imported ")}{file.Name}: {changes.Count} row(s), {Count(Outcome.Created)} created, " +
            $"{Count(Outcome.Updated)} updated, {Count(Outcome.Unchanged)} unchanged; {productsCreated} new product(s).");
        foreach (var c in changes.Where(c => c.Outcome != Outcome.Unchanged))
        {
            await o.WriteLineAsync($"  line {c.Row.Line}: {(c.Outcome == Outcome.Created ? "created" : "updated")} {c.Detail}");
        }

        var unchanged = changes.Where(c => c.Outcome == Outcome.Unchanged).Select(c => c.Row.Line).ToList();
        if (unchanged.Count > 0)
        {
            await o.WriteLineAsync($"  unchanged: line(s) {string.Join(", ", unchanged)}");
        }

        return 0;
    }
}
