using System.ComponentModel;
using Headless.Shared;

namespace Headless.Carts.Validation;

/// <summary>Issue severities, stored as their <see cref="WireEnum{T}"/> strings.</summary>
[Description("How much an issue matters.")]
public enum IssueSeverity
{
    [Description("Blocks checkout until fixed.")]
    Error,

    [Description("Worth a look; does not block checkout.")]
    Warning,
}

/// <summary>The closed set of preflight issue codes (DESIGN.md's table plus the two warnings), stored as their <see cref="WireEnum{T}"/> strings.</summary>
[Description("The preflight rules. The set is closed: new codes are announced as schema changes.")]
public enum CartIssueCode
{
    [Description("Quantity, SIG, days supply, prescriber or the patient's date of birth is missing.")]
    RequiredFieldMissing,

    [Description("The directions do not state an action, a dose with unit, a route and a frequency.")]
    SigIncomplete,

    [Description("The prescriber has no unexpired license in the ship-to state.")]
    PrescriberNotLicensed,

    [Description("A controlled product needs a prescriber with a DEA registration.")]
    DeaRequired,

    [Description("The pharmacy may not ship to the ship-to state.")]
    PharmacyNotLicensed,

    [Description("The offering's stock cannot cover the summed quantity of every line using it.")]
    OutOfStock,

    [Description("Quantity above the offering's maximum, or days supply out of range.")]
    QuantityLimit,

    [Description("The offering is inactive or the product discontinued.")]
    ProductUnavailable,

    [Description("The ship-to address lacks a street or city, or has an unknown state or malformed ZIP.")]
    AddressInvalid,

    [Description("The same patient and product appear twice in the cart, or an earlier fill has days supply left.")]
    DuplicateFill,

    [Description("Warning: another licensed pharmacy with stock offers the product for less.")]
    CheaperPharmacyAvailable,

    [Description("Warning: the pharmacy's turnaround is long.")]
    LongTurnaround,
}

/// <summary>
/// One run of every preflight rule over a whole cart at one version. Kept, with the version it saw, so
/// checkout can tell whether the cart changed since the coordinator last looked.
/// </summary>
public sealed class CartValidation : IEntity, ITenantOwned
{
    private readonly List<CartIssue> _issues = [];
    private readonly List<ValidatedPrice> _prices = [];

    private CartValidation()
    {
    }

    public CartValidation(long organizationId, long cartId, int cartVersion, IEnumerable<CartIssue> issues, DateTimeOffset now, IEnumerable<ValidatedPrice>? prices = null)
    {
        _prices.AddRange(prices ?? []);
        OrganizationId = organizationId;
        CartId = cartId;
        CartVersion = cartVersion;
        _issues.AddRange(issues);
        ErrorCount = _issues.Count(i => i.Severity == IssueSeverity.Error);
        WarningCount = _issues.Count - ErrorCount;
        ValidatedAt = now;
    }

    public long Id { get; private set; }

    public long OrganizationId { get; private set; }

    public long CartId { get; private set; }

    public int CartVersion { get; private set; }

    public int ErrorCount { get; private set; }

    public int WarningCount { get; private set; }

    public DateTimeOffset ValidatedAt { get; private set; }

    public IReadOnlyList<CartIssue> Issues => _issues;

    /// <summary>The prices this run saw, per line: checkout charges these or refuses (PRICES_CHANGED).</summary>
    public IReadOnlyList<ValidatedPrice> Prices => _prices;
}

/// <summary>What one line cost when a validation ran: the catalog unit price and its share of the shipment's fee, in minor units.</summary>
public sealed class ValidatedPrice(long lineId, long unitPrice, long shippingShare)
{
    public long LineId { get; private set; } = lineId;

    public long UnitPrice { get; private set; } = unitPrice;

    public long ShippingShare { get; private set; } = shippingShare;
}

/// <summary>One finding: which line, which rule, how bad, which field, and a message with no patient data in it.</summary>
public sealed class CartIssue(long? lineId, CartIssueCode code, IssueSeverity severity, string field, string message)
{
    public long? LineId { get; private set; } = lineId;

    public CartIssueCode Code { get; private set; } = code;

    public IssueSeverity Severity { get; private set; } = severity;

    /// <summary>Dotted path on the line, e.g. "shipTo.zip" or "sig".</summary>
    public string Field { get; private set; } = field;

    public string Message { get; private set; } = message;
}
