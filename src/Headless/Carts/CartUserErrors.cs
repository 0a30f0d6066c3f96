using System.Globalization;
using Headless.GraphQL;

namespace Headless.Carts;

/// <summary>
/// The user errors of cart edits, in one place: an ID that does not decode (found by the GraphQL layer) and an ID
/// that names nothing (found by a handler) must read the same to the client, code, field and message.
/// </summary>
public static class CartUserErrors
{
    public const string NoClinic = "No clinic with this ID exists in your organization.";
    public const string NoCart = "No cart with this ID exists in your organization.";
    public const string NoLine = "No line with this ID is in the cart.";
    public const string NoPatient = "No patient with this ID exists in your organization.";
    public const string PatientArchived = "This patient is archived; restore them with patientRestore to add lines for them.";
    public const string NoPrescriber = "No prescriber with this ID exists in your organization.";
    public const string NoOffering = "No offering with this ID exists.";
    public const string NoProduct = "No product with this ID exists.";
    public const string NoPharmacy = "No pharmacy with this ID exists.";
    public const string PharmacyLacksProduct = "This pharmacy does not offer the product.";

    /// <summary>INVALID_VALUE on <paramref name="field"/> when a call carries no lines or more than <see cref="CartEditing.MaxLinesPerCall"/>.</summary>
    public static CartEditResult? LineCount(int count, string field, string noun) =>
        count is 0 or > CartEditing.MaxLinesPerCall
            ? Refused(new UserError(UserErrorCode.InvalidValue, [field], $"Send between 1 and {CartEditing.MaxLinesPerCall} {noun} per call."))
            : null;

    public static CartEditResult NotFound(string field, string message) => Refused(new UserError(UserErrorCode.NotFound, [field], message));

    public static CartEditResult NotOpen(Cart cart) => Refused(new UserError(
        UserErrorCode.CartNotOpen,
        [cart.Status == CartStatus.CheckingOut ? "clinicId" : "cartId"],
        cart.Status == CartStatus.CheckingOut
            ? "The cart is being checked out. If the payment fails the cart reopens unchanged; otherwise the clinic gets a new cart."
            : "This cart was checked out and can no longer change. Use the clinic's open cart."));

    public static CartEditResult? VersionMismatch(Cart cart, int? expectedVersion) =>
        expectedVersion is { } v && v != cart.Version
            ? Refused(new UserError(UserErrorCode.CartVersionMismatch, ["expectedVersion"], $"The cart changed since version {v}; it is now at version {cart.Version}. Reload it and apply your change again."))
            : null;

    public static CartEditResult Refused(params IReadOnlyList<UserError> errors) => new(null, errors);

    /// <summary>The field path of a line's field: ["lines", "3", "quantity"].</summary>
    public static string[] Path(int index, params string[] field) => ["lines", Index(index), .. field];

    public static string Index(int index) => index.ToString(CultureInfo.InvariantCulture);

    /// <summary>
    /// Errors in input order: line 0's problems first, whatever check found them, each line's in the order they were
    /// found. Errors about no single line ("lines") come first.
    /// </summary>
    public static List<UserError> ByIndex(IEnumerable<UserError> errors) =>
        errors.OrderBy(e => e.Field is [_, var index, ..] && int.TryParse(index, CultureInfo.InvariantCulture, out var i) ? i : -1).ToList();
}
