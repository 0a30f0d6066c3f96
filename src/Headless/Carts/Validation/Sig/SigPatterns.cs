using System.Text.RegularExpressions;

namespace Headless.Carts.Validation.Sig;

/// <summary>
/// The compiled (source-generated) patterns behind <see cref="SigReader"/>. Every pattern runs over the
/// normalised text: lower case ASCII, single spaces, dotted abbreviations collapsed ("b.i.d." is "bid"),
/// punctuation other than '/', decimal points and digit ranges ("1-2", "q4-6h") turned into spaces.
/// All quantifiers are bounded or over disjoint character classes, so matching is linear in the input,
/// which <see cref="SigReader"/> also caps in length.
/// </summary>
internal static partial class SigPatterns
{
    private const RegexOptions Options = RegexOptions.CultureInvariant | RegexOptions.ExplicitCapture;

    private const string WordNumber =
        "one|two|three|fourteen|four|fifteen|five|sixteen|six|seventeen|seven|eighteen|eight|nineteen|nine|ten|eleven|twelve" +
        "|thirteen|twenty|thirty|forty|fifty";

    /// <summary>A small whole number: digits or a word.</summary>
    private const string Count = @"(?:\d{1,3}|" + WordNumber + ")";

    private const string Ordinal = @"(?:\d{1,3}(?:st|nd|rd|th)|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth)";

    /// <summary>An optional article or possessive before a body site.</summary>
    private const string Article = @"(?:(?:the|your|a|an)\s)?";

    // ---------------------------------------------------------------- action

    private const string ActionPattern =
        @"(?<![0-9]\s{0,2}|\b(?:" + WordNumber + @"|half|a|an|the|per)\s)" +
        @"(?<!\b(?:not|dont|never|for|external|topical|of)\s)" +
        @"\b(?<action>inject|inj|take|apply|place|insert|dissolve|use|spray|instill|instil|rub|give|administer|chew|swallow|inhale|put|massage|spread|drink)(?![a-z0-9])";

    [GeneratedRegex(ActionPattern, Options)]
    internal static partial Regex Action();

    // ---------------------------------------------------------------- dose

    private const string SimpleNumber = @"(?:\d{1,9}(?:\.\d{1,6})?|\.\d{1,6}|" + WordNumber + ")";

    private const string DoseNumber =
        @"(?:(?<mixed>\d{1,6})\s(?:and\s)?(?<numerator>\d{1,3})/(?<denominator>\d{1,3})" +
        @"|(?<numerator>\d{1,3})/(?<denominator>\d{1,3})" +
        @"|(?<decimal>\d{1,9}(?:\.\d{1,6})?|\.\d{1,6})" +
        @"|(?<half>(?:one|a)\shalf|half)" +
        @"|(?<word>" + WordNumber + @")(?<andhalf>\sand\s(?:a|one)\shalf)?)";

    private const string DoseAdjective =
        @"(?:full|whole|level|vaginal|rectal|oral|sublingual|buccal|chewable|nasal|metered|prefilled|pre\sfilled" +
        @"|extended\srelease|delayed\srelease|er|dr|xr|sr|odt|soft|hard|topical|transdermal|gel|rapid\sdissolve" +
        @"|orally\sdisintegrating|disintegrating|dissolving|dissolvable|effervescent)";

    private const string DoseUnit =
        @"(?:international\sunits?|units?|iu|u|milligrams?|mg|micrograms?|mcg|ug|millilit(?:er|re)s?|ml|cc|grams?|gm|g|meq" +
        @"|tablets?|tabs?|capsules?|caps?|capfuls?|troches?|lozenges?|clicks?|pumps?|sprays?|puffs?|patch(?:es)?|drops?|gtts?" +
        @"|suppositor(?:y|ies)|applicatorfuls?|applicators?|applications?|packets?|films?|syringes?|pellets?|inhalations?" +
        @"|teaspoons?|tsp|tablespoons?|tbsp|dropperfuls?|droppers?|scoops?|chews?|vials?|strips?|wafers?|sachets?)";

    private const string DosePattern =
        @"(?<![a-z0-9.])(?:(?<low>" + SimpleNumber + @")\s?(?:-|to|or)\s?)?" + DoseNumber +
        @"\s?(?:of\s)?(?:(?:a|an|the)\s)?(?:" + DoseAdjective + @"\s){0,2}(?<unit>" + DoseUnit + @")(?![a-z0-9])";

    [GeneratedRegex(DosePattern, Options)]
    internal static partial Regex Dose();

    // ---------------------------------------------------------------- route

    private const string RoutePattern =
        @"\b(?:" +
        @"(?<inhaled>oral(?:ly)?\sinhal[a-z]{0,6}|inhal(?:e|ed|ation|ations|er|ers)|via\s(?:a\s)?nebuli[sz]er|nebuli[sz]ed?)" +
        @"|(?<subcutaneous>sub\s?cutaneous(?:ly)?|sub\s?cut|subcu|sub\s?q|sq|sc|s\s?/\s?[cq]|under\s" + Article + @"skin" +
            @"|into\s" + Article + @"(?:subcutaneous|fatty)\stissue)" +
        @"|(?<intramuscular>intra\s?muscular(?:ly)?|im|i\s?/\s?m|(?:in|into)\s" + Article +
            @"(?:upper\souter\s)?(?:muscle|deltoid|gluteal|gluteus|glutes?|ventrogluteal|buttocks?|vastus\slateralis))" +
        @"|(?<intravenous>intra\s?venous(?:ly)?|iv)" +
        @"|(?<oral>by\smouth|orally|oral|po|per\sos|(?<!\b(?:not|dont|never)\s(?:[a-z]{1,12}\s){0,3})(?:swallow(?:ed)?|chew(?:ed)?))" +
        @"|(?<sublingual>sub\s?lingual(?:ly)?|sl|under\s" + Article + @"tongue)" +
        @"|(?<buccal>buccal(?:ly)?|between\s" + Article + @"(?:cheek\sand\sgum|gum\sand\scheek)|(?:inside|in|into)\s" + Article + @"cheeks?)" +
        @"|(?<transdermal>trans\s?dermal(?:ly)?)" +
        @"|(?<topical>topical(?:ly)?|top|externally)" +
        @"|(?<skin>(?:to|on|onto|into|over)\s(?:(?:the|your|a|clean|dry|intact|healthy|hairless|hair\sfree)\s){0,3}skin)" +
        @"|(?<vaginal>intra\s?vaginal(?:ly)?|vaginal(?:ly)?|per\svagina|pv|(?:in|into)\s" + Article + @"vagina)" +
        @"|(?<rectal>rectal(?:ly)?|per\srectum|pr|(?:in|into)\s" + Article + @"rectum)" +
        @"|(?<nasal>intra\s?nasal(?:ly)?|nasal(?:ly)?|(?:in|into|per)\s(?:(?:each|both|one|the|every|alternating|alternate|left|right|your)\s){0,2}(?:nostrils?|nares|naris)" +
            @"|(?:in|into)\s" + Article + @"nose)" +
        @"|(?<ophthalmic>ophthalmic(?:ally)?|(?:in|into)\s(?:(?:each|both|the|left|right|affected|one|your)\s){0,2}eyes?)" +
        @"|(?<otic>otic(?:ally)?|(?:in|into)\s(?:(?:each|both|the|left|right|affected|one|your)\s){0,2}ears?)" +
        @")(?![a-z0-9])";

    [GeneratedRegex(RoutePattern, Options)]
    internal static partial Regex Route();

    /// <summary>A place on the body surface: with apply/rub/massage/spread/place it implies a topical route.</summary>
    private const string SkinSitePattern =
        @"\b(?:to|on|onto|over|into|in)\s" +
        @"(?:(?:the|a|your|each|both|clean|dry|intact|inner|outer|upper|lower|left|right|alternating|alternate|opposite)\s){0,3}" +
        @"(?:affected\s(?:areas?|skin|sites?)|skin\sareas?|areas?|wrists?|arms?|forearms?|thighs?|abdomen|belly|stomach|shoulders?" +
        @"|scalp|face|back|neck|chest|hands?|feet|foot|legs?|knees?|elbows?|hips?|calf|calves|buttocks?|lesions?|rash|body|labia|vulva)(?![a-z0-9])";

    [GeneratedRegex(SkinSitePattern, Options)]
    internal static partial Regex SkinSite();

    // ---------------------------------------------------------------- frequency

    private const string HourUnit = @"(?:h|hr|hrs|hour|hours)";
    private const string DayUnit = @"(?:d|day|days)";
    private const string WeekUnit = @"(?:w|wk|wks|week|weeks)";
    private const string MonthUnit = @"(?:mo|mos|month|months)";
    private const string Every = @"(?:q|every|each)\s?";
    private const string Per = @"(?:(?:a|per|each|every|/|in\sa)\s?)?";
    private const string Period = @"(?<period>day|daily|d|week|weekly|wk|wks|month|monthly|mo)";

    private const string DayName = @"(?:(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)s?)";
    private const string DayAbbreviation = @"(?:mon|tues|tue|wed|thurs|thur|thu|fri|sat|sun)";
    private const string DayLetter = @"(?:su|sa|tu|th|m|t|w|r|f)";
    private const string DaySeparator = @"(?:\s?[/,]\s?(?:and\s)?|\sand\s|\s)";

    // The frequency forms are split over a few patterns rather than one alternation: each one alone lets the
    // generated matcher skip ahead to its own leading characters, which is several times faster per line.
    // SigReader takes the leftmost reading across them (ties go to the earlier pattern in this file).

    /// <summary>"q12h", "every 4-6 hours", "every 5 minutes", "hourly", "qd", "every 3rd day", "qod", "every other week", "q2wk", "q month".</summary>
    private const string IntervalPattern =
        @"\b(?:" +
        @"(?<hours>" + Every + @"(?<n>" + Count + @")(?:\s?(?:-|to)\s?(?<m>" + Count + @"))?\s?" + HourUnit + ")" +
        @"|(?<hourly>hourly|every\shour|qh)" +
        @"|(?<minutes>" + Every + @"(?<n>" + Count + @")\s?(?:min|mins|minute|minutes))" +
        @"|(?<otherDay>qod|every\sother\sday|alternate\sdays|alternating\sdays|on\salternate\sdays)" +
        @"|(?<otherWeek>qow|every\sother\sweek|alternate\sweeks|fortnightly)" +
        @"|(?<otherMonth>every\sother\smonth)" +
        @"|(?<days>" + Every + @"(?<n>" + Count + "|" + Ordinal + @")?\s?" + DayUnit + ")" +
        @"|(?<weeks>" + Every + @"(?<n>" + Count + "|" + Ordinal + @")?\s?" + WeekUnit + ")" +
        @"|(?<months>" + Every + @"(?<n>" + Count + "|" + Ordinal + @")?\s?" + MonthUnit + ")" +
        @")(?![a-z0-9])";

    [GeneratedRegex(IntervalPattern, Options)]
    internal static partial Regex FrequencyInterval();

    /// <summary>"3 times a week", "3x/wk", "two times daily", "once a day", "twice weekly", "5 days a week", "2/week".</summary>
    private const string TimesPattern =
        @"\b(?<times>(?<n>" + Count + @")\s?(?:x|times?)\s?" + Per + Period +
        @"|(?<n>once|twice|thrice)\s?" + Per + Period +
        @"|(?<n>" + Count + @")\s?days?\s?(?:a|per|each|every|/)\s?(?<period>week|wk)" +
        @"|(?<n>" + Count + @")\s?/\s?(?<period>day|d|week|wk))(?![a-z0-9])";

    [GeneratedRegex(TimesPattern, Options)]
    internal static partial Regex FrequencyTimes();

    /// <summary>Days of the week: "M/W/F", "MWF", "Tu/Th", "Monday and Thursday", "Mon, Wed, Fri", "every Monday".</summary>
    private const string WeekdaysPattern =
        @"\b(?<weekdays>(?<day>" + DayName + @")(?:" + DaySeparator + @"(?<day>" + DayName + "|" + DayAbbreviation + @")){0,6}" +
        @"|(?<day>" + DayAbbreviation + @")(?:" + DaySeparator + @"(?<day>" + DayName + "|" + DayAbbreviation + @")){1,6}" +
        @"|(?:every|each|on|q)\s?(?<day>" + DayAbbreviation + @")(?:" + DaySeparator + @"(?<day>" + DayName + "|" + DayAbbreviation + @")){0,6}" +
        @"|(?<day>" + DayLetter + @")(?:\s?/\s?(?<day>" + DayLetter + @")){1,6}" +
        @"|(?<day>m)(?<day>w)(?<day>f)|(?<day>tu?)(?<day>th))(?![a-z0-9])";

    [GeneratedRegex(WeekdaysPattern, Options)]
    internal static partial Regex FrequencyWeekdays();

    /// <summary>Standalone words and abbreviations: "bid", "tid", "qid", "qd", "daily", "weekly", "monthly", "biw", "tiw", "once".</summary>
    private const string WordPattern =
        @"\b(?:(?<word>bid|tid|qid|qd|daily|(?<!\bbi\s)(?:weekly|wkly)|monthly|biw|tiw)" +
        @"|(?<once>once\sonly|one\stime\sonly|one\stime\sdose|single\sdose|once$))(?![a-z0-9])";

    [GeneratedRegex(WordPattern, Options)]
    internal static partial Regex FrequencyWord();

    /// <summary>Times of day and meals ("at bedtime", "qam", "every evening", "with meals"); "morning and evening" is twice daily.</summary>
    private const string TimeOfDayPattern =
        @"\b(?:" +
        @"(?<twiceDaily>(?:(?:in\sthe|every|each)\s)?(?:morning|am)\sand\s(?:(?:in\sthe|at|every|each)\s)?(?:evening|night|bedtime|pm))" +
        @"|(?<bedtime>(?:at\s|before\s)?bed\s?time|before\sbed|at\snight|(?:every|each)\snight|at\shs|nightly|qhs|hs|qn)" +
        @"|(?<morning>(?:in\sthe|every|each)\s(?:morning|am)|qam|q\s(?:am|morning)|with\sbreakfast)" +
        @"|(?<evening>(?:in\sthe|every|each)\s(?:evening|pm)|qpm|q\s(?:pm|evening)|with\s(?:dinner|supper))" +
        @"|(?<meals>(?<when>with|before|after)\s(?:(?:each|every|all)\s)?meals|(?<when>with|before|after)\s(?:each|every)\smeal)" +
        @")(?![a-z0-9])";

    [GeneratedRegex(TimeOfDayPattern, Options)]
    internal static partial Regex FrequencyTimeOfDay();

    [GeneratedRegex(@"\b(?:prn|as\sneeded|when\sneeded|if\sneeded|as\srequired)(?![a-z0-9])", Options)]
    internal static partial Regex AsNeeded();
}
