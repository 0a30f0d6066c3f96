using Headless.GraphQL;
using Headless.Shared;

namespace Headless.Carts;

/// <summary>A decoded edit: the command for its handler, or the errors that refuse the call before any handler runs.</summary>
public sealed record DecodedCartEdit<TCommand>(TCommand? Command, IReadOnlyList<UserError> Refusal)
    where TCommand : class
{
    public static DecodedCartEdit<TCommand> Refused(CartEditResult result) => new(null, result.UserErrors);
}

/// <summary>
/// The GraphQL side of cart edits: decodes global IDs and shapes the inputs into commands. An ID that does not
/// decode (or names another type) is reported exactly like one that names nothing: NOT_FOUND on the same field with
/// the same message. A line's problems are reported in the order its fields are read; the handler adds the ones only
/// the database can tell, and sorts them all by line.
/// </summary>
public static class CartInputDecoding
{
    public static DecodedCartEdit<AddCartLines> Add(string clinicGlobalId, IReadOnlyList<CartLineInput> inputs, int? expectedVersion)
    {
        // The call's size is judged first, then its cart; a line's problems only once both are right.
        if (CartUserErrors.LineCount(inputs.Count, "lines", "lines") is { } badCount)
        {
            return DecodedCartEdit<AddCartLines>.Refused(badCount);
        }

        if (!GlobalId.TryDecode(clinicGlobalId, "Clinic", out var clinicId))
        {
            return DecodedCartEdit<AddCartLines>.Refused(CartUserErrors.NotFound("clinicId", CartUserErrors.NoClinic));
        }

        var errors = new UserErrorList();
        var lines = inputs.Select((input, i) => NewLine(input, i, errors)).ToList();
        return new(new AddCartLines(clinicId, lines, expectedVersion) { InputErrors = errors }, []);
    }

    public static DecodedCartEdit<UpdateCartLines> Update(string cartGlobalId, IReadOnlyList<CartLineUpdateInput> inputs, int? expectedVersion)
    {
        if (CartUserErrors.LineCount(inputs.Count, "lines", "lines") is { } badCount)
        {
            return DecodedCartEdit<UpdateCartLines>.Refused(badCount);
        }

        if (!GlobalId.TryDecode(cartGlobalId, "Cart", out var cartId))
        {
            return DecodedCartEdit<UpdateCartLines>.Refused(CartUserErrors.NotFound("cartId", CartUserErrors.NoCart));
        }

        var errors = new UserErrorList();
        var lines = inputs.Select((input, i) => Change(input, i, errors)).ToList();
        return new(new UpdateCartLines(cartId, lines, expectedVersion) { InputErrors = errors }, []);
    }

    public static DecodedCartEdit<RemoveCartLines> Remove(string cartGlobalId, IReadOnlyList<string> lineGlobalIds, int? expectedVersion)
    {
        if (CartUserErrors.LineCount(lineGlobalIds.Count, "lineIds", "line IDs") is { } badCount)
        {
            return DecodedCartEdit<RemoveCartLines>.Refused(badCount);
        }

        if (!GlobalId.TryDecode(cartGlobalId, "Cart", out var cartId))
        {
            return DecodedCartEdit<RemoveCartLines>.Refused(CartUserErrors.NotFound("cartId", CartUserErrors.NoCart));
        }

        var errors = new UserErrorList();
        var ids = lineGlobalIds.Select((g, i) => Id(g, "CartLine", CartUserErrors.NoLine, errors, "lineIds", CartUserErrors.Index(i))).ToList();
        return new(new RemoveCartLines(cartId, ids, expectedVersion) { InputErrors = errors }, []);
    }

    /// <summary>A line to add: a patient (REQUIRED), and an offering or a product with an optional pharmacy, never both.</summary>
    public static NewCartLine NewLine(CartLineInput input, int i, UserErrorList errors)
    {
        var patientId = input.PatientId is null
            ? Missing(errors, "Each line needs a patient.", CartUserErrors.Path(i, "patientId"))
            : Id(input.PatientId, "Patient", CartUserErrors.NoPatient, errors, CartUserErrors.Path(i, "patientId"));
        return LineValues(input, i, errors) with { PatientId = patientId };
    }

    /// <summary>
    /// Everything of a line to add but its patient (which <paramref name="input"/>'s PatientId does not affect): the
    /// offering or product and pharmacy, and the entered values, with the same errors on the same fields. Quickfills
    /// check their line templates with it, so a template is refused exactly when such a line would be.
    /// </summary>
    public static NewCartLine LineValues(CartLineInput input, int i, UserErrorList errors)
    {
        long? offeringId = null, productId = null, pharmacyId = null;
        if (input.OfferingId is not null)
        {
            offeringId = Id(input.OfferingId, "Offering", CartUserErrors.NoOffering, errors, CartUserErrors.Path(i, "offeringId"));
            if (input.ProductId is not null || input.PharmacyId is not null)
            {
                errors.Add(UserErrorCode.InvalidValue, "Give either an offering, or a product with an optional pharmacy, not both.", CartUserErrors.Path(i, "offeringId"));
            }
        }
        else if (input.ProductId is not null)
        {
            productId = Id(input.ProductId, "Product", CartUserErrors.NoProduct, errors, CartUserErrors.Path(i, "productId"));
            pharmacyId = input.PharmacyId is null ? null : Id(input.PharmacyId, "Pharmacy", CartUserErrors.NoPharmacy, errors, CartUserErrors.Path(i, "pharmacyId"));
        }
        else
        {
            errors.Add(UserErrorCode.Required, "Each line needs an offering, or a product (the pharmacy is then chosen by the clinic's routing preference).", CartUserErrors.Path(i, "productId"));
        }

        CheckValues(input.Quantity, input.DaysSupply, input.Sig, i, errors);
        var prescriberId = Prescriber(input.PrescriberId, i, errors);
        var shipTo = ShipToAsGiven(input.ShipTo, i, errors);
        return new NewCartLine(null, offeringId, productId, pharmacyId)
        {
            Quantity = input.Quantity,
            Sig = input.Sig,
            DaysSupply = input.DaysSupply,
            PrescriberId = prescriberId,
            ShipTo = shipTo,
        };
    }

    /// <summary>Changes to a cart line: its ID (NOT_FOUND when it does not decode), an offering or a pharmacy, a ship-to or shipToPatientAddress.</summary>
    public static CartLineChange Change(CartLineUpdateInput input, int i, UserErrorList errors)
    {
        var lineId = Id(input.LineId, "CartLine", CartUserErrors.NoLine, errors, CartUserErrors.Path(i, "lineId"));
        long? offeringId = null, pharmacyId = null;
        if (input.OfferingId is not null && input.PharmacyId is not null)
        {
            errors.Add(UserErrorCode.InvalidValue, "Give either an offering or a pharmacy, not both.", CartUserErrors.Path(i, "offeringId"));
        }
        else if (input.OfferingId is not null)
        {
            offeringId = Id(input.OfferingId, "Offering", CartUserErrors.NoOffering, errors, CartUserErrors.Path(i, "offeringId"));
        }
        else if (input.PharmacyId is not null)
        {
            pharmacyId = Id(input.PharmacyId, "Pharmacy", CartUserErrors.NoPharmacy, errors, CartUserErrors.Path(i, "pharmacyId"));
        }

        if (input.ShipTo is not null && input.ShipToPatientAddress == true)
        {
            errors.Add(UserErrorCode.InvalidValue, "Give either a ship-to address or shipToPatientAddress, not both.", CartUserErrors.Path(i, "shipTo"));
        }

        CheckValues(input.Quantity, input.DaysSupply, input.Sig, i, errors);
        var prescriberId = Prescriber(input.PrescriberId, i, errors);
        var shipTo = ShipToAsGiven(input.ShipTo, i, errors);
        return new CartLineChange(lineId)
        {
            OfferingId = offeringId,
            PharmacyId = pharmacyId,
            Quantity = input.Quantity,
            Sig = input.Sig,
            DaysSupply = input.DaysSupply,
            PrescriberId = prescriberId,
            ShipTo = shipTo,
            ShipToPatientAddress = input.ShipToPatientAddress == true,
        };
    }

    /// <summary>The key inside a global ID of <paramref name="type"/>; null, with NOT_FOUND on <paramref name="path"/>, for anything else.</summary>
    public static long? Id(string? globalId, string type, string notFound, UserErrorList errors, params string[] path)
    {
        if (GlobalId.TryDecode(globalId, type, out var id))
        {
            return id;
        }

        errors.Add(UserErrorCode.NotFound, notFound, path);
        return null;
    }

    /// <summary>A prescriber's key when one is given; NOT_FOUND when the ID does not decode.</summary>
    public static long? Prescriber(string? globalId, int i, UserErrorList errors) =>
        globalId is null ? null : Id(globalId, "Prescriber", CartUserErrors.NoPrescriber, errors, CartUserErrors.Path(i, "prescriberId"));

    /// <summary>Quantity and days supply at least 1, directions within <see cref="CartLine.MaxSigLength"/>; each may be left out.</summary>
    public static void CheckValues(int? quantity, int? daysSupply, string? sig, int i, UserErrorList errors)
    {
        if (quantity is < 1)
        {
            errors.Add(UserErrorCode.InvalidValue, "Quantity must be at least 1. Remove the line to order none.", CartUserErrors.Path(i, "quantity"));
        }

        if (daysSupply is < 1)
        {
            errors.Add(UserErrorCode.InvalidValue, "Days supply must be at least 1.", CartUserErrors.Path(i, "daysSupply"));
        }

        if (sig is { Length: > CartLine.MaxSigLength })
        {
            errors.Add(UserErrorCode.TooLong, $"Directions must be at most {CartLine.MaxSigLength} characters.", CartUserErrors.Path(i, "sig"));
        }
    }

    /// <summary>
    /// A ship-to override is kept as the coordinator typed it (trimmed, length-checked): a malformed ZIP or
    /// state is reported by validation as ADDRESS_INVALID on the line rather than losing the edit.
    /// </summary>
    public static Address? ShipToAsGiven(AddressInput? input, int i, UserErrorList errors)
    {
        if (input is null)
        {
            return null;
        }

        var before = errors.Count;
        string Field(string? value, int max, string name)
        {
            var v = value?.Trim() ?? "";
            if (v.Length > max)
            {
                errors.Add(UserErrorCode.TooLong, $"Must be at most {max} characters.", CartUserErrors.Path(i, "shipTo", name));
            }

            return v;
        }

        var address = new Address
        {
            Line1 = Field(input.Line1, 200, "line1"),
            Line2 = input.Line2 is null ? null : Field(input.Line2, 200, "line2"),
            City = Field(input.City, 100, "city"),
            State = Field(input.State, 2, "state").ToUpperInvariant(),
            Zip = Field(input.Zip, 10, "zip"),
        };
        return errors.Count > before ? null : address;
    }

    private static long? Missing(UserErrorList errors, string message, string[] path)
    {
        errors.Add(UserErrorCode.Required, message, path);
        return null;
    }
}
