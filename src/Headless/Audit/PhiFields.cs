using System.Collections.Frozen;

namespace Headless.Audit;

/// <summary>
/// What counts as reading patient data, in one place an auditor can read. Resolving one of these fields records the
/// object it belongs to. A patient reached from an order or cart line (`patient { ... }`) is recorded by the Patient
/// fields themselves. A test fails when the schema gains a SIG or an address on another type that is not listed here
/// (or in <see cref="NotPatientData"/>).
/// </summary>
public static class PhiFields
{
    /// <summary>Types every field of which (the id included) is patient data.</summary>
    public static readonly FrozenSet<string> WholeTypes = FrozenSet.ToFrozenSet(["Patient"], StringComparer.Ordinal);

    /// <summary>Single fields of other types that are patient data: a line's directions and where it ships.</summary>
    public static readonly FrozenSet<(string Type, string Field)> Fields = FrozenSet.ToFrozenSet(
    [
        ("OrderLine", "sig"),
        ("OrderLine", "shipTo"),
        ("CartLine", "sig"),
        ("CartLine", "shipTo"),

        // Free text a clinic or pharmacy wrote about a patient's line: it may name the patient or their condition.
        ("SupportTicket", "subject"),
        ("SupportTicketMessage", "body"),
    ]);

    /// <summary>
    /// Root query fields that match on patient data when the argument (or, with a dot, the input field inside it) is
    /// given: every object of the page returned is recorded.
    /// </summary>
    public static readonly FrozenSet<(string Field, string Argument)> Searches = FrozenSet.ToFrozenSet(
    [
        ("patients", "search"),
        ("orderLines", "filter.patientName"),
        ("orderLines", "filter.patientExternalId"),
    ]);

    /// <summary>Addresses that belong to a business, not a patient, and a clinic's standing directions, which belong to no patient.</summary>
    public static readonly FrozenSet<(string Type, string Field)> NotPatientData = FrozenSet.ToFrozenSet(
    [
        ("Clinic", "shipTo"),
        ("Clinic", "billingAddress"),
        ("Quickfill", "sig"),
    ]);

    public static bool IsPhi(string type, string field) => WholeTypes.Contains(type) || Fields.Contains((type, field));
}
