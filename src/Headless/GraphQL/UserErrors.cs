using System.ComponentModel;
using GraphQL.Types;

namespace Headless.GraphQL;

/// <summary>The closed set of codes a mutation's userErrors may carry.</summary>
public enum UserErrorCode
{
    [Description("A required value is missing or blank.")]
    Required,

    [Description("The value is longer than the field allows.")]
    TooLong,

    [Description("The value does not have the expected format.")]
    InvalidFormat,

    [Description("Not a valid NPI: ten digits with a Luhn check digit over the 80840 prefix.")]
    InvalidNpi,

    [Description("Not a valid DEA registration number (two letters, seven digits, DEA check digit).")]
    InvalidDea,

    [Description("Not a two-letter US state or territory code in upper case, e.g. CA.")]
    InvalidState,

    [Description("Not a US ZIP code: five digits or ZIP+4 (12345 or 12345-6789).")]
    InvalidZip,

    [Description("The date of birth is today, in the future, or more than 130 years ago.")]
    InvalidDateOfBirth,

    [Description("The license has already expired.")]
    LicenseExpired,

    [Description("Another record already uses this value, or the input repeats it.")]
    Duplicate,

    [Description("No object with this ID exists for your organization.")]
    NotFound,

    [Description("The patient is archived: new cart lines cannot name them until patientRestore restores them.")]
    PatientArchived,

    [Description("The value is not one of the accepted options, or is out of range.")]
    InvalidValue,

    [Description("The quantity is above the offering's maximum per line; this also applies to the quantity a line would reach by merging an added line into it.")]
    QuantityLimit,

    [Description("The cart changed since the version the client sent; reload it and apply the change again.")]
    CartVersionMismatch,

    [Description("The cart was checked out, or is being checked out, and cannot change now.")]
    CartNotOpen,

    [Description("Validation found errors on the cart; the issues are on the payload and on the lines.")]
    CartHasErrors,

    [Description("The cart has no lines.")]
    CartEmpty,

    [Description("A line's price changed since the cart was last validated (the pharmacy updated it); lineIds names the lines, the message gives old and new prices. Nothing was charged: validate again to see the new prices, then check out.")]
    PricesChanged,

    [Description("The idempotency key was already used for a different checkout.")]
    IdempotencyKeyReused,

    [Description("The payment method was declined; the order is kept as PAYMENT_FAILED and the cart is open again.")]
    PaymentDeclined,

    [Description("The order line has gone too far to be cancelled (the pharmacy started compounding), or is already closed.")]
    LineNotCancellable,

    [Description("The webhook URL leads to a private, loopback, link-local or metadata address, or does not resolve; webhooks only go to public internet addresses.")]
    DestinationNotAllowed,

    [Description("The webhook payloadQuery selects patient data (a name, date of birth, address, SIG or free-text message); the message names the field.")]
    PhiNotAllowed,

    [Description("The webhook payloadQuery is not a valid document over the webhook event (the message says why).")]
    InvalidPayloadQuery,

    [Description("The webhook endpoint is disabled; enable it first.")]
    EndpointDisabled,

    [Description("Concurrent changes kept the request from completing within its retry budget; nothing was changed. Send the same request again (for a checkout, with the same idempotency key).")]
    BusyRetry,
}

/// <summary>The userError every request answers when contention outlasted its retries (see <see cref="Data.Contention"/>).</summary>
public static class BusyRetry
{
    public const string Message = "Other changes to the same data kept this request from completing; nothing was changed. Send the same request again.";

    public static UserError Error(params string[] field) => new(UserErrorCode.BusyRetry, field, Message);
}

/// <summary>A problem with a mutation's input, pointing at the input field that caused it.</summary>
public sealed record UserError(UserErrorCode Code, IReadOnlyList<string> Field, string Message, IReadOnlyList<string>? LineIds = null);

/// <summary>Collects userErrors while an input is checked, tracking the field path.</summary>
public sealed class UserErrorList : List<UserError>
{
    public void Add(UserErrorCode code, string message, params string[] field) => Add(new UserError(code, field, message));
}

public sealed class UserErrorCodeType : EnumerationGraphType<UserErrorCode>
{
    public UserErrorCodeType()
    {
        Name = "UserErrorCode";
        Description = "Why a mutation refused part of its input. The set is closed: new codes are announced as schema changes.";
    }
}

public sealed class UserErrorType : ObjectGraphType<UserError>
{
    public UserErrorType()
    {
        Name = "UserError";
        Description = "A problem with a mutation's input. Nothing is changed when a payload carries userErrors, and nothing already saved is lost.";
        Field<NonNullGraphType<UserErrorCodeType>>("code").Description("Machine-readable reason.").Resolve(c => c.Source.Code);
        Field<ListGraphType<NonNullGraphType<StringGraphType>>>("field")
            .Description("Path to the input field at fault, from the mutation's argument, e.g. [\"input\", \"address\", \"zip\"]. List indexes are written as numbers in strings.")
            .Resolve(c => c.Source.Field.Count == 0 ? null : c.Source.Field);
        Field(x => x.Message).Description("Human-readable explanation, safe to show to a coordinator. Never contains patient data.");
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<IdGraphType>>>>("lineIds")
            .Description("IDs of the cart or order lines the error concerns; empty when it concerns no line.")
            .Resolve(c => c.Source.LineIds ?? []);
    }
}
