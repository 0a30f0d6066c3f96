using Headless.Shared;

namespace Headless.Carts.Validation;

/// <summary>Issue severities, stored as strings.</summary>
public static class IssueSeverity
{
    /// <summary>Blocks checkout.</summary>
    public const string Error = "ERROR";

    /// <summary>Shown, does not block checkout.</summary>
    public const string Warning = "WARNING";
}

/// <summary>The closed set of preflight issue codes (DESIGN.md's table plus the two warnings).</summary>
public static class CartIssueCode
{
    public const string RequiredFieldMissing = "REQUIRED_FIELD_MISSING";
    public const string SigIncomplete = "SIG_INCOMPLETE";
    public const string PrescriberNotLicensed = "PRESCRIBER_NOT_LICENSED";
    public const string DeaRequired = "DEA_REQUIRED";
    public const string PharmacyNotLicensed = "PHARMACY_NOT_LICENSED";
    public const string OutOfStock = "OUT_OF_STOCK";
    public const string QuantityLimit = "QUANTITY_LIMIT";
    public const string ProductUnavailable = "PRODUCT_UNAVAILABLE";
    public const string AddressInvalid = "ADDRESS_INVALID";
    public const string DuplicateFill = "DUPLICATE_FILL";
    public const string CheaperPharmacyAvailable = "CHEAPER_PHARMACY_AVAILABLE";
    public const string LongTurnaround = "LONG_TURNAROUND";
}

/// <summary>
/// One run of every preflight rule over a whole cart at one version. Kept, with the version it saw, so
/// checkout can tell whether the cart changed since the coordinator last looked.
/// </summary>
public sealed class CartValidation : IEntity, ITenantOwned
{
    private readonly List<CartIssue> _issues = [];

    private CartValidation()
    {
    }

    public CartValidation(long organizationId, long cartId, int cartVersion, IEnumerable<CartIssue> issues, DateTimeOffset now)
    {
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
}

/// <summary>One finding: which line, which rule, how bad, which field, and a message with no patient data in it.</summary>
public sealed class CartIssue(long? lineId, string code, string severity, string field, string message)
{
    public long? LineId { get; private set; } = lineId;

    public string Code { get; private set; } = code;

    public string Severity { get; private set; } = severity;

    /// <summary>Dotted path on the line, e.g. "shipTo.zip" or "sig".</summary>
    public string Field { get; private set; } = field;

    public string Message { get; private set; } = message;
}
