using System.Globalization;
using CsvHelper;
using CsvHelper.Configuration;

namespace Headless.Operator;

/// <summary>One data row of a catalog file, checked for form (not yet against the database).</summary>
internal sealed record CatalogRow(
    int Line, string Pharmacy, string Product, string Strength, string Form, string? Schedule, long UnitPrice, int Stock, int MaxQuantity, bool Active)
{
    public string ProductLabel => $"{Product} {Strength} {Form}";
}

/// <summary>A row that cannot be imported, by its line number in the file (1 is the header).</summary>
internal sealed record CatalogRowError(int Line, string Message);

/// <summary>
/// Reads a catalog CSV (RFC 4180, with a header row; README "Catalog import") with CsvHelper and checks every row's
/// fields. Every problem is collected, so one run names every bad row.
/// </summary>
internal static class CatalogCsv
{
    public static readonly string[] Required = ["pharmacy", "product", "strength", "form", "unit_price", "stock", "max_quantity"];

    public static readonly string[] Optional = ["schedule", "active"];

    private static readonly string[] Schedules = ["II", "III", "IV", "V"];

    public static (List<CatalogRow> Rows, List<CatalogRowError> Errors) Read(TextReader reader)
    {
        var rows = new List<CatalogRow>();
        var errors = new List<CatalogRowError>();
        var config = new CsvConfiguration(CultureInfo.InvariantCulture)
        {
            PrepareHeaderForMatch = a => Normalize(a.Header),
            TrimOptions = TrimOptions.Trim,
            DetectColumnCountChanges = false,
            MissingFieldFound = null,
        };

        using var csv = new CsvReader(reader, config);
        try
        {
            if (!csv.Read() || !csv.ReadHeader() || csv.HeaderRecord is not { } header)
            {
                errors.Add(new(1, "the file is empty: the first line must be the header (" + string.Join(",", Required) + ")."));
                return (rows, errors);
            }

            var columns = header.Select(Normalize).ToList();
            var unknown = columns.Where(c => !Required.Contains(c) && !Optional.Contains(c)).ToList();
            var missing = Required.Where(c => !columns.Contains(c)).ToList();
            var repeated = columns.GroupBy(c => c).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
            if (unknown.Count > 0 || missing.Count > 0 || repeated.Count > 0)
            {
                var problems = new List<string>();
                if (missing.Count > 0)
                {
                    problems.Add("missing column(s) " + string.Join(", ", missing));
                }

                if (unknown.Count > 0)
                {
                    problems.Add("unknown column(s) " + string.Join(", ", unknown) + " (known: " + string.Join(", ", Required.Concat(Optional)) + ")");
                }

                if (repeated.Count > 0)
                {
                    problems.Add("repeated column(s) " + string.Join(", ", repeated));
                }

                errors.Add(new(StartLine(csv), "header: " + string.Join("; ", problems) + "."));
                return (rows, errors);
            }

            while (csv.Read())
            {
                var line = StartLine(csv);
                if (csv.Parser.Count != columns.Count)
                {
                    errors.Add(new(line, $"{csv.Parser.Count} field(s) where the header has {columns.Count}."));
                    continue;
                }

                var problems = new List<string>();
                string Field(string column) => csv.GetField(columns.IndexOf(column)) ?? "";
                string? Optional(string column) => columns.Contains(column) ? Field(column) : null;

                var pharmacy = Text(Field("pharmacy"), "pharmacy", 200, problems);
                var product = Text(Field("product"), "product", 200, problems);
                var strength = Text(Field("strength"), "strength", 100, problems);
                var form = Text(Field("form"), "form", 100, problems);
                var schedule = Optional("schedule") is { Length: > 0 } sc ? sc.ToUpperInvariant() : null;
                if (schedule is not null && !Schedules.Contains(schedule))
                {
                    problems.Add($"schedule '{schedule}' is not a DEA schedule (II, III, IV or V; empty when not controlled)");
                }

                var unitPrice = Whole(Field("unit_price"), "unit_price", 1, long.MaxValue, problems);
                var stock = (int)Whole(Field("stock"), "stock", 0, int.MaxValue, problems);
                var maxQuantity = (int)Whole(Field("max_quantity"), "max_quantity", 1, int.MaxValue, problems);
                var active = true;
                if (Optional("active") is { Length: > 0 } a)
                {
                    switch (a.ToLowerInvariant())
                    {
                        case "true" or "yes" or "1":
                            break;
                        case "false" or "no" or "0":
                            active = false;
                            break;
                        default:
                            problems.Add($"active '{a}' is not true or false");
                            break;
                    }
                }

                if (problems.Count > 0)
                {
                    errors.Add(new(line, string.Join("; ", problems) + "."));
                }
                else
                {
                    rows.Add(new(line, pharmacy, product, strength, form, schedule, unitPrice, stock, maxQuantity, active));
                }
            }
        }
        catch (CsvHelperException ex) when (ex is BadDataException or ParserException)
        {
            // Past malformed quoting the reader cannot tell where the next row starts: report the line and stop reading.
            errors.Add(new(ex.Context?.Parser?.RawRow ?? 0, "malformed CSV (a quote inside an unquoted field, or a quoted field that is not closed); nothing after it was read."));
        }

        return (rows, errors);
    }

    private static string Normalize(string header) => header.Trim().ToLowerInvariant().Replace(' ', '_').Replace('-', '_');

    /// <summary>The line a record starts on: a quoted field may span lines, and the parser counts to the record's last one.</summary>
    private static int StartLine(CsvReader csv)
    {
        var raw = csv.Parser.RawRecord.AsSpan().TrimEnd("\r\n");
        return csv.Parser.RawRow - raw.Count('\n');
    }

    private static string Text(string value, string column, int max, List<string> problems)
    {
        if (value.Length == 0)
        {
            problems.Add($"{column} is empty");
        }
        else if (value.Length > max)
        {
            problems.Add($"{column} is longer than {max} characters");
        }

        return value;
    }

    private static long Whole(string value, string column, long min, long max, List<string> problems)
    {
        if (!long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var n) || n < min || n > max)
        {
            problems.Add(min == 0
                ? $"{column} '{value}' is not a whole number of 0 or more"
                : $"{column} '{value}' is not a whole number of {min} or more{(column == "unit_price" ? " (minor units: cents)" : "")}");
            return 0;
        }

        return n;
    }
}
