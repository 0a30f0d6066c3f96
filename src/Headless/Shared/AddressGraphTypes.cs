using GraphQL.Types;
using Headless.GraphQL;

namespace Headless.Shared;

/// <summary>Address input: every field optional in the schema so that a missing one is reported as a userError with its path.</summary>
public sealed record AddressInput
{
    public string? Line1 { get; init; }

    public string? Line2 { get; init; }

    public string? City { get; init; }

    public string? State { get; init; }

    public string? Zip { get; init; }
}

public sealed class AddressType : ObjectGraphType<Address>
{
    public AddressType()
    {
        Name = "Address";
        Description = "A US postal address.";
        Field(x => x.Line1).Description("Street address.");
        Field(x => x.Line2, nullable: true).Description("Apartment, suite or unit, if any.");
        Field(x => x.City).Description("City.");
        Field(x => x.State).Description("Two-letter state or territory code, e.g. CA.");
        Field(x => x.Zip).Description("ZIP or ZIP+4 code.");
    }
}

public sealed class AddressInputType : InputObjectGraphType<AddressInput>
{
    public AddressInputType()
    {
        Name = "AddressInput";
        Description = "A US postal address. line1, city, state and zip are required; state is a two-letter upper-case code and zip is 12345 or 12345-6789.";
        Field(x => x.Line1, nullable: true).Description("Street address (required, at most 200 characters).");
        Field(x => x.Line2, nullable: true).Description("Apartment, suite or unit (optional, at most 200 characters).");
        Field(x => x.City, nullable: true).Description("City (required, at most 100 characters).");
        Field(x => x.State, nullable: true).Description("Two-letter US state or territory code in upper case (required).");
        Field(x => x.Zip, nullable: true).Description("ZIP code: 12345 or 12345-6789 (required).");
    }
}

/// <summary>Checks shared by every input that carries text or an address.</summary>
public static class InputChecks
{
    /// <summary>Returns the trimmed value, or null after recording REQUIRED/TOO_LONG.</summary>
    public static string? RequiredText(UserErrorList errors, string? value, int maxLength, string label, params string[] path)
    {
        var trimmed = value?.Trim();
        if (string.IsNullOrEmpty(trimmed))
        {
            errors.Add(UserErrorCode.Required, $"{label} is required.", path);
            return null;
        }

        return MaxLength(errors, trimmed, maxLength, label, path);
    }

    public static string? OptionalText(UserErrorList errors, string? value, int maxLength, string label, params string[] path)
    {
        var trimmed = value?.Trim();
        return string.IsNullOrEmpty(trimmed) ? null : MaxLength(errors, trimmed, maxLength, label, path);
    }

    public static Address? Address(UserErrorList errors, AddressInput? input, bool required, params string[] path)
    {
        if (input is null)
        {
            if (required)
            {
                errors.Add(UserErrorCode.Required, "An address is required.", path);
            }

            return null;
        }

        var before = errors.Count;
        var line1 = RequiredText(errors, input.Line1, 200, "Street address", [.. path, "line1"]);
        var line2 = OptionalText(errors, input.Line2, 200, "Address line 2", [.. path, "line2"]);
        var city = RequiredText(errors, input.City, 100, "City", [.. path, "city"]);
        var state = input.State?.Trim();
        if (string.IsNullOrEmpty(state))
        {
            errors.Add(UserErrorCode.Required, "State is required.", [.. path, "state"]);
        }
        else if (!UsStates.IsValid(state))
        {
            errors.Add(UserErrorCode.InvalidState, "State must be a two-letter US state or territory code in upper case, e.g. CA.", [.. path, "state"]);
        }

        var zip = input.Zip?.Trim();
        if (string.IsNullOrEmpty(zip))
        {
            errors.Add(UserErrorCode.Required, "ZIP code is required.", [.. path, "zip"]);
        }
        else if (!ZipCode.IsValid(zip))
        {
            errors.Add(UserErrorCode.InvalidZip, "ZIP code must be 12345 or 12345-6789.", [.. path, "zip"]);
        }

        return errors.Count > before
            ? null
            : new Address { Line1 = line1!, Line2 = line2, City = city!, State = state!, Zip = zip! };
    }

    public static string? Npi(UserErrorList errors, string? value, params string[] path)
    {
        var npi = value?.Trim();
        if (string.IsNullOrEmpty(npi))
        {
            errors.Add(UserErrorCode.Required, "NPI is required.", path);
            return null;
        }

        if (!Shared.Npi.IsValid(npi))
        {
            errors.Add(UserErrorCode.InvalidNpi, "NPI must be ten digits with a valid check digit.", path);
            return null;
        }

        return npi;
    }

    private static string? MaxLength(UserErrorList errors, string value, int maxLength, string label, string[] path)
    {
        if (value.Length > maxLength)
        {
            errors.Add(UserErrorCode.TooLong, $"{label} must be at most {maxLength} characters.", path);
            return null;
        }

        return value;
    }
}
