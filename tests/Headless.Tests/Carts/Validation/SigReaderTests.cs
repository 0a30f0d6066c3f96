using Headless.Carts.Validation.Sig;

namespace Headless.Tests.Carts.Validation;

public sealed class SigReaderTests
{
    [Theory]
    [InlineData("Inject 0.25 mg subcutaneously once weekly")]
    [InlineData("Inject 10 units SC QW")]
    [InlineData("Inject 0.5 mL IM every 7 days")]
    [InlineData("Take 1 capsule by mouth at bedtime")]
    [InlineData("Apply 1 click topically to inner wrist daily")]
    [InlineData("Dissolve 1 troche under the tongue BID")]
    [InlineData("Inject 20 units (0.2 mL) subq 3x weekly")]
    [InlineData("Insert 1 suppository vaginally at bedtime")]
    [InlineData("INJECT 0.25MG SUBCUTANEOUSLY ONCE A WEEK")]
    [InlineData("Inject 2.5mg SQ every week")]
    [InlineData("Inject 0.5 ml s.c. q.w.")]
    [InlineData("Inject 0.25 mg sub-q once weekly in the abdomen")]
    [InlineData("Inject 10 IU subcutaneously nightly")]
    [InlineData("Inject 25 units under the skin M/W/F")]
    [InlineData("Inject 0.3 mL IM Tu/Th")]
    [InlineData("Inject 0.25 mg SubQ every Monday")]
    [InlineData("Inject .25 mg SC QW")]
    [InlineData("Inject 100 mg intramuscularly every 2 weeks")]
    [InlineData("Inject 0.5 mL into the muscle every 14 days")]
    [InlineData("Give 1 mL IM once")]
    [InlineData("Administer 200 mg (1 mL) intramuscularly every 10 days")]
    [InlineData("Take 1 tab PO q.d.")]
    [InlineData("Take one tablet by mouth twice a day")]
    [InlineData("Take two capsules PO QAM")]
    [InlineData("Take 1/2 tablet by mouth every other day")]
    [InlineData("Take 1 tablet by mouth Q12H")]
    [InlineData("Take 1-2 tablets by mouth every 6 hours as needed for pain")]
    [InlineData("Take 10 mL orally three times daily")]
    [InlineData("Take 1 capsule by mouth once daily at bedtime")]
    [InlineData("Swallow 1 capsule daily with water")]
    [InlineData("Chew 1 tablet daily")]
    [InlineData("Dissolve 1 tablet under the tongue q8h prn")]
    [InlineData("Place 1 troche between cheek and gum daily")]
    [InlineData("Apply 0.5 g to affected area BID")]
    [InlineData("Apply 1 patch to skin every 3 days")]
    [InlineData("Apply 1 patch transdermally twice weekly")]
    [InlineData("Rub 2 pumps into the skin of the inner thighs every morning")]
    [InlineData("Use 1 applicatorful vaginally 3 times a week")]
    [InlineData("Insert 1 suppository rectally b.i.d.")]
    [InlineData("Spray 1 spray into each nostril twice daily")]
    [InlineData("Spray 2 sprays intranasally daily")]
    [InlineData("Instill 1 drop in each eye at bedtime")]
    [InlineData("Instill 2 drops in the left ear TID")]
    [InlineData("Inhale 2 puffs every 4-6 hours as needed")]
    [InlineData("Take 1 and 1/2 tablets by mouth QHS")]
    [InlineData("Take one-half tablet PO every morning")]
    [InlineData("Inject 0.25 mg subcutaneously 1 time per week")]
    [InlineData("inject 1,000 mcg IM monthly")]
    [InlineData("Use 2 sprays per nostril once daily")]
    [InlineData("Apply 1 patch every 72 hours")]
    [InlineData("Take 1 tablet sublingually as needed for chest pain, may repeat every 5 minutes")]
    [InlineData("Take 1 tab p.o. q.h.s.")]
    [InlineData("Take 1\u00bd tablets by mouth BID")]
    public void Complete_directions_state_action_dose_route_and_frequency(string directions)
    {
        var reading = SigReader.Read(directions);

        Assert.Empty(reading.Missing);
        Assert.True(reading.IsComplete);
    }

    [Theory]
    [InlineData("Inject weekly", new[] { SigPart.Dose, SigPart.Route })]
    [InlineData("Use as directed", new[] { SigPart.Dose, SigPart.Route, SigPart.Frequency })]
    [InlineData("Inject 0.25 mg once weekly", new[] { SigPart.Route })]
    [InlineData("0.25 mg SC weekly", new[] { SigPart.Action })]
    [InlineData("Take 1 tablet", new[] { SigPart.Route, SigPart.Frequency })]
    [InlineData("Inject 0.25 subcutaneously weekly", new[] { SigPart.Dose })]
    [InlineData("", new[] { SigPart.Action, SigPart.Dose, SigPart.Route, SigPart.Frequency })]
    [InlineData("   ", new[] { SigPart.Action, SigPart.Dose, SigPart.Route, SigPart.Frequency })]
    [InlineData("Take as needed for pain", new[] { SigPart.Dose, SigPart.Route, SigPart.Frequency })]
    [InlineData("Take 1 tablet by mouth PRN", new[] { SigPart.Frequency })]
    [InlineData("Take 1 tablet daily", new[] { SigPart.Route })]
    [InlineData("Inject 0.25 mg SC", new[] { SigPart.Frequency })]
    [InlineData("Inject 0.5 mL into the thigh once weekly", new[] { SigPart.Route })]
    [InlineData("Inject 10 units SC biweekly", new[] { SigPart.Frequency })]
    [InlineData("Apply 1 g daily", new[] { SigPart.Route })]
    [InlineData("Apply topically daily", new[] { SigPart.Dose })]
    [InlineData("Take 1 by mouth daily", new[] { SigPart.Dose })]
    [InlineData("Take 1 tablet under the tongue 30 minutes before activity", new[] { SigPart.Frequency })]
    [InlineData("SC weekly", new[] { SigPart.Action, SigPart.Dose })]
    [InlineData("Dissolve 1 troche in mouth daily", new[] { SigPart.Route })]
    [InlineData("Inject 0.25 mg SC as directed", new[] { SigPart.Frequency })]
    [InlineData("Take 1 capsule by mouth. Do not chew.", new[] { SigPart.Frequency })]
    [InlineData("Inject 20 units", new[] { SigPart.Route, SigPart.Frequency })]
    [InlineData("as directed", new[] { SigPart.Action, SigPart.Dose, SigPart.Route, SigPart.Frequency })]
    public void Incomplete_directions_name_exactly_what_is_missing(string directions, SigPart[] missing)
    {
        var reading = SigReader.Read(directions);

        Assert.Equal(missing, reading.Missing);
        Assert.False(reading.IsComplete);
    }

    [Fact]
    public void Null_directions_miss_everything()
    {
        var reading = SigReader.Read(null);

        Assert.Equal([SigPart.Action, SigPart.Dose, SigPart.Route, SigPart.Frequency], reading.Missing);
    }

    public static TheoryData<string, string, decimal, string, string, string> Normalised => new()
    {
        { "Inject 0.25 mg subcutaneously once weekly", "inject", 0.25m, "mg", "subcutaneous", "once weekly" },
        { "Inject 10 units SC QW", "inject", 10m, "units", "subcutaneous", "once weekly" },
        { "inj 10 IU subq qwk", "inject", 10m, "units", "subcutaneous", "once weekly" },
        { "Inject 0.5 mL IM every 7 days", "inject", 0.5m, "mL", "intramuscular", "once weekly" },
        { "Inject 20 units (0.2 mL) subq 3x weekly", "inject", 20m, "units", "subcutaneous", "3 times weekly" },
        { "Inject 25 units under the skin M/W/F", "inject", 25m, "units", "subcutaneous", "3 times weekly" },
        { "Inject 0.3 mL into the muscle three times a week", "inject", 0.3m, "mL", "intramuscular", "3 times weekly" },
        { "Take 1 capsule by mouth at bedtime", "take", 1m, "capsule", "oral", "at bedtime" },
        { "Take 1 capsule PO daily at bedtime", "take", 1m, "capsule", "oral", "at bedtime" },
        { "Take 1 tab PO q.d.", "take", 1m, "tablet", "oral", "once daily" },
        { "Take 1/2 tablet by mouth every other day", "take", 0.5m, "tablet", "oral", "every other day" },
        { "Take one and a half tablets orally QOD", "take", 1.5m, "tablet", "oral", "every other day" },
        { "Take two capsules PO twice daily", "take", 2m, "capsule", "oral", "twice daily" },
        { "Take 1 tablet by mouth q12h", "take", 1m, "tablet", "oral", "every 12 hours" },
        { "Take 1-2 tablets by mouth every 6 hours as needed", "take", 2m, "tablet", "oral", "every 6 hours as needed" },
        { "Apply 1 click topically to inner wrist daily", "apply", 1m, "click", "topical", "once daily" },
        { "Apply 2 pumps to the upper arms every morning", "apply", 2m, "pump", "topical", "every morning" },
        { "Apply 1 patch to the skin twice weekly", "apply", 1m, "patch", "transdermal", "twice weekly" },
        { "Dissolve 1 troche under the tongue BID", "dissolve", 1m, "troche", "sublingual", "twice daily" },
        { "Place 1 troche sublingually t.i.d.", "place", 1m, "troche", "sublingual", "3 times daily" },
        { "Insert 1 suppository vaginally at bedtime", "insert", 1m, "suppository", "vaginal", "at bedtime" },
        { "Spray 1 spray in each nostril QID", "spray", 1m, "spray", "nasal", "4 times daily" },
        { "Instill 1 gtt OU in each eye every 8 hours", "instill", 1m, "drop", "ophthalmic", "every 8 hours" },
        { "Inhale 2 puffs by mouth every 4 to 6 hours as needed", "inhale", 2m, "puff", "inhaled", "every 4-6 hours as needed" },
        { "Swallow 500 mcg daily", "swallow", 500m, "mcg", "oral", "once daily" },
        { "Inject 200 mg IM q2wk", "inject", 200m, "mg", "intramuscular", "every 2 weeks" },
        { "Inject 1 mL IM once a month", "inject", 1m, "mL", "intramuscular", "once monthly" },
        { "Inject 0.5 mL IM every 3 days", "inject", 0.5m, "mL", "intramuscular", "every 3 days" },
        { "Inject 0.25 mg SC Monday and Thursday", "inject", 0.25m, "mg", "subcutaneous", "twice weekly" },
        { "Inject 0.25 mg SC 2x/week", "inject", 0.25m, "mg", "subcutaneous", "twice weekly" },
        { "Give 1 mL intramuscularly once", "give", 1m, "mL", "intramuscular", "once" },
        { "Inject 5 units subcutaneously 5 days a week", "inject", 5m, "units", "subcutaneous", "5 times weekly" },
        { "Inject 0.2 mL s/q every Mon, Wed, Fri", "inject", 0.2m, "mL", "subcutaneous", "3 times weekly" },
        { "Apply 1 patch every 72 hours", "apply", 1m, "patch", "transdermal", "every 72 hours" },
        { "Inject 5 units SC every morning and evening", "inject", 5m, "units", "subcutaneous", "twice daily" },
        { "Take 1 capsule by mouth with meals", "take", 1m, "capsule", "oral", "with meals" },
        { "Inject twenty units SC daily in the evening", "inject", 20m, "units", "subcutaneous", "every evening" },
    };

    [Theory]
    [MemberData(nameof(Normalised))]
    public void Values_are_normalised(string directions, string action, decimal amount, string unit, string route, string frequency)
    {
        var reading = SigReader.Read(directions);

        Assert.Equal(action, reading.Action);
        Assert.Equal(new SigDose(amount, unit), reading.Dose);
        Assert.Equal(route, reading.Route);
        Assert.Equal(frequency, reading.Frequency);
        Assert.True(reading.IsComplete);
    }

    [Theory]
    [InlineData("Inject .25 mg SC weekly", true)]
    [InlineData("Inject 0.25 mg SC weekly", false)]
    public void A_naked_leading_decimal_still_counts_but_is_flagged(string directions, bool flagged)
    {
        var reading = SigReader.Read(directions);

        Assert.Equal(new SigDose(0.25m, "mg"), reading.Dose);
        Assert.Equal(flagged, reading.HasNakedDecimal);
        Assert.True(reading.IsComplete);
    }

    [Theory]
    [InlineData("Inject weekly")]
    [InlineData("Take 1 tablet daily")]
    [InlineData("Inject into the abdomen")]
    public void Inject_and_take_alone_do_not_imply_a_route(string directions) => Assert.Null(SigReader.Read(directions).Route);

    [Theory]
    [InlineData("Take 1 tablet by mouth PRN", null)]
    [InlineData("Take 1 tablet by mouth every 6 hours PRN", "every 6 hours as needed")]
    [InlineData("Take 1 tablet by mouth daily as needed", "once daily as needed")]
    public void As_needed_is_not_a_frequency_on_its_own(string directions, string? frequency) =>
        Assert.Equal(frequency, SigReader.Read(directions).Frequency);

    [Fact]
    public void Equal_directions_read_equal_and_missing_is_not_part_of_equality()
    {
        Assert.Equal(SigReader.Read("Inject 0.25 mg SC weekly"), SigReader.Read("inject 0.25mg s.c. weekly"));
        Assert.Same(SigReader.Read("Inject weekly").Missing, SigReader.Read("Inject monthly").Missing);
    }

    [Fact]
    public void Text_beyond_the_maximum_length_is_ignored_and_nothing_throws()
    {
        var longText = "Inject 0.25 mg " + new string('x', SigReader.MaxLength) + " SC weekly";
        var reading = SigReader.Read(longText);

        Assert.Equal([SigPart.Route, SigPart.Frequency], reading.Missing);

        var junk = new string('(', 5000) + "1/0 tablet 99999999999999 mg -- q0h every 0 days ½½½";
        Assert.False(SigReader.Read(junk).IsComplete);
    }
}
