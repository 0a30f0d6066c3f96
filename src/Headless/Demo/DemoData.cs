using Headless.Clinics;
using Headless.Shared;

namespace Headless.Demo;

/// <summary>
/// The fixed, deterministic demo data set: fictional people, places and identifiers. Nothing here is
/// random, so every fresh demo database looks the same (only dates relative to "today" move).
/// </summary>
internal static class DemoData
{
    public const string OrganizationName = "Evergreen Telehealth (demo)";
    public const string OrganizationSlug = "demo";
    public const string ApiKeyName = "Demo key";

    public sealed record ClinicSeed(string Name, string NpiPayload, Address ShipTo, Address? Billing, RoutingPreference RoutingPreference);

    /// <summary>A license expiry relative to today: years ahead, or days ago when negative.</summary>
    public sealed record LicenseSeed(string State, string Number, int ExpiresInDays);

    public sealed record PrescriberSeed(string FirstName, string LastName, string NpiPayload, string? DeaPayload, LicenseSeed[] Licenses);

    public sealed record PatientSeed(string FirstName, string LastName, DateOnly DateOfBirth, string Line1, string? Line2, string City, string State, string Zip);

    public sealed record PharmacySeed(string Key, string Name, int TurnaroundDays, long ShippingFee, string[] ShipsTo);

    /// <summary>One pharmacy's terms for a product. Stock 0 means out of stock; Active false is an inactive offering.</summary>
    public sealed record OfferingSeed(string PharmacyKey, long UnitPrice, int Stock, int MaxQuantity, bool Active = true);

    public sealed record ProductSeed(string Name, string Strength, string Form, string? Schedule, OfferingSeed[] Offerings);

    public static readonly ClinicSeed[] Clinics =
    [
        new("Evergreen Seattle Clinic", "148203917",
            new Address { Line1 = "1420 Fifth Avenue", Line2 = "Suite 800", City = "Seattle", State = "WA", Zip = "98101" },
            new Address { Line1 = "PO Box 21874", City = "Seattle", State = "WA", Zip = "98111" },
            RoutingPreference.Cheapest),
        new("Evergreen Austin Clinic", "158392046",
            new Address { Line1 = "600 Congress Avenue", Line2 = "Floor 14", City = "Austin", State = "TX", Zip = "78701" },
            null,
            RoutingPreference.Fastest),
    ];

    public static readonly PrescriberSeed[] Prescribers =
    [
        // Licensed on the West Coast and in Texas; holds a DEA registration.
        new("Amelia", "Brooks", "167305928", "BB482913",
        [
            new("WA", "MD60123456", 730), new("OR", "MD-204518", 540), new("CA", "A-178342", 900),
            new("TX", "T4821", 400), new("AZ", "60921", 365), new("CO", "DR.0061234", 610),
        ]),

        // Southeast and Texas; DEA holder; the New York license expired 30 days ago.
        new("Rafael", "Ortiz", "176249301", "FO731046",
        [
            new("FL", "ME145902", 820), new("GA", "MD088731", 455), new("TX", "R7733", 700),
            new("NC", "2019-01842", 300), new("NY", "298411", -30),
        ]),

        // Nurse practitioner in the Midwest and Northeast; no DEA registration.
        new("Priya", "Natarajan", "185530274", null,
        [
            new("IL", "209.018842", 500), new("OH", "APRN.CNP.0418822", 380), new("PA", "RN-642901", 640),
            new("NY", "F-402177", 720), new("MI", "4704298311", 260),
        ]),

        // Broad multi-state licensure; DEA holder.
        new("Marcus", "Whitfield", "194827365", "BW205718",
        [
            new("TX", "P2209", 880), new("FL", "ME160044", 660), new("CA", "G-90211", 480),
            new("NY", "301876", 590), new("IL", "036.149902", 770), new("GA", "MD094472", 350),
            new("CO", "DR.0072905", 420), new("OH", "35.144071", 610), new("NC", "2021-00977", 530),
            new("PA", "MD491022", 700), new("WA", "MD61034587", 810), new("AZ", "71188", 240),
        ]),
    ];

    /// <summary>40 fictional patients in 12 states; the external id is "EVG-" plus the 1-based position.</summary>
    public static readonly PatientSeed[] Patients =
    [
        new("Olivia", "Martinez", new(1986, 3, 14), "2231 Pine Street", "Apt 4B", "Seattle", "WA", "98101"),
        new("Liam", "Nguyen", new(1979, 11, 2), "815 W Riverside Avenue", null, "Spokane", "WA", "99201"),
        new("Emma", "Johnson", new(1992, 7, 21), "1102 Pacific Avenue", null, "Tacoma", "WA", "98402"),
        new("Noah", "Kim", new(1968, 1, 30), "4470 Mission Street", null, "San Francisco", "CA", "94112"),
        new("Ava", "Patel", new(1990, 9, 8), "322 S Broadway", "Unit 1207", "Los Angeles", "CA", "90013"),
        new("Ethan", "Garcia", new(1983, 5, 17), "1650 India Street", null, "San Diego", "CA", "92101"),
        new("Sophia", "Robinson", new(1975, 12, 4), "901 J Street", null, "Sacramento", "CA", "95814"),
        new("Mason", "Clark", new(1988, 2, 26), "1301 Lavaca Street", null, "Austin", "TX", "78701"),
        new("Isabella", "Lewis", new(1995, 6, 11), "2200 Post Oak Boulevard", "Apt 310", "Houston", "TX", "77056"),
        new("Lucas", "Walker", new(1971, 10, 19), "3100 McKinnon Street", null, "Dallas", "TX", "75201"),
        new("Mia", "Hall", new(1984, 4, 3), "215 E Houston Street", null, "San Antonio", "TX", "78205"),
        new("Benjamin", "Young", new(1962, 8, 27), "5500 Travis Street", null, "Houston", "TX", "77002"),
        new("Charlotte", "Allen", new(1993, 1, 9), "1450 Brickell Avenue", "Apt 2204", "Miami", "FL", "33131"),
        new("Henry", "Wright", new(1977, 3, 22), "401 E Jackson Street", null, "Tampa", "FL", "33602"),
        new("Amelia", "Scott", new(1989, 12, 15), "55 W Church Street", null, "Orlando", "FL", "32801"),
        new("Alexander", "Torres", new(1981, 7, 6), "1 Independent Drive", null, "Jacksonville", "FL", "32202"),
        new("Harper", "Adams", new(1996, 10, 28), "350 W 42nd Street", "Apt 18C", "New York", "NY", "10036"),
        new("Daniel", "Baker", new(1973, 5, 1), "75 Clinton Street", null, "Brooklyn", "NY", "11201"),
        new("Evelyn", "Gonzalez", new(1985, 2, 13), "40 Court Street", null, "Buffalo", "NY", "14202"),
        new("Matthew", "Nelson", new(1966, 9, 24), "100 Chestnut Street", null, "Rochester", "NY", "14604"),
        new("Abigail", "Carter", new(1991, 4, 18), "233 S Wacker Drive", "Unit 5410", "Chicago", "IL", "60606"),
        new("Jackson", "Mitchell", new(1980, 8, 12), "1603 Orrington Avenue", null, "Evanston", "IL", "60201"),
        new("Emily", "Perez", new(1987, 11, 29), "1 Old State Capitol Plaza", null, "Springfield", "IL", "62701"),
        new("Sebastian", "Roberts", new(1976, 6, 7), "191 Peachtree Street NE", null, "Atlanta", "GA", "30303"),
        new("Elizabeth", "Turner", new(1994, 3, 31), "22 Bull Street", null, "Savannah", "GA", "31401"),
        new("Jack", "Phillips", new(1969, 12, 20), "2 N Central Avenue", "Suite 1800", "Phoenix", "AZ", "85004"),
        new("Sofia", "Campbell", new(1998, 5, 5), "150 N Stone Avenue", null, "Tucson", "AZ", "85701"),
        new("Owen", "Parker", new(1982, 1, 16), "7014 E Camelback Road", null, "Scottsdale", "AZ", "85251"),
        new("Avery", "Evans", new(1990, 10, 2), "1700 Lincoln Street", "Apt 902", "Denver", "CO", "80203"),
        new("Samuel", "Edwards", new(1974, 7, 23), "1301 Walnut Street", null, "Boulder", "CO", "80302"),
        new("Scarlett", "Collins", new(1985, 9, 14), "41 S High Street", null, "Columbus", "OH", "43215"),
        new("David", "Stewart", new(1963, 4, 9), "1300 E 9th Street", null, "Cleveland", "OH", "44114"),
        new("Grace", "Sanchez", new(1997, 2, 1), "400 S Tryon Street", "Apt 1106", "Charlotte", "NC", "28202"),
        new("Joseph", "Morris", new(1978, 11, 11), "150 Fayetteville Street", null, "Raleigh", "NC", "27601"),
        new("Chloe", "Rogers", new(1988, 6, 25), "1818 Market Street", null, "Philadelphia", "PA", "19103"),
        new("Carter", "Reed", new(1972, 3, 8), "600 Grant Street", null, "Pittsburgh", "PA", "15219"),
        new("Victoria", "Cook", new(1993, 8, 16), "1120 SW Fifth Avenue", null, "Portland", "OR", "97204"),
        new("Wyatt", "Morgan", new(1984, 12, 30), "88 Seneca Street", null, "Seattle", "WA", "98101"),
        new("Penelope", "Bell", new(1967, 5, 19), "3900 Westheimer Road", "Apt 7", "Houston", "TX", "77027"),
        new("Leo", "Murphy", new(1999, 9, 3), "200 S Biscayne Boulevard", null, "Miami", "FL", "33131"),
    ];

    public static readonly PharmacySeed[] Pharmacies =
    [
        new("cascade", "Cascade Compounding Pharmacy", 2, 1_500,
            ["WA", "OR", "CA", "AZ", "CO", "NV", "UT", "ID"]),
        new("lonestar", "Lone Star Apothecary", 4, 995,
            ["TX", "FL", "GA", "NC", "AZ", "CO", "CA", "IL", "OK", "LA", "TN"]),
        new("atlantic", "Atlantic Wellness Compounding", 7, 595,
            ["NY", "NJ", "PA", "OH", "IL", "MI", "MA", "FL", "NC", "GA", "TX", "WA"]),
    ];

    public static readonly ProductSeed[] Products =
    [
        new("Semaglutide", "2.5 mg/mL", "2 mL vial", null,
        [
            new("cascade", 19_900, 48, 4), new("lonestar", 17_500, 120, 4), new("atlantic", 16_900, 3, 4),
        ]),
        new("Semaglutide", "5 mg/mL", "2 mL vial", null,
        [
            new("lonestar", 27_500, 60, 4), new("atlantic", 25_900, 35, 4),
        ]),
        new("Tirzepatide", "10 mg/mL", "2 mL vial", null,
        [
            new("cascade", 34_900, 30, 4), new("lonestar", 32_500, 0, 4), new("atlantic", 31_900, 22, 4),
        ]),
        new("Testosterone cypionate", "200 mg/mL", "10 mL vial", "III",
        [
            new("lonestar", 6_800, 80, 2), new("atlantic", 7_200, 45, 2),
        ]),
        new("Estradiol cypionate", "5 mg/mL", "5 mL vial", null,
        [
            new("cascade", 5_400, 25, 3), new("atlantic", 4_900, 40, 3),
        ]),
        new("Progesterone (micronized)", "100 mg", "30 capsules", null,
        [
            new("cascade", 3_900, 70, 3), new("lonestar", 3_500, 90, 3), new("atlantic", 3_200, 150, 3),
        ]),
        new("Sermorelin acetate", "3 mg/mL", "3 mL vial", null,
        [
            new("cascade", 15_900, 5, 2), new("lonestar", 14_500, 18, 2),
        ]),
        new("NAD+", "200 mg/mL", "10 mL vial", null,
        [
            new("cascade", 18_900, 14, 2), new("atlantic", 17_900, 4, 2),
        ]),
        new("Oxytocin", "10 units/mL", "5 mL vial", null,
        [
            new("atlantic", 8_900, 20, 2),
        ]),
        new("Naltrexone (low-dose)", "4.5 mg", "30 capsules", null,
        [
            new("cascade", 4_500, 200, 3), new("lonestar", 3_900, 160, 3),
        ]),
        new("Methylcobalamin (B12)", "1 mg/mL", "10 mL vial", null,
        [
            new("cascade", 4_200, 95, 3), new("lonestar", 3_800, 110, 3), new("atlantic", 3_600, 75, 3, Active: false),
        ]),
        new("Glutathione", "200 mg/mL", "10 mL vial", null,
        [
            new("lonestar", 9_500, 36, 2), new("atlantic", 8_800, 28, 2),
        ]),
        new("Lipo-C (MIC + B12)", "MIC 25/50/50 mg/mL, B12 1 mg/mL", "30 mL vial", null,
        [
            new("cascade", 9_900, 16, 2), new("lonestar", 8_900, 2, 2),
        ]),
        new("Finasteride / minoxidil", "0.1% / 5%", "60 mL topical solution", null,
        [
            new("atlantic", 6_500, 55, 3),
        ]),
    ];

    /// <summary>Completes a nine-digit NPI payload with the check digit <see cref="Npi.IsValid"/> accepts.</summary>
    public static string NpiWithCheckDigit(string payload)
    {
        for (var d = 0; d <= 9; d++)
        {
            var candidate = payload + (char)('0' + d);
            if (Npi.IsValid(candidate))
            {
                return candidate;
            }
        }

        throw new InvalidOperationException("No NPI check digit fits the demo payload.");
    }

    /// <summary>Completes an eight-character DEA payload (two letters, six digits) with the DEA check digit.</summary>
    public static string DeaWithCheckDigit(string payload)
    {
        for (var d = 0; d <= 9; d++)
        {
            var candidate = payload + (char)('0' + d);
            if (DeaNumber.IsValid(candidate))
            {
                return candidate;
            }
        }

        throw new InvalidOperationException("No DEA check digit fits the demo payload.");
    }
}
