using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Headless.Carts.Validation.Sig;

/// <summary>
/// A deterministic, rule-based reader of prescription directions (SIG). It finds the four parts that rule
/// SIG_INCOMPLETE requires — action, dose with unit, route and frequency — and normalises them:
/// <list type="bullet">
/// <item>Action: the imperative verb ("inject", "take", "apply", "place", "insert", "dissolve", "use", "spray",
/// "instill", "rub", "give", "administer", "chew", "swallow", "inhale", "massage", "spread", "drink").</item>
/// <item>Dose: amount and unit (<see cref="SigDose"/>); digits, decimals, fractions, mixed numbers and the words
/// one..twelve/half are understood. A number without a unit is not a dose.</item>
/// <item>Route: "subcutaneous", "intramuscular", "intravenous", "oral", "sublingual", "buccal", "topical",
/// "transdermal", "vaginal", "rectal", "nasal", "ophthalmic", "otic", "inhaled". A route is implied by the action
/// only where that is unambiguous: swallow/chew/drink → oral, inhale → inhaled, apply/rub/massage/spread/place
/// onto a skin site → topical (transdermal for a patch). "Inject" and "take" alone imply nothing.</item>
/// <item>Frequency: "once daily", "twice daily", "3 times daily", "every 12 hours", "every other day",
/// "every 3 days", "once weekly", "twice weekly", "3 times weekly", "every 2 weeks", "once monthly",
/// "at bedtime", "every morning", "every evening", "with meals", "once" (single dose)...; " as needed" is
/// appended when PRN is stated alongside a frequency. PRN alone is not a frequency.</item>
/// </list>
/// The reader never throws for any input and never logs; directions are PHI.
/// </summary>
public static class SigReader
{
    /// <summary>Directions beyond this length are not read (NCPDP SCRIPT caps the Sig text at 1000 characters).</summary>
    public const int MaxLength = 1000;

    private const string OnceDaily = "once daily";
    private const string OnceWeekly = "once weekly";
    private const string AtBedtime = "at bedtime";
    private const string EveryMorning = "every morning";
    private const string EveryEvening = "every evening";

    private static readonly SigReading Nothing = new(null, null, null, null);

    public static SigReading Read(string? directions)
    {
        if (string.IsNullOrWhiteSpace(directions))
        {
            return Nothing;
        }

        var text = Normalize(directions.AsSpan(0, Math.Min(directions.Length, MaxLength)));
        if (text.Length == 0)
        {
            return Nothing;
        }

        var action = ReadAction(text);
        var dose = ReadDose(text, out var nakedDecimal);
        var route = ReadRoute(text, action, dose);
        var frequency = ReadFrequency(text);
        return new SigReading(action, dose, route, frequency) { HasNakedDecimal = nakedDecimal };
    }

    // ------------------------------------------------------------------ normalisation

    /// <summary>
    /// Lower case, unicode fractions to ASCII, dotted abbreviations collapsed ("p.o." → "po"), decimal points kept
    /// only before a digit ("0.25", ".25"), hyphens kept only between digits ("1-2", "q4-6h"), thousands separators
    /// dropped, apostrophes dropped ("don't" → "dont"), every other punctuation a space, spaces collapsed.
    /// </summary>
    internal static string Normalize(ReadOnlySpan<char> source)
    {
        var sb = new StringBuilder(source.Length + 8);
        for (var i = 0; i < source.Length; i++)
        {
            var c = source[i];
            if (char.IsAsciiLetterOrDigit(c))
            {
                sb.Append(char.ToLowerInvariant(c));
                continue;
            }

            switch (c)
            {
                case '.':
                    if (IsDottedAbbreviation(source, i))
                    {
                        continue; // "b.i.d." → "bid"
                    }

                    if (i + 1 < source.Length && char.IsAsciiDigit(source[i + 1]) && (i == 0 || !char.IsAsciiLetter(source[i - 1])))
                    {
                        sb.Append('.');
                    }
                    else
                    {
                        Space(sb);
                    }

                    break;
                case '-' or '\u2010' or '\u2011' or '\u2012' or '\u2013' or '\u2014' or '\u2212':
                    if (char.IsAsciiDigit(PreviousNonSpace(source, i)) && char.IsAsciiDigit(NextNonSpace(source, i)))
                    {
                        sb.Append('-');
                    }
                    else
                    {
                        Space(sb);
                    }

                    break;
                case ',':
                    if (!IsThousandsSeparator(source, i))
                    {
                        Space(sb);
                    }

                    break;
                case '/' or '\u2044':
                    sb.Append('/');
                    break;
                case '\'' or '\u2018' or '\u2019' or '`':
                    break;
                case '&':
                    Space(sb);
                    sb.Append("and ");
                    break;
                case '\u00d7':
                    sb.Append('x');
                    break;
                case '\u00b5' or '\u03bc':
                    sb.Append('u'); // µg → ug → mcg
                    break;
                case '\u00bd':
                    AppendFraction(sb, "1/2");
                    break;
                case '\u00bc':
                    AppendFraction(sb, "1/4");
                    break;
                case '\u00be':
                    AppendFraction(sb, "3/4");
                    break;
                case '\u2153':
                    AppendFraction(sb, "1/3");
                    break;
                case '\u2154':
                    AppendFraction(sb, "2/3");
                    break;
                default:
                    if (char.IsLetter(c))
                    {
                        sb.Append(char.ToLowerInvariant(c)); // non-ASCII letters: kept, they simply match nothing
                    }
                    else
                    {
                        Space(sb);
                    }

                    break;
            }
        }

        if (sb.Length > 0 && sb[^1] == ' ')
        {
            sb.Length--;
        }

        return sb.ToString();

        static void Space(StringBuilder sb)
        {
            if (sb.Length > 0 && sb[^1] != ' ')
            {
                sb.Append(' ');
            }
        }

        static void AppendFraction(StringBuilder sb, string fraction)
        {
            Space(sb);
            sb.Append(fraction).Append(' ');
        }
    }

    /// <summary>A dot after a single letter and before a single letter: "b.i.d", "p.o", "q.a.m", "s.c".</summary>
    private static bool IsDottedAbbreviation(ReadOnlySpan<char> s, int dot)
    {
        static bool SingleLetterAt(ReadOnlySpan<char> s, int i) =>
            i >= 0 && i < s.Length && char.IsAsciiLetter(s[i]) &&
            (i == 0 || !char.IsAsciiLetterOrDigit(s[i - 1])) &&
            (i + 1 >= s.Length || !char.IsAsciiLetterOrDigit(s[i + 1]));

        // the trailing dot of "b.i.d." also closes an abbreviation when a dot precedes its letter
        return SingleLetterAt(s, dot - 1) && (SingleLetterAt(s, dot + 1) || (dot >= 2 && s[dot - 2] == '.'));
    }

    private static bool IsThousandsSeparator(ReadOnlySpan<char> s, int comma) =>
        comma > 0 && char.IsAsciiDigit(s[comma - 1]) &&
        comma + 3 < s.Length && char.IsAsciiDigit(s[comma + 1]) && char.IsAsciiDigit(s[comma + 2]) && char.IsAsciiDigit(s[comma + 3]) &&
        (comma + 4 >= s.Length || !char.IsAsciiDigit(s[comma + 4]));

    private static char PreviousNonSpace(ReadOnlySpan<char> s, int i)
    {
        for (var j = i - 1; j >= 0; j--)
        {
            if (!char.IsWhiteSpace(s[j]))
            {
                return s[j];
            }
        }

        return '\0';
    }

    private static char NextNonSpace(ReadOnlySpan<char> s, int i)
    {
        for (var j = i + 1; j < s.Length; j++)
        {
            if (!char.IsWhiteSpace(s[j]))
            {
                return s[j];
            }
        }

        return '\0';
    }

    // ------------------------------------------------------------------ action

    private static string? ReadAction(string text)
    {
        var match = SigPatterns.Action().Match(text);
        if (!match.Success)
        {
            return null;
        }

        return match.Groups["action"].ValueSpan switch
        {
            "inject" or "inj" => "inject",
            "take" => "take",
            "apply" => "apply",
            "place" or "put" => "place",
            "insert" => "insert",
            "dissolve" => "dissolve",
            "use" => "use",
            "spray" => "spray",
            "instill" or "instil" => "instill",
            "rub" => "rub",
            "give" => "give",
            "administer" => "administer",
            "chew" => "chew",
            "swallow" => "swallow",
            "inhale" => "inhale",
            "massage" => "massage",
            "spread" => "spread",
            "drink" => "drink",
            _ => null,
        };
    }

    // ------------------------------------------------------------------ dose

    private static SigDose? ReadDose(string text, out bool nakedDecimal)
    {
        for (var match = SigPatterns.Dose().Match(text); match.Success; match = match.NextMatch())
        {
            var amount = DoseAmount(match.Groups);
            if (amount is not { } value || value <= 0)
            {
                continue;
            }

            var unit = DoseUnit(match.Groups["unit"].ValueSpan);
            if (unit is null)
            {
                continue;
            }

            var low = match.Groups["low"];
            nakedDecimal = match.Groups["decimal"].ValueSpan.StartsWith(".") || (low.Success && low.ValueSpan.StartsWith("."));
            return new SigDose(value, unit);
        }

        nakedDecimal = false;
        return null;
    }

    private static decimal? DoseAmount(GroupCollection groups)
    {
        if (groups["decimal"] is { Success: true } dec)
        {
            return decimal.TryParse(dec.ValueSpan, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var d) ? d : null;
        }

        if (groups["numerator"] is { Success: true } numerator)
        {
            var n = int.Parse(numerator.ValueSpan, CultureInfo.InvariantCulture);
            var d = int.Parse(groups["denominator"].ValueSpan, CultureInfo.InvariantCulture);
            if (d == 0)
            {
                return null;
            }

            var whole = groups["mixed"] is { Success: true } mixed ? int.Parse(mixed.ValueSpan, CultureInfo.InvariantCulture) : 0;
            return whole + Math.Round((decimal)n / d, 6);
        }

        if (groups["half"].Success)
        {
            return 0.5m;
        }

        if (groups["word"] is { Success: true } word && WordValue(word.ValueSpan) is { } value)
        {
            return groups["andhalf"].Success ? value + 0.5m : value;
        }

        return null;
    }

    private static string? DoseUnit(ReadOnlySpan<char> unit)
    {
        if (unit.StartsWith("international"))
        {
            return "units";
        }

        return unit switch
        {
            "unit" or "units" or "iu" or "u" => "units",
            "mg" or "milligram" or "milligrams" => "mg",
            "mcg" or "ug" or "microgram" or "micrograms" => "mcg",
            "ml" or "cc" or "milliliter" or "milliliters" or "millilitre" or "millilitres" => "mL",
            "g" or "gm" or "gram" or "grams" => "g",
            "meq" => "mEq",
            "tab" or "tabs" or "tablet" or "tablets" => "tablet",
            "cap" or "caps" or "capsule" or "capsules" => "capsule",
            "capful" or "capfuls" => "capful",
            "troche" or "troches" => "troche",
            "lozenge" or "lozenges" => "lozenge",
            "click" or "clicks" => "click",
            "pump" or "pumps" => "pump",
            "spray" or "sprays" => "spray",
            "puff" or "puffs" => "puff",
            "patch" or "patches" => "patch",
            "drop" or "drops" or "gtt" or "gtts" => "drop",
            "suppository" or "suppositories" => "suppository",
            "applicator" or "applicators" or "applicatorful" or "applicatorfuls" or "application" or "applications" => "applicator",
            "packet" or "packets" => "packet",
            "film" or "films" => "film",
            "syringe" or "syringes" => "syringe",
            "pellet" or "pellets" => "pellet",
            "inhalation" or "inhalations" => "inhalation",
            "teaspoon" or "teaspoons" or "tsp" => "teaspoon",
            "tablespoon" or "tablespoons" or "tbsp" => "tablespoon",
            "dropperful" or "dropperfuls" or "dropper" or "droppers" => "dropperful",
            "scoop" or "scoops" => "scoop",
            "chew" or "chews" => "chew",
            "vial" or "vials" => "vial",
            "strip" or "strips" => "strip",
            "wafer" or "wafers" => "wafer",
            "sachet" or "sachets" => "sachet",
            _ => null,
        };
    }

    private static int? WordValue(ReadOnlySpan<char> word) => word switch
    {
        "one" => 1,
        "two" => 2,
        "three" => 3,
        "four" => 4,
        "five" => 5,
        "six" => 6,
        "seven" => 7,
        "eight" => 8,
        "nine" => 9,
        "ten" => 10,
        "eleven" => 11,
        "twelve" => 12,
        "thirteen" => 13,
        "fourteen" => 14,
        "fifteen" => 15,
        "sixteen" => 16,
        "seventeen" => 17,
        "eighteen" => 18,
        "nineteen" => 19,
        "twenty" => 20,
        "thirty" => 30,
        "forty" => 40,
        "fifty" => 50,
        "once" => 1,
        "twice" => 2,
        "thrice" => 3,
        "second" => 2,
        "third" => 3,
        "fourth" => 4,
        "fifth" => 5,
        "sixth" => 6,
        "seventh" => 7,
        "eighth" => 8,
        "ninth" => 9,
        "tenth" => 10,
        _ => null,
    };

    /// <summary>"12", "twelve", "3rd", "third", "twice" → the number; null when not a count.</summary>
    private static int? CountValue(ReadOnlySpan<char> text)
    {
        var digits = 0;
        while (digits < text.Length && char.IsAsciiDigit(text[digits]))
        {
            digits++;
        }

        if (digits > 0)
        {
            return int.Parse(text[..digits], CultureInfo.InvariantCulture);
        }

        return WordValue(text);
    }

    // ------------------------------------------------------------------ route

    private static string? ReadRoute(string text, string? action, SigDose? dose)
    {
        var match = SigPatterns.Route().Match(text);
        if (match.Success)
        {
            var route = ExplicitRoute(match.Groups, dose);
            // "take 2 puffs by mouth via inhaler": the mouth is only the way in
            return route == "oral" && (action == "inhale" || text.Contains("inhal", StringComparison.Ordinal)) ? "inhaled" : route;
        }

        // implied by the action, only where unambiguous
        return action switch
        {
            "swallow" or "chew" or "drink" => "oral",
            "inhale" => "inhaled",
            "apply" or "place" when dose?.Unit == "patch" => "transdermal", // a patch only goes on the skin
            "apply" or "rub" or "massage" or "spread" or "place" when SigPatterns.SkinSite().IsMatch(text) => "topical",
            _ => null,
        };
    }

    private static string? ExplicitRoute(GroupCollection groups, SigDose? dose)
    {
        if (groups["subcutaneous"].Success) return "subcutaneous";
        if (groups["intramuscular"].Success) return "intramuscular";
        if (groups["intravenous"].Success) return "intravenous";
        if (groups["oral"].Success) return "oral";
        if (groups["sublingual"].Success) return "sublingual";
        if (groups["buccal"].Success) return "buccal";
        if (groups["transdermal"].Success) return "transdermal";
        if (groups["topical"].Success) return "topical";
        if (groups["skin"].Success) return dose?.Unit == "patch" ? "transdermal" : "topical";
        if (groups["vaginal"].Success) return "vaginal";
        if (groups["rectal"].Success) return "rectal";
        if (groups["nasal"].Success) return "nasal";
        if (groups["ophthalmic"].Success) return "ophthalmic";
        if (groups["otic"].Success) return "otic";
        if (groups["inhaled"].Success) return "inhaled";
        return null;
    }

    // ------------------------------------------------------------------ frequency

    private static string? ReadFrequency(string text)
    {
        // leftmost reading across the patterns, per kind; ties go to the earlier pattern
        string? interval = null, timeOfDay = null;
        int intervalAt = int.MaxValue, timeOfDayAt = int.MaxValue;
        Consider(SigPatterns.FrequencyInterval(), text, ref interval, ref intervalAt, ref timeOfDay, ref timeOfDayAt);
        Consider(SigPatterns.FrequencyTimes(), text, ref interval, ref intervalAt, ref timeOfDay, ref timeOfDayAt);
        Consider(SigPatterns.FrequencyWeekdays(), text, ref interval, ref intervalAt, ref timeOfDay, ref timeOfDayAt);
        Consider(SigPatterns.FrequencyWord(), text, ref interval, ref intervalAt, ref timeOfDay, ref timeOfDayAt);
        Consider(SigPatterns.FrequencyTimeOfDay(), text, ref interval, ref intervalAt, ref timeOfDay, ref timeOfDayAt);

        // "daily at bedtime" says more as "at bedtime"; "twice daily, in the morning" stays twice daily
        var result = interval is null || (interval == OnceDaily && timeOfDay is not null) ? timeOfDay : interval;
        return result is not null && SigPatterns.AsNeeded().IsMatch(text) ? result + " as needed" : result;
    }

    private static void Consider(Regex pattern, string text, ref string? interval, ref int intervalAt, ref string? timeOfDay, ref int timeOfDayAt)
    {
        var seenInterval = false;
        var seenTimeOfDay = false;
        for (var match = pattern.Match(text); match.Success && !(seenInterval && seenTimeOfDay); match = match.NextMatch())
        {
            if (match.Index >= intervalAt && match.Index >= timeOfDayAt)
            {
                return; // nothing further right can win
            }

            if (CanonicalFrequency(match.Groups) is not { } frequency)
            {
                continue;
            }

            if (IsTimeOfDay(frequency))
            {
                if (!seenTimeOfDay && match.Index < timeOfDayAt)
                {
                    (timeOfDay, timeOfDayAt) = (frequency, match.Index);
                }

                seenTimeOfDay = true;
            }
            else
            {
                if (!seenInterval && match.Index < intervalAt)
                {
                    (interval, intervalAt) = (frequency, match.Index);
                }

                seenInterval = true;
            }
        }
    }

    private static bool IsTimeOfDay(string frequency) =>
        frequency is AtBedtime or EveryMorning or EveryEvening or "with meals" or "before meals" or "after meals";

    private static string? CanonicalFrequency(GroupCollection g)
    {
        if (g["twiceDaily"].Success) return "twice daily";
        if (g["hours"].Success) return Hours(g);
        if (g["hourly"].Success) return "every hour";
        if (g["minutes"].Success) return CountValue(g["n"].ValueSpan) is > 0 and var minutes ? string.Create(CultureInfo.InvariantCulture, $"every {minutes} minutes") : null;
        if (g["otherDay"].Success) return "every other day";
        if (g["otherWeek"].Success) return "every 2 weeks";
        if (g["otherMonth"].Success) return "every 2 months";
        if (g["days"].Success) return Every(g["n"], OnceDaily, "day");
        if (g["weeks"].Success) return Every(g["n"], OnceWeekly, "week");
        if (g["months"].Success) return Every(g["n"], "once monthly", "month");
        if (g["times"].Success) return Times(CountValue(g["n"].ValueSpan), g["period"].ValueSpan);
        if (g["weekdays"].Success) return Weekdays(g["day"].Captures.Count);
        if (g["bedtime"].Success) return AtBedtime;
        if (g["morning"].Success) return EveryMorning;
        if (g["evening"].Success) return EveryEvening;
        if (g["meals"].Success)
        {
            return g["when"].ValueSpan switch
            {
                "before" => "before meals",
                "after" => "after meals",
                _ => "with meals",
            };
        }

        if (g["word"].Success)
        {
            return g["word"].ValueSpan switch
            {
                "bid" => "twice daily",
                "tid" => "3 times daily",
                "qid" => "4 times daily",
                "qd" or "daily" => OnceDaily,
                "weekly" or "wkly" => OnceWeekly,
                "monthly" => "once monthly",
                "biw" => "twice weekly",
                "tiw" => "3 times weekly",
                _ => null,
            };
        }

        return g["once"].Success ? "once" : null;
    }

    private static string? Hours(GroupCollection g)
    {
        var n = CountValue(g["n"].ValueSpan);
        if (n is not > 0)
        {
            return null;
        }

        if (g["m"] is { Success: true } upper)
        {
            var m = CountValue(upper.ValueSpan);
            return m > n ? string.Create(CultureInfo.InvariantCulture, $"every {n}-{m} hours") : null;
        }

        return n switch
        {
            1 => "every hour",
            24 => OnceDaily,
            _ => string.Create(CultureInfo.InvariantCulture, $"every {n} hours"),
        };
    }

    /// <summary>"every day" / "q2d" / "every 3rd day"; "every 7 days" is once weekly.</summary>
    private static string? Every(Group count, string once, string unit)
    {
        var n = count.Success ? CountValue(count.ValueSpan) : 1;
        return n switch
        {
            null or 0 => null,
            1 => once,
            2 when unit == "day" => "every other day",
            7 when unit == "day" => OnceWeekly,
            _ => string.Create(CultureInfo.InvariantCulture, $"every {n} {unit}s"),
        };
    }

    private static string? Times(int? n, ReadOnlySpan<char> period)
    {
        var per = period switch
        {
            "day" or "daily" or "d" => "daily",
            "week" or "weekly" or "wk" or "wks" => "weekly",
            "month" or "monthly" or "mo" => "monthly",
            _ => null,
        };

        return (n, per) switch
        {
            (null or 0, _) or (_, null) => null,
            (1, _) => "once " + per,
            (2, _) => "twice " + per,
            _ => string.Create(CultureInfo.InvariantCulture, $"{n} times {per}"),
        };
    }

    private static string Weekdays(int days) => days switch
    {
        <= 1 => OnceWeekly,
        2 => "twice weekly",
        >= 7 => OnceDaily,
        _ => string.Create(CultureInfo.InvariantCulture, $"{days} times weekly"),
    };
}
